"""Every amount explains itself: the steps, and each parameter value with who set it and when."""

from datetime import date
from decimal import Decimal

from core.evaluation import evaluate
from tests.conftest import ON, applicant, household


def test_medical_relief_explains_conditions_bracket_and_parameter(registry):
    h = household(
        applicant(seriousIllness=True, monthlyIncome="2000"), annualMedicalOutOfPocket="30000"
    )
    relief = evaluate(registry.get("hebei"), h, ON).entitlement("medical_relief")
    text = "\n".join(relief.explanation)
    assert relief.basis.startswith("003") and "五.10" in relief.basis
    assert "30000.00 exceeds the household's annual income 24000.00: yes" in text
    assert "8% of the whole amount = 2400.00" in text
    assert "medical_relief.schedule" in text and "set by hebei" in text and "2006-01-01" in text


def test_an_inherited_programme_reads_the_childs_parameter_and_says_so(registry):
    h = household(applicant(ableToWork=True, employment="UNEMPLOYED", age=40))
    relief = evaluate(registry.get("demo_city"), h, ON).entitlement("living_relief")
    assert relief.amount == Decimal("820.00")
    assert any(
        "dibao.standard_monthly = 820.00" in s and "set by demo_city" in s
        for s in relief.explanation
    )


def test_the_value_in_force_follows_the_date(registry):
    h = household(applicant(ableToWork=True, employment="UNEMPLOYED", age=40))
    relief = evaluate(registry.get("hebei"), h, date(2024, 3, 1)).entitlement("living_relief")
    assert relief.amount == Decimal("760.00")
    assert any("in force from 2024-01-01" in s for s in relief.explanation)


def test_the_evaluation_pins_the_rules_it_used(registry):
    h = household(applicant(seriousIllness=True), annualMedicalOutOfPocket="30000")
    result = evaluate(registry.get("demo_city"), h, ON)
    used = {p.name: p for p in result.parameters_used}
    assert used["medical_relief.schedule"].defined_by == "hebei"
    assert result.ruleset == registry.get("demo_city").ruleset
    assert dict(result.plugin_versions)["hebei"] == "1.0.0"
