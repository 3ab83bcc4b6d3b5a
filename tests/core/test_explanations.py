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
    assert "年医疗费个人自付 30000.00 元超过家庭当年全部收入 24000.00 元:是" in text
    assert "按总额的 8% = 2400.00 元" in text
    assert "medical_relief.schedule" in text and "由 hebei 设定" in text and "2006-01-01" in text


def test_an_inherited_programme_reads_the_childs_parameter_and_says_so(registry):
    h = household(applicant(ableToWork=True, employment="UNEMPLOYED", age=40))
    relief = evaluate(registry.get("demo_city"), h, ON).entitlement("living_relief")
    assert relief.amount == Decimal("820.00")
    assert any(
        "dibao.standard_monthly = 820.00" in s and "由 demo_city 设定" in s
        for s in relief.explanation
    )


def test_the_value_in_force_follows_the_date(registry):
    h = household(applicant(ableToWork=True, employment="UNEMPLOYED", age=40))
    relief = evaluate(registry.get("hebei"), h, date(2024, 3, 1)).entitlement("living_relief")
    assert relief.amount == Decimal("760.00")
    assert any("自 2024-01-01 起施行" in s for s in relief.explanation)


def test_the_evaluation_pins_the_rules_it_used(registry):
    h = household(applicant(seriousIllness=True), annualMedicalOutOfPocket="30000")
    result = evaluate(registry.get("demo_city"), h, ON)
    used = {p.name: p for p in result.parameters_used}
    assert used["medical_relief.schedule"].defined_by == "hebei"
    assert result.ruleset == registry.get("demo_city").ruleset
    assert dict(result.plugin_versions)["hebei"] == "1.0.0"


def test_without_explanations_only_the_explanations_are_left_out(registry):
    """explain=False (a query not selecting explanations) gives the same answer, the same
    parameters used in the same order, and empty explanations."""
    h = household(
        applicant(monthlyIncome="2000", seriousIllness=True), annualMedicalOutOfPocket="30000"
    )
    for tenant in registry.ordered():
        full = evaluate(tenant, h, ON)
        lean = evaluate(tenant, h, ON, explain=False)
        assert lean.comparable() == full.comparable()
        assert lean.parameters_used == full.parameters_used
        assert lean.provisional == full.provisional
        assert all(e.explanation == () for e in lean.entitlements)
        if tenant.code == "hebei":
            assert full.entitlements and all(e.explanation for e in full.entitlements)


def test_a_step_formats_the_first_households_values_by_their_specs():
    import numpy as np
    import pytest

    from core.rules import Why

    why = Why()
    why.step(
        "自付 {cost:yuan} 元,超过收入:{ok:yes};面积 {area:m2};比例 {share:.1f};{name}",
        cost=np.array([3_000_000, 5]),
        ok=np.array([False, True]),
        area=np.int64(1250),
        share=0.25,
        name="张伟",
    )
    assert why.take() == ["自付 30000.00 元,超过收入:否;面积 12.50 平方米;比例 0.2;张伟"]
    assert why.take() == []  # taken
    why.step("{member.age}", member=None)
    with pytest.raises(ValueError, match="names its values plainly"):
        why.take()


def test_each_household_is_worded_from_its_own_values():
    import numpy as np

    from core.rules import Why, Words

    why = Why()
    why.step(
        "自付 {cost:yuan} 元;标准 {standard:yuan} 元;{how}",
        cost=np.array([3_000_000, 5, 120]),
        standard=np.int64(80_000),  # one value for every household
        how=Words(lambda i: f"第 {i + 1} 户"),
    )
    assert why.take_for([2, 0]) == [
        ["自付 1.20 元;标准 800.00 元;第 3 户"],
        ["自付 30000.00 元;标准 800.00 元;第 1 户"],
    ]
    assert why.take_for([0, 1]) == [[], []]  # taken
