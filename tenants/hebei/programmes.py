"""Hebei's assistance standards (003 五.9 living relief, 五.10 medical relief)."""

from __future__ import annotations

import numpy as np

from core.plugin import BenefitForm, Grant, PayPeriod, Population, Programme
from tenants.hebei.eligibility import eligibility, whole_income

SOURCE = "003 冀工会 特困职工帮扶意见"


def living_relief(household, parameters, eligible, why) -> Grant:
    """Each 特困职工 gets, per year, at least N months of the local 低保标准: per worker
    (one file, one amount) or per member, as ``living_relief.per`` reads the text."""
    months = parameters.integer("living_relief.months")
    standard = parameters.money("dibao.standard_monthly")
    per = parameters.text("living_relief.per")
    if per == "member":
        times = household.members
    elif per == "worker":
        times = np.ones(household.size, dtype=np.int64)
    else:
        raise ValueError(f"living_relief.per {per!r} is neither 'worker' nor 'member'")
    amount = months * standard * times
    why.step("家庭为特困职工家庭:{ok:yes}", ok=eligible)
    why.step(
        "{months} 个月 x 低保标准 {standard:yuan} 元 x {times} = {amount:yuan} 元",
        months=months,
        standard=standard,
        times=times,
        amount=amount,
    )
    return Grant(eligible, amount)


def medical_relief(household, parameters, eligible, why) -> Grant:
    """One-off relief by the year's out-of-pocket cost C, when C exceeds the household's
    annual income, a member is seriously or chronically ill, and the cost is within the
    basic medical insurance catalogue."""
    h = household
    cost = h.medical_out_of_pocket
    ill = h.serious_illness > 0
    income = whole_income(h, parameters)
    exceeds = cost > income
    schedule = parameters.schedule("medical_relief.schedule")
    reading = parameters.text("medical_relief.catalogue")
    if reading == "in_catalogue_part":  # the relief is on the in-catalogue part only
        known = h.medical_in_catalogue_cost >= 0
        base = np.where(known, np.minimum(h.medical_in_catalogue_cost, cost), cost)
        in_catalogue = np.where(known, base > 0, h.medical_in_catalog)
    elif reading == "all_or_nothing":
        base, in_catalogue = cost, h.medical_in_catalog
    else:
        raise ValueError(f"medical_relief.catalogue {reading!r} is not a known reading")
    amount = schedule.apply(base)
    why.step("家庭为特困职工家庭(医疗救助属特困职工帮扶标准):{ok:yes}", ok=eligible)
    why.step("家庭成员患大病、重病、慢性病:{ok:yes}", ok=ill)
    why.step(
        "年医疗费个人自付 {cost:yuan} 元超过家庭当年全部收入 {income:yuan} 元:{ok:yes}",
        cost=cost,
        income=income,
        ok=exceeds,
    )
    why.step("医疗费用符合职工基本医疗保险用药和诊疗目录:{ok:yes}", ok=in_catalogue)
    why.step("{how}", how=schedule.described(base, amount))
    return Grant(eligible & ill & exceeds & in_catalogue & (amount > 0), amount)


PROGRAMMES = [
    Programme(
        code="living_relief",
        name="生活救助 living relief",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 五.9 帮扶方式",
        compute=living_relief,
        population="tekun",
        # 每年给予不低于一个月的生活救助 (yearly); paid from the fund. 五.9 prefers goods or
        # supermarket vouchers (以发放实物或发放超市购物券为主): those are distributed from
        # stock against the same entitlement (core.funds.in_kind), the rest by bank.
        form=BenefitForm.FUND_CASH,
        form_basis=f"{SOURCE} 五.9 帮扶款物由帮扶中心直接发放到特困职工",
    ),
    Programme(
        code="medical_relief",
        name="医疗救助 medical relief",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 五.10 帮扶标准",
        compute=medical_relief,
        population="tekun",
        form=BenefitForm.FUND_CASH,
        form_basis=f"{SOURCE} 五.10 给予一次性救助",
    ),
]


def tekun(household, parameters, recorded):
    return eligibility(household, parameters, recorded)


POPULATIONS = [
    Population(
        code="tekun",
        label="特困职工",
        basis=f"{SOURCE} 一.1",
        test=tekun,
        category="tekun",
        opens_file=True,
        rank=100,
    )
]
