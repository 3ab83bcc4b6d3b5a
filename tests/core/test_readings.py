"""Every reading of an unclear sentence is a dated, cited parameter, and switching it
changes the result (issue 7, section 4). Each test overrides one reading in a child tenant
and shows a household whose answer turns on it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import plugins.national
import tenants.demo_city
import tenants.hebei
from core.evaluation import evaluate
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from tests.conftest import ON, applicant, household

BUNDLED = [
    ("national", plugins.national),
    ("hebei", tenants.hebei),
    ("demo_city", tenants.demo_city),
]


def registry_with(tmp_path: Path, parent: str, name: str, kind: str, value) -> tuple:
    """The parent, and a child that reads ``name`` the other way."""
    path = tmp_path / "parameters" / (name.replace(".", "/") + ".yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = str(value).lower() if isinstance(value, bool) else value
    path.write_text(
        f"description: the other reading\ntype: {kind}\noverrides: true\nvalues:\n"
        f"  2006-01-01:\n    value: {shown}\n    source: 'what-if: the other reading'\n",
        encoding="utf-8",
    )

    class Other:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("other", "另一读法", TenantLevel.CITY, parent)

        @hookimpl
        def bangfu_parameter_folder(self):
            return tmp_path / "parameters"

    registry = load_registry(plugins=[*BUNDLED, ("other", Other())], use_entry_points=False)
    assert not registry.problems, registry.problems
    return registry.get(parent), registry.get("other")


def both(tmp_path, parent, name, kind, value, h):
    chosen, other = registry_with(tmp_path, parent, name, kind, value)
    return evaluate(chosen, h, ON), evaluate(other, h, ON)


@pytest.mark.parametrize(
    "name",
    [
        "income.includes_dibao_top_up",
        "employment.flexible_counts_as_full",
        "living_relief.per",
        "eligibility.near_dibao_inclusive",
        "education_grant.includes_postgraduate",
        "ages.working_from",
        "ages.retirement",
        "hardship.test",
        "tekun.general_condition",
        "medical_relief.catalogue",
    ],
)
def test_each_reading_is_a_dated_cited_parameter(name):
    registry = load_registry(plugins=BUNDLED, use_entry_points=False)
    p = registry.get("demo_city").parameter_table.resolve(name, ON)
    assert p.source and p.description and p.effective_from.year <= 2016


def test_whether_the_dibao_top_up_counts_as_whole_income(tmp_path):
    h = household(
        applicant(age=50, seriousIllness=True, monthlyIncome="2000"),  # 24,000 a year
        annualMedicalOutOfPocket="25000",
        dibaoRecipient=True,
        dibaoMonthlySubsidyPerCapita="200",  # 2,400 a year: whole income 26,400
    )
    chosen, other = both(tmp_path, "hebei", "income.includes_dibao_top_up", "boolean", False, h)
    assert chosen.entitlement("medical_relief") is None
    assert other.entitlement("medical_relief").amount == Decimal("2000.00")


def test_whether_flexible_work_is_full_employment(tmp_path):
    h = household(
        applicant(age=40, ableToWork=True, employment="FLEXIBLE", monthlyIncome="500"),
        dibaoRecipient=True,
    )
    chosen, other = both(
        tmp_path, "hebei", "employment.flexible_counts_as_full", "boolean", True, h
    )
    assert "dibao_underemployed" in chosen.groups
    assert "dibao_underemployed" not in other.groups


def test_living_relief_per_worker_or_per_member(tmp_path):
    h = household(
        applicant(age=40, ableToWork=True, employment="UNEMPLOYED"),
        {"name": "妻", "relation": "SPOUSE", "age": 38},
        {"name": "子", "relation": "CHILD", "age": 8},
    )
    chosen, other = both(tmp_path, "hebei", "living_relief.per", "text", "member", h)
    assert chosen.entitlement("living_relief").amount == Decimal("790.00")
    assert other.entitlement("living_relief").amount == Decimal("2370.00")


def test_less_than_or_at_most_the_near_line_multiple(tmp_path):
    # the city line is 820 a month: 1.5 times it, for one person, is 14,760 a year
    h = household(
        applicant(age=50, seriousIllness=True, employment="EMPLOYED"), otherAnnualIncome="14760"
    )
    chosen, other = both(
        tmp_path, "demo_city", "eligibility.near_dibao_inclusive", "boolean", True, h
    )
    assert "near_dibao_hardship" not in {r.code for r in chosen.reasons}
    assert "near_dibao_hardship" in {r.code for r in other.reasons}


def test_the_education_grant_for_a_postgraduate(tmp_path):
    h = household(
        applicant(age=50, monthlyIncome="600", employment="EMPLOYED", ableToWork=True),
        {"name": "子", "relation": "CHILD", "age": 23, "educationStage": "POSTGRADUATE",
         "newlyAdmitted": True},
        dibaoRecipient=True,
        dibaoContinuousMonths=24,
    )  # fmt: skip
    chosen, other = both(
        tmp_path, "demo_city", "education_grant.includes_postgraduate", "boolean", True, h
    )
    assert chosen.entitlement("education_grant") is None
    assert other.entitlement("education_grant").amount == Decimal("5000.00")


def test_which_hardship_test_applies(tmp_path):
    """Group 5 with an income above 1.5 times the line but spending above income."""
    h = household(
        applicant(age=45, monthlyIncome="2000", employment="EMPLOYED", ableToWork=True),
        laidOffInRestructuring=True,
        annualExpenses={"living": "30000"},
    )
    chosen, other = both(tmp_path, "hebei", "hardship.test", "text", "income_below_multiple", h)
    assert "restructuring_laid_off" in chosen.groups
    assert "restructuring_laid_off" not in other.groups


def test_which_general_condition_of_tekun_applies(tmp_path):
    """Zero employment, 20,000 a year of rent, 8,000 of it spent on medical care (spending
    003 一.1(a) names): 12,000 left, below 1.5 times the 9,480 line."""
    h = household(
        applicant(age=45, ableToWork=True, employment="UNEMPLOYED"),
        otherAnnualIncome="20000",
        annualExpenses={"medical": "8000"},
    )
    chosen, other = both(
        tmp_path, "hebei", "tekun.general_condition", "text", "income_below_multiple", h
    )
    assert chosen.category == "tekun"
    assert other.category != "tekun"


def test_the_catalogue_all_or_nothing_or_only_its_part(tmp_path):
    h = household(
        applicant(age=50, seriousIllness=True, monthlyIncome="1000"),  # 12,000 a year
        annualMedicalOutOfPocket="30000",
        annualMedicalInCatalogue="15000",
    )
    chosen, other = both(
        tmp_path, "hebei", "medical_relief.catalogue", "text", "in_catalogue_part", h
    )
    assert chosen.entitlement("medical_relief").amount == Decimal("2400.00")  # 8% of 30,000
    assert other.entitlement("medical_relief").amount == Decimal("1500.00")  # 10% of 15,000
