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
    Eligibility,
    TenantInfo,
    TenantLevel,
    hookimpl,
    package_folders,
)

__version__ = "1.0.0"
SOURCE = "000 总工发〔2016〕7号"
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)

GROUPS = {
    "dibao_underemployed": ("in 低保, able to work, not fully employed", "二(一)"),
    "below_dibao_uncovered": (
        "below the 低保 line but not covered; or without social insurance",
        "二(二)",
    ),
    "sudden_expense": ("serious illness, disaster or accident made spending jump", "二(三)"),
    "migrant_worker": ("migrant worker living long-term in the city", "二(四)"),
    "restructuring_laid_off": ("laid off in capacity reduction or restructuring", "二(五)"),
}


def below_dibao_line(household, parameters):
    """Per-capita income below the local 低保标准 (compared without dividing: exact)."""
    line = parameters.money("dibao.standard_monthly") * 12 * household.members
    return household.annual_income < line


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="national", name="全国总工会", level=TenantLevel.NATIONAL, parent=None)


@hookimpl
def bangfu_branding():
    return Branding(display_name="全国总工会 困难职工帮扶", primary_color="#c62828")


@hookimpl
def bangfu_target_groups(household, parameters):
    h = household
    below = below_dibao_line(h, parameters)
    uninsured = (h.without_medical_insurance > 0) | (h.working_age_without_pension > 0)
    medical_share = parameters.rate("sudden_expense.medical_share_of_income")
    jump = (
        (h.serious_illness > 0)
        & (h.medical_out_of_pocket * 10_000 >= h.annual_income * medical_share)
        & (h.medical_out_of_pocket > 0)
    )
    long_term = h.years_in_city >= parameters.integer("migrant_worker.min_years_in_city")
    return {
        "dibao_underemployed": h.dibao_recipient & (h.able_not_employed > 0),
        "below_dibao_uncovered": (below & ~h.dibao_recipient) | uninsured,
        "sudden_expense": jump | h.disaster_loss,
        "migrant_worker": h.migrant_worker & long_term,
        "restructuring_laid_off": h.laid_off_in_restructuring,
    }


@hookimpl
def bangfu_measures(household, parameters, groups):
    """The four batches (三(二)1-4) and seven action plans, for households in a group."""
    h = household
    in_a_group = np.zeros(h.size, dtype=bool)
    for mask in groups.values():
        in_a_group |= mask
    below = below_dibao_line(h, parameters)
    job_seekers = h.able_not_employed > 0
    ill = (h.serious_illness > 0) & (h.medical_out_of_pocket > 0)
    uninsured = (h.without_medical_insurance > 0) | (h.working_age_without_pension > 0)
    measures = {
        # 四个一批
        "employment": job_seekers,
        "social_insurance": uninsured,
        "medical_insurance": ill,
        "social_assistance": below | h.three_no,
        # 七个计划
        "skills_training": job_seekers,
        "startup_aid": job_seekers & (h.reemployment_certificate | h.self_employed),
        "sunshine_employment": h.children_in_college > 0,
        "medical_mutual_aid": ill,
        "golden_autumn_education": h.children_in_school > 0,
        "one_to_one_pairing": np.ones(h.size, dtype=bool),
        "warmth_delivery": below & (h.three_no | (h.disabled > 0) | (h.serious_illness > 0)),
    }
    return {code: mask & in_a_group for code, mask in measures.items()}


@hookimpl
def bangfu_eligibility(household, groups):
    """Default test: a household in any of the five target groups may open a file."""
    return Eligibility(
        category="kunnan",
        criteria=[
            Criterion(code, label, f"{SOURCE} {clause}", groups[code])
            for code, (label, clause) in GROUPS.items()
        ],
    )


@hookimpl
def bangfu_checklist():
    return []


@hookimpl
def bangfu_budget(household):
    """Household accounts: income, spending, and the gap when spending is larger."""
    income = household.annual_income
    spending = household.annual_expenses
    return BudgetColumns(income, spending, np.maximum(spending - income, 0))
