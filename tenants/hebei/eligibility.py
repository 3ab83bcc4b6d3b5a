"""Who is 特困职工 in Hebei (003 一.1): the general conditions and criteria a-f.

"特困职工是指…领取了最低工资或下岗基本生活费、失业保险金、养老金,具备城镇居民最低生活保障
条件的享受了补差或经有关部门救济后,因下列情形之一,不经救助生活难以为继的职工": the
general conditions ("仍…不经救助生活难以为继") bind every criterion. Where the text gives
no figure, the test is the parameter ``tekun.general_condition`` (illustrative).
"""

from __future__ import annotations

import numpy as np

from core.plugin import Criterion, Eligibility
from plugins.national.hardship import hardship_test

SOURCE = "003 冀工会 特困职工帮扶意见"
CATEGORY = "tekun"  # 特困职工


def whole_income(household, parameters):
    """家庭当年全部收入: the year's income, with the 低保 top-up when
    ``income.includes_dibao_top_up`` says the top-up counts."""
    h = household
    if not parameters.flag("income.includes_dibao_top_up"):
        return h.annual_income
    # computed once per batch: it depends only on the facts (kept with them)
    found = h.derived.get("hebei.whole_income_with_top_up")
    if found is None:
        top_up = h.dibao_subsidy_per_capita * h.members * 12
        found = h.annual_income + top_up * h.dibao_recipient
        h.derived["hebei.whole_income_with_top_up"] = found
    return found


def cannot_live_without_help(household, parameters):
    """The general conditions: after wages, benefits and the 低保 top-up the household
    still cannot live without help. The test is ``tekun.general_condition`` (illustrative,
    one of :data:`plugins.national.hardship.TESTS`) on the whole income, with
    ``tekun.income_multiple``: declared spending counts only where 003 names it (medical
    cost, school fees), and never for a household with ample income."""
    return hardship_test(
        household,
        parameters,
        whole_income(household, parameters),
        parameters.text("tekun.general_condition"),
        "tekun.income_multiple",
        "tekun.general_condition",
    )


def criteria(household, parameters) -> list[Criterion]:
    h = household
    multiple = parameters.number("tekun.dibao_subsidy_multiple")
    num, den = multiple.as_integer_ratio()
    average = parameters.money("dibao.average_subsidy_monthly")
    income = whole_income(h, parameters)
    max_children = parameters.integer("tekun.family_planning_max_children")
    return [
        Criterion(
            "a",
            "本人及家庭成员患大病、重病、慢性病,年医疗费个人自付部分超过家庭当年全部收入",
            f"{SOURCE} 一.1(a)",
            (h.serious_illness > 0) & (h.medical_out_of_pocket > income),
        ),
        Criterion(
            "b",
            "子女人数符合计划生育法,子女接受义务教育阶段以外的全日制学历教育,支付学费特别困难"
            "不经救助面临辍学",
            f"{SOURCE} 一.1(b)",
            (h.children_beyond_compulsory > 0)
            & (h.children <= max_children)
            & (h.expense_education > 0)
            & (h.annual_expenses > income),
        ),
        Criterion(
            "c",
            "有就业能力和意愿但经本人努力未实现就业的零就业家庭",
            f"{SOURCE} 一.1(c)",
            (h.able_seeking > 0) & (h.employed == 0),
        ),
        Criterion(
            "d",
            "经民政部门认定的三无人员(无劳动能力、无生活来源、无法定赡养人)",
            f"{SOURCE} 一.1(d)",
            h.three_no,
        ),
        Criterion(
            "e",
            "由于天灾人祸等原因,家庭财产遭受重大损失,影响基本生活",
            f"{SOURCE} 一.1(e)",
            h.disaster_loss,
        ),
        Criterion(
            "f",
            f"家庭人均低保补差达到当地平均补差标准 {multiple} 倍以上(依此条件纳入的人数原则上"
            "不超过当地低保总人数的5%)",
            f"{SOURCE} 一.1(f)",
            h.dibao_recipient & (h.dibao_subsidy_per_capita * den >= average * num),
        ),
    ]


def living_on_wages(household, parameters):
    """以工资收入为主要生活来源: wages are at least ``migrant_worker.min_wage_share`` of the
    household's annual income (003 一.1, the migrant worker counted as a worker)."""
    h = household
    share = parameters.rate("migrant_worker.min_wage_share")  # basis points
    return h.monthly_wages * 12 * 10_000 >= h.annual_income * share


def other_ground(household, recorded) -> Criterion:
    """(g) 其他原因造成生活特别困难: no figure can say it, so a reviewer chooses it, on
    purpose and with a written reason (the procedure's step recording it); the file
    carries it (``recorded``) until a person removes it with a reason. Bound, like every
    criterion, by the general conditions."""
    return Criterion(
        "g",
        "其他原因造成生活特别困难(审核人书面认定)",
        f"{SOURCE} 一.1(g)",
        recorded("g"),
    )


def eligibility(household, parameters, recorded) -> Eligibility:
    """特困: the general conditions and one of criteria a-g (g, "other special hardship",
    when a reviewer recorded it on the file with a written reason); a migrant worker counts
    only when settled in the town for the required years and living mainly on wages."""
    h = household
    found = [*criteria(h, parameters), other_ground(h, recorded)]
    worker = ~h.migrant_worker | (
        (h.years_in_city >= parameters.integer("migrant_worker.min_years_in_city"))
        & living_on_wages(h, parameters)
    )
    binding = cannot_live_without_help(h, parameters) & worker
    met = np.zeros(h.size, dtype=bool)
    for c in found:
        met |= c.met
    bound = [Criterion(c.code, c.label, c.basis, c.met & binding) for c in found]
    return Eligibility(category=CATEGORY, criteria=bound, eligible=met & binding)
