"""Hebei's assistance standards (003 五.9 living relief, 五.10 medical relief)."""

from __future__ import annotations

from core.plugin import Grant, PayPeriod, Programme

SOURCE = "003 冀工会 特困职工帮扶意见"


def living_relief(household, parameters, eligible, why) -> Grant:
    """Each 特困职工 gets, per year, at least N months of the local 低保标准."""
    months = parameters.integer("living_relief.months")
    standard = parameters.money("dibao.standard_monthly")
    why.step("the household is 特困 (eligible): {ok:yes}", ok=eligible)
    why.step(
        "{months} month(s) x 低保标准 {standard:yuan} = {amount:yuan}",
        months=months,
        standard=standard,
        amount=months * standard,
    )
    return Grant(eligible, months * standard)


def medical_relief(household, parameters, why) -> Grant:
    """One-off relief by the year's out-of-pocket cost C, when C exceeds the household's
    annual income, a member is seriously or chronically ill, and the cost is within the
    basic medical insurance catalogue."""
    h = household
    cost = h.medical_out_of_pocket
    ill = h.serious_illness > 0
    exceeds = cost > h.annual_income
    schedule = parameters.schedule("medical_relief.schedule")
    amount = schedule.apply(cost)
    why.step("a member has a serious or chronic illness: {ok:yes}", ok=ill)
    why.step(
        "out-of-pocket cost {cost:yuan} exceeds the household's annual income {income:yuan}: {ok:yes}",
        cost=cost,
        income=h.annual_income,
        ok=exceeds,
    )
    why.step(
        "the cost is within the basic medical insurance catalogue: {ok:yes}",
        ok=h.medical_in_catalog,
    )
    if why.active:
        why.step("{text}", text=schedule.describe(int(cost[0])))
    return Grant(ill & exceeds & h.medical_in_catalog & (amount > 0), amount)


PROGRAMMES = [
    Programme(
        code="living_relief",
        name="生活救助 living relief",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 五.9 帮扶方式",
        compute=living_relief,
    ),
    Programme(
        code="medical_relief",
        name="医疗救助 medical relief",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 五.10 帮扶标准",
        compute=medical_relief,
    ),
]
