"""The national baseline: ACFTU 总工发〔2016〕7号 (seed 000).

The root of every tenant's chain and a tenant of its own (``national``). It answers what
the national opinion settles for everyone: the five target groups (二), the "four batches"
and seven action plans (三(二), 三(三)), the household accounts, and a default eligibility
test (belonging to a target group) for provinces that have no test of their own.
"""

from __future__ import annotations

import numpy as np

from core.plugin import (
    Branding,
    BudgetColumns,
    Criterion,
    Population,
    TenantInfo,
    TenantLevel,
    hookimpl,
    package_folders,
)
from plugins.national.hardship import ample_income, in_hardship

__all__ = [
    "ample_income",
    "below_dibao_line",
    "in_hardship",
    "not_fully_employed",
    "workers_household",
]
__version__ = "1.0.0"
SOURCE = "000 总工发〔2016〕7号"
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)

GROUPS = {
    "dibao_underemployed": ("纳入低保且具有劳动能力、但未实现充分就业", "二(一)"),
    "below_dibao_uncovered": ("收入低于低保线、但尚未纳入低保", "二(二)"),
    "sudden_expense": ("患重特大疾病、遭受自然灾害或意外事故导致家庭支出突增", "二(三)"),
    "migrant_worker": ("长期居住在城市、生活遇到特殊困难的农民工", "二(四)"),
    "restructuring_laid_off": ("因下岗失业或其他原因造成生活困难(结构性改革中)", "二(五)"),
}


def below_dibao_line(household, parameters):
    """Per-capita income below the local 低保标准 (compared without dividing: exact)."""
    line = parameters.money("dibao.standard_monthly") * 12 * household.members
    return household.annual_income < line


#: the readings of ``subject.workers``: who makes a household a worker's household
SUBJECT_READINGS = ("any_member", "serving_or_unemployed")


def workers_household(household, parameters):
    """A worker's household (职工), as ``subject.workers`` reads it: any household, or one
    with a member in service (employed, flexible) or laid off or unemployed and seeking
    work (001 二 在职职工、下岗失业人员)."""
    h = household
    reading = parameters.text("subject.workers")
    if reading == "any_member":
        return np.ones(h.size, dtype=bool)
    if reading == "serving_or_unemployed":
        return (h.employed > 0) | (h.laid_off > 0) | (h.able_seeking > 0)
    raise ValueError(
        f"subject.workers {reading!r} is not a known reading (known: {', '.join(SUBJECT_READINGS)})"
    )


def not_fully_employed(household, parameters):
    """Members able to work who have not reached full employment (000 二(一)): job
    seekers, and flexible workers unless ``employment.flexible_counts_as_full`` says
    flexible work is full employment."""
    h = household
    seeking = h.able_seeking > 0
    if parameters.flag("employment.flexible_counts_as_full"):
        return seeking
    return seeking | (h.able_flexible > 0)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="national", name="全国总工会", level=TenantLevel.NATIONAL, parent=None)


@hookimpl
def bangfu_branding():
    return Branding(display_name="全国总工会 困难职工帮扶", primary_color="#c62828")


@hookimpl
def bangfu_target_groups(household, parameters):
    """The five groups (000 二). Every group describes workers in hardship: 二(二) is the
    household below the line and not yet in 低保 (those among them without insurance are
    helped into it, a measure, not a ground); 二(三), 二(四) and 二(五) need hardship
    (造成生活困难, 生活遇到特殊困难), not a label, a disaster or a jump in spending alone."""
    h = household
    below = below_dibao_line(h, parameters)
    medical_share = parameters.rate("sudden_expense.medical_share_of_income")
    jump = (
        (h.serious_illness > 0)
        & (h.medical_out_of_pocket * 10_000 >= h.annual_income * medical_share)
        & (h.medical_out_of_pocket > 0)
    )
    long_term = h.years_in_city >= parameters.integer("migrant_worker.min_years_in_city")
    worker = workers_household(h, parameters)
    hardship = in_hardship(h, parameters) & worker
    return {
        # a 低保 household with ample income: the form is wrong, no 低保 counts on it
        "dibao_underemployed": h.dibao_recipient
        & not_fully_employed(h, parameters)
        & ~ample_income(h, parameters)
        & worker,
        "below_dibao_uncovered": below & ~h.dibao_recipient & worker,
        "sudden_expense": (jump | h.disaster_loss) & hardship,
        "migrant_worker": h.migrant_worker & long_term & hardship,
        "restructuring_laid_off": h.laid_off_in_restructuring & hardship,
    }


#: The plans whose test the text does not give: the test used is stated in a parameter.
_STATED_TESTS = tuple(
    f"measures.{plan}.test" for plan in ("warmth_delivery", "sunshine_employment", "startup_aid")
)


@hookimpl
def bangfu_measures(household, parameters, groups):
    """The four batches (三(二)1-4) and seven action plans, for households in a group.

    Where the text names a plan but not its test (送温暖, 阳光就业, 创业援助), the test
    used is stated, as illustrative, in the parameter ``measures.<plan>.test``."""
    h = household
    in_a_group = np.zeros(h.size, dtype=bool)
    for mask in groups.values():
        in_a_group |= mask
    below = below_dibao_line(h, parameters)
    job_seekers = h.able_seeking > 0
    # 二(一) 着重帮助其实现就业创业: a member of group 1 who works only flexibly is helped
    # towards employment too, not only the job seekers
    to_employ = job_seekers | groups.get("dibao_underemployed", np.zeros(h.size, dtype=bool))
    ill = (h.serious_illness > 0) & (h.medical_out_of_pocket > 0)
    uninsured = (h.without_medical_insurance > 0) | (h.working_age_without_pension > 0)
    for name in _STATED_TESTS:
        parameters.text(name)  # the stated, illustrative test
    measures = {
        # 四个一批
        "employment": to_employ,
        "social_insurance": uninsured,
        "medical_insurance": ill,
        "social_assistance": below | h.three_no,
        # 七个计划
        "skills_training": to_employ,
        "startup_aid": job_seekers & (h.reemployment_certificate | h.self_employed),
        "sunshine_employment": h.children_seeking > 0,
        "medical_mutual_aid": ill,
        "golden_autumn_education": h.children_in_school > 0,
        "one_to_one_pairing": in_a_group,  # every household in a group
        "warmth_delivery": below & (h.three_no | (h.disabled > 0) | (h.serious_illness > 0)),
    }
    return {code: mask & in_a_group for code, mask in measures.items()}


def groups_test(groups):
    return [
        Criterion(code, label, f"{SOURCE} {clause}", groups[code])
        for code, (label, clause) in GROUPS.items()
    ]


@hookimpl
def bangfu_populations():
    """困难职工 (000 二): a household in any of the five target groups may open a file."""
    return [
        Population(
            code="kunnan",
            label="困难职工(全总五类对象)",
            basis=f"{SOURCE} 二",
            test=groups_test,
            category="kunnan",
            opens_file=True,
            rank=0,
        )
    ]


@hookimpl
def bangfu_checklist():
    return []


@hookimpl
def bangfu_budget(household):
    """Household accounts: income, spending, and the gap when spending is larger."""
    income = household.annual_income
    spending = household.annual_expenses
    return BudgetColumns(income, spending, np.maximum(spending - income, 0))
