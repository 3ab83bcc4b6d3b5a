"""Issue 18: who qualifies, third round. Each test is a household (or a walk) the seeds
exclude or include that the rules got wrong; each fails without its fix.

The registry is built from the bundled plugins named here only (no entry points).
"""

from __future__ import annotations

import pytest

import plugins.national
import tenants.demo_city
import tenants.gansu
import tenants.hebei
from core.evaluation import evaluate
from core.registry import load_registry
from tests.conftest import ON, applicant, household

TENANTS = ("national", "hebei", "demo_city", "gansu")


@pytest.fixture(scope="module")
def bundled():
    registry = load_registry(
        plugins=[
            ("national", plugins.national),
            ("hebei", tenants.hebei),
            ("demo_city", tenants.demo_city),
            ("gansu", tenants.gansu),
        ],
        use_entry_points=False,
    )
    assert not registry.problems, registry.problems
    return registry


def run(registry, code, h, on=ON):
    return evaluate(registry.get(code), h, on)


def nothing(result) -> bool:
    return not (
        result.eligible
        or result.category
        or result.groups
        or result.measures
        or result.entitlements
        or result.utility_discounts
    )


# --------------------------------------------------------------------------- 1. ample income
def test_hebei_rent_income_with_spending_above_it_is_not_tekun(bundled):
    """003 一.1 不经救助生活难以为继: 240,000 of rent and 300,000 of living spending."""
    h = household(
        applicant(age=50, ableToWork=True, employment="UNEMPLOYED"),
        otherAnnualIncome="240000",
        annualExpenses={"living": "300000"},
    )
    for tenant in ("hebei", "demo_city"):
        result = run(bundled, tenant, h)
        assert nothing(result), (tenant, result.category, result.entitlements)


def test_hebei_spending_a_cent_above_a_large_income_is_not_tekun(bundled):
    h = household(
        applicant(age=50, ableToWork=True, employment="UNEMPLOYED"),
        otherAnnualIncome="500000",
        annualExpenses={"living": "500000.01"},
    )
    assert nothing(run(bundled, "hebei", h))


def test_gansu_a_10000_a_month_worker_declaring_spending_is_in_no_group(bundled):
    """The national hardship test's second half (二(四), 二(五)) on a large income."""
    h = household(
        applicant(age=40, ableToWork=True, employment="EMPLOYED", monthlyIncome="10000"),
        migrantWorker=True,
        yearsInCity=10,
        laidOffInRestructuring=True,
        annualExpenses={"living": "120000.01"},
    )
    result = run(bundled, "gansu", h)
    assert nothing(result), result.groups


@pytest.mark.parametrize("tenant", TENANTS)
def test_group_3_a_disaster_on_a_large_income_is_no_hardship(bundled, tenant):
    """000 二(三) …导致家庭支出突增,造成生活困难: a couple earning 50,000 a month."""
    h = household(
        applicant(age=40, ableToWork=True, employment="EMPLOYED", monthlyIncome="25000"),
        {"name": "配偶", "relation": "SPOUSE", "age": 40, "ableToWork": True,
         "employment": "EMPLOYED", "monthlyIncome": "25000"},
        disasterLoss=True,
        annualExpenses={"other": "700000"},
    )  # fmt: skip
    result = run(bundled, tenant, h)
    assert "sudden_expense" not in result.groups
    assert nothing(result), (result.groups, result.entitlements)


def test_group_3_medical_cost_on_ample_wages_is_no_hardship(bundled):
    """200,000 of medical cost on 360,000 of wages is no 生活困难 (Gansu)."""
    h = household(
        applicant(age=50, ableToWork=True, employment="EMPLOYED", monthlyIncome="30000",
                  seriousIllness=True),
        annualMedicalOutOfPocket="200000",
    )  # fmt: skip
    assert "sudden_expense" not in run(bundled, "gansu", h).groups


def test_group_3_still_takes_a_household_the_jump_puts_in_hardship(bundled):
    """The same illness on 3,000 a month: the medical cost is above the income."""
    h = household(
        applicant(age=50, ableToWork=True, employment="EMPLOYED", monthlyIncome="3000",
                  seriousIllness=True),
        annualMedicalOutOfPocket="60000",
    )  # fmt: skip
    assert "sudden_expense" in run(bundled, "gansu", h).groups
    disaster = household(
        applicant(age=50, ableToWork=True, employment="EMPLOYED", monthlyIncome="500"),
        disasterLoss=True,
    )
    assert "sudden_expense" in run(bundled, "gansu", disaster).groups


def test_hebei_spending_counts_only_where_the_text_names_it(bundled):
    """003 一.1(a)(b): medical cost and school fees show hardship; living spending not."""
    base = {"otherAnnualIncome": "20000"}  # 2.1 times Hebei's 9,480 line
    seeker = applicant(age=45, ableToWork=True, employment="UNEMPLOYED")
    living = household(seeker, annualExpenses={"living": "25000"}, **base)
    medical = household(seeker, annualExpenses={"medical": "8000"}, **base)
    assert run(bundled, "hebei", living).category != "tekun"
    assert run(bundled, "hebei", medical).category == "tekun"


@pytest.mark.parametrize("tenant", ("national", "hebei", "gansu", "demo_city"))
def test_the_ample_income_multiple_is_a_cited_reading(bundled, tenant):
    p = bundled.get(tenant).parameter_table.resolve("hardship.ample_income_multiple", ON)
    assert p.value == 6 and p.source.startswith("reading") and "国家统计局" in p.source
