"""Issue 7, section 2: who qualifies. Each test is a household the seeds exclude (or
include) that the rules got wrong; each fails without its fix.

The registry is built from the bundled plugins named here only (no entry points), so the
tests never depend on which other plugins are installed.
"""

from __future__ import annotations

from datetime import date

import pytest

import plugins.national
import tenants.demo_city
import tenants.gansu
import tenants.hebei
from core.evaluation import evaluate
from core.registry import load_registry
from tests.conftest import ON, applicant, household


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


# --------------------------------------------------------------------------- national
def test_group_1_flexible_work_is_not_full_employment(bundled):
    """000 二(一) 未实现充分就业: a 低保 household whose only able member works flexibly."""
    h = household(
        applicant(age=40, ableToWork=True, employment="FLEXIBLE", monthlyIncome="500"),
        dibaoRecipient=True,
    )
    assert "dibao_underemployed" in run(bundled, "gansu", h).groups


def test_group_1_a_student_is_not_underemployed(bundled):
    h = household(
        applicant(age=45, employment="EMPLOYED", monthlyIncome="600", ableToWork=True),
        {"name": "子", "relation": "CHILD", "age": 19, "ableToWork": True,
         "employment": "STUDENT", "educationStage": "UNDERGRADUATE"},
        dibaoRecipient=True,
    )  # fmt: skip
    assert "dibao_underemployed" not in run(bundled, "gansu", h).groups


@pytest.mark.parametrize("tenant", ["gansu", "hebei", "demo_city"])
def test_group_2_missing_insurance_is_no_ground_above_the_line(bundled, tenant):
    """000 二(二) 其中,对没有社会保险的…: a measure within the group, not a ground."""
    h = household(
        applicant(age=40, monthlyIncome="20000", employment="EMPLOYED", ableToWork=True,
                  hasPensionInsurance=False),
    )  # fmt: skip
    result = run(bundled, tenant, h)
    assert "below_dibao_uncovered" not in result.groups
    assert not result.eligible and not result.groups and not result.measures


@pytest.mark.parametrize(
    ("fields", "group"),
    [
        ({"migrantWorker": True, "yearsInCity": 10}, "migrant_worker"),
        ({"laidOffInRestructuring": True}, "restructuring_laid_off"),
    ],
)
def test_groups_4_and_5_need_hardship_not_a_label(bundled, fields, group):
    """000 二(四) 生活遇到特殊困难; 二(五) 造成生活困难."""
    rich = household(
        applicant(age=40, monthlyIncome="20000", employment="EMPLOYED", ableToWork=True),
        **fields,
    )
    poor = household(
        applicant(age=40, monthlyIncome="300", employment="EMPLOYED", ableToWork=True),
        **fields,
    )
    assert group not in run(bundled, "gansu", rich).groups
    assert not run(bundled, "gansu", rich).eligible
    assert group in run(bundled, "gansu", poor).groups


# --------------------------------------------------------------------------- hebei
def test_hebei_general_conditions_bind_every_criterion(bundled):
    """003 一.1 仍…不经救助生活难以为继: 500,000 a year of rent is not 特困."""
    h = household(
        applicant(age=50, ableToWork=True, employment="UNEMPLOYED"),
        otherAnnualIncome="500000",
    )
    result = run(bundled, "hebei", h)
    assert not result.eligible and result.category is None
    assert result.entitlement("living_relief") is None


def test_hebei_criterion_c_excludes_full_time_students(bundled):
    """003 一.1(c) 有就业能力和意愿但经本人努力未实现就业: a student is not unemployed."""
    h = household(
        applicant(age=62, employment="RETIRED", monthlyIncome="400"),
        {"name": "子", "relation": "CHILD", "age": 20, "ableToWork": True,
         "employment": "STUDENT", "educationStage": "NONE"},
    )  # fmt: skip
    assert "c" not in {r.code for r in run(bundled, "hebei", h).reasons}
    seeker = household(
        applicant(age=62, employment="RETIRED", monthlyIncome="400"),
        {"name": "子", "relation": "CHILD", "age": 20, "ableToWork": True,
         "employment": "UNEMPLOYED"},
    )  # fmt: skip
    assert "c" in {r.code for r in run(bundled, "hebei", seeker).reasons}


def _student_family(children: int, education: str = "15000", living: str = "12000"):
    kids = [
        {"name": f"子{i}", "relation": "CHILD", "age": 10 + i, "educationStage": "COMPULSORY"}
        for i in range(children - 1)
    ]
    return household(
        applicant(age=48, monthlyIncome="1500", employment="EMPLOYED", ableToWork=True),
        {"name": "长子", "relation": "CHILD", "age": 19, "educationStage": "UNDERGRADUATE",
         "employment": "STUDENT"},
        *kids,
        annualExpenses={"living": living, "education": education},
    )  # fmt: skip


def test_hebei_criterion_b_family_planning_count(bundled):
    """003 一.1(b) 家庭子女人数符合《计划生育法》: three children allowed from 2021-08-20,
    two from 2016 (the parameter follows the law's amendments)."""

    def b(h, on):
        return "b" in {r.code for r in run(bundled, "hebei", h, on).reasons}

    assert b(_student_family(3), ON)
    assert not b(_student_family(4), ON)
    assert not b(_student_family(3), date(2020, 6, 1))
    assert b(_student_family(2), date(2020, 6, 1))


def test_hebei_criterion_b_needs_fees_the_family_cannot_pay(bundled):
    """支付学费特别困难不经救助面临辍学: no fees due, no risk of dropping out."""
    no_fees = _student_family(1, education="0", living="30000")  # spending above income
    assert "b" not in {r.code for r in run(bundled, "hebei", no_fees).reasons}


def test_medical_relief_is_for_tekun_only(bundled):
    """003 五.10 is a 帮扶标准 for 特困职工: a migrant worker settled one year (not a worker
    under 一.1) gets no medical relief, though cost exceeds income."""
    h = household(
        applicant(age=40, seriousIllness=True, monthlyIncome="2000"),
        annualMedicalOutOfPocket="30000",
        migrantWorker=True,
        yearsInCity=1,
    )
    for tenant in ("hebei", "demo_city"):
        result = run(bundled, tenant, h)
        assert result.category != "tekun"
        assert result.entitlement("medical_relief") is None


def test_hebei_tekun_and_relief_apply_in_the_city(bundled):
    """The city adds its own eligibility; Hebei's 特困 test and relief stay."""
    h = household(applicant(age=40, ableToWork=True, employment="UNEMPLOYED"))
    hebei, city = run(bundled, "hebei", h), run(bundled, "demo_city", h)
    assert hebei.category == city.category == "tekun"
    assert city.entitlement("living_relief") is not None
    assert {"c", "below_dibao"} <= {r.code for r in city.reasons}


def test_city_living_relief_is_not_paid_to_a_city_kunnan_household(bundled):
    """Below the city line but not 特困: the city's file, not Hebei's relief."""
    h = household(applicant(age=45, employment="FLEXIBLE", monthlyIncome="700"))
    result = run(bundled, "demo_city", h)
    assert result.eligible and result.category == "kunnan"
    assert result.entitlement("living_relief") is None


# --------------------------------------------------------------------------- city
def test_city_tax_relief_needs_the_certificate_group_and_a_city_file(bundled):
    """001 三(一) 税务部门: a certificate holder earning 30,000 a month gets nothing."""
    rich = household(
        applicant(age=40, employment="FLEXIBLE", monthlyIncome="30000"),
        selfEmployed=True,
        reemploymentCertificate=True,
        laidOffInRestructuring=True,
    )
    assert run(bundled, "demo_city", rich).entitlement("demo_city.tax_relief") is None
    not_in_group = household(
        applicant(age=40, employment="FLEXIBLE", monthlyIncome="500"),
        selfEmployed=True,
        reemploymentCertificate=True,
    )
    assert run(bundled, "demo_city", not_in_group).entitlement("demo_city.tax_relief") is None
    laid_off = household(
        applicant(age=40, employment="FLEXIBLE", monthlyIncome="500"),
        selfEmployed=True,
        reemploymentCertificate=True,
        laidOffInRestructuring=True,
    )
    relief = run(bundled, "demo_city", laid_off).entitlement("demo_city.tax_relief")
    assert relief is not None and str(relief.amount) == "8000.00"
    assert any("建筑业" in s for s in relief.explanation)  # the excluded trades, cited


def test_the_employers_4000_per_hire_is_read(bundled):
    """定额标准为每人每年4000元: the figure is a programme of its own, read from its
    parameter."""
    h = household(
        applicant(age=40, employment="UNEMPLOYED", ableToWork=True),
        reemploymentCertificate=True,
        dibaoRecipient=True,
    )
    hire = run(bundled, "demo_city", h).entitlement("demo_city.hiring_tax_relief")
    assert hire is not None and str(hire.amount) == "4000.00"
    assert any("tax_relief.per_hire" in s for s in hire.explanation)


# --------------------------------------------------------------------------- gansu
def test_gansu_schooling_is_secured_at_the_compulsory_stage(bundled):
    """002 享受到相应国家资助政策: compulsory education always has the state's aid."""
    h = household(
        applicant(age=40, monthlyIncome="1000", employment="EMPLOYED", ableToWork=True),
        {"name": "子", "relation": "CHILD", "age": 10, "educationStage": "COMPULSORY"},
        annualExpenses={"living": "20000"},
    )  # fmt: skip
    checklist = {c.code: c.met for c in run(bundled, "gansu", h).checklist}
    assert checklist["schooling"] is True


# --------------------------------------------------------------------------- illustrative
@pytest.mark.parametrize(
    ("tenant", "name"),
    [
        ("gansu", "checklist.food_clothing_test"),
        ("national", "measures.warmth_delivery.test"),
        ("national", "measures.sunshine_employment.test"),
        ("national", "measures.startup_aid.test"),
        ("national", "hardship.test"),
        ("hebei", "tekun.general_condition"),
    ],
)
def test_tests_the_documents_do_not_give_are_marked_illustrative(bundled, tenant, name):
    p = bundled.get(tenant).parameter_table.resolve(name, ON)
    assert p.source.startswith("illustrative:"), p.source


def test_sunshine_employment_is_for_graduates_not_students(bundled):
    student = household(
        applicant(age=48, monthlyIncome="300", employment="EMPLOYED", ableToWork=True),
        {"name": "子", "relation": "CHILD", "age": 19, "educationStage": "UNDERGRADUATE",
         "employment": "STUDENT"},
    )  # fmt: skip
    graduate = household(
        applicant(age=48, monthlyIncome="300", employment="EMPLOYED", ableToWork=True),
        {"name": "子", "relation": "CHILD", "age": 23, "ableToWork": True,
         "employment": "UNEMPLOYED"},
    )  # fmt: skip
    assert "sunshine_employment" not in run(bundled, "gansu", student).measures
    assert "sunshine_employment" in run(bundled, "gansu", graduate).measures
