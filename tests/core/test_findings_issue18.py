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


# --------------------------------------------------------------------------- 3. populations
def test_the_citys_subject_is_its_own_cited_reading(bundled):
    """001 二 在职职工、下岗失业人员: the city reads it; the national baseline does not."""
    city = bundled.get("demo_city").parameter_table.resolve("subject.workers", ON)
    assert city.value == "serving_or_unemployed" and city.source.startswith("001 二")
    assert bundled.get("national").parameter_table.resolve("subject.workers", ON).value == (
        "any_member"
    )


@pytest.mark.parametrize(
    "members",
    [
        [applicant(age=20, employment="STUDENT", monthlyIncome="300")],
        [
            applicant(age=70, employment="RETIRED", monthlyIncome="500"),
            {"name": "配偶", "relation": "SPOUSE", "age": 68, "employment": "RETIRED",
             "monthlyIncome": "500"},
        ],
    ],
    ids=["a student alone", "two retirees"],
)  # fmt: skip
def test_a_student_or_retirees_alone_are_no_kunnan_in_the_city(bundled, members):
    h = household(*members)
    city = run(bundled, "demo_city", h)
    assert not city.eligible and not city.groups
    assert run(bundled, "gansu", h).groups  # the national reading: any household


# --------------------------------------------------------------------------- 4. smaller
def test_employment_none_proves_nothing_either_way(bundled):
    """NONE (the API default: not stated) is no job seeker for the groups and criterion
    c, and does not show Gansu's employment item secured: one reading everywhere."""
    h = household(applicant(age=40, ableToWork=True, employment="NONE"))
    gansu = run(bundled, "gansu", h)
    assert "dibao_underemployed" not in gansu.groups
    assert "employment" not in gansu.measures
    assert {c.code: c.met for c in gansu.checklist}["employment"] is False
    assert "c" not in {r.code for r in run(bundled, "hebei", h).reasons}


def test_group_1_flexible_worker_gets_the_employment_measure(bundled):
    """000 二(一) …着重帮助其实现就业创业: also when the member works flexibly."""
    h = household(
        applicant(age=40, ableToWork=True, employment="FLEXIBLE", monthlyIncome="500"),
        dibaoRecipient=True,
    )
    result = run(bundled, "gansu", h)
    assert "dibao_underemployed" in result.groups
    assert {"employment", "skills_training"} <= set(result.measures)


def test_hebei_migrant_worker_must_live_mainly_on_wages(bundled):
    """003 一.1 以工资收入为主要生活来源: a migrant living on rent is not a worker."""
    seeker = applicant(age=45, ableToWork=True, employment="UNEMPLOYED")
    wages = household(
        {**seeker, "employment": "EMPLOYED", "monthlyIncome": "600"},
        {"name": "配偶", "relation": "SPOUSE", "age": 44, "seriousIllness": True},
        migrantWorker=True,
        yearsInCity=5,
        annualMedicalOutOfPocket="20000",
    )
    rent = household(
        {"name": "配偶", "relation": "APPLICANT", "age": 44, "seriousIllness": True},
        migrantWorker=True,
        yearsInCity=5,
        otherAnnualIncome="7200",
        annualMedicalOutOfPocket="20000",
    )
    assert run(bundled, "hebei", wages).category == "tekun"
    assert run(bundled, "hebei", rent).category != "tekun"


def test_gansu_schooling_beyond_compulsory_is_an_illustrative_parameter(bundled):
    p = bundled.get("gansu").parameter_table.resolve("checklist.schooling_test", ON)
    assert p.source.startswith("illustrative:")
