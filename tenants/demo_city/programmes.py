"""The city departments' measures for hardship households (001 三(一), 三(二))."""

from __future__ import annotations

from core.plugin import Grant, PayPeriod, Programme, UtilityRule

SOURCE = "001 市政府帮扶困难职工工作意见"


def education_grant(household, parameters, why) -> Grant:
    """One-off grants in the year of admission, for children of households with at least
    12 continuous months of 低保: 2,000 for a public high school, 5,000 for a college."""
    h = household
    months = parameters.integer("education_grant.min_dibao_months")
    high_school = parameters.money("education_grant.high_school")
    college = parameters.money("education_grant.college")
    long_enough = h.dibao_recipient & (h.dibao_months >= months)
    amount = h.new_public_high_school * high_school + h.new_college * college
    why.step(
        "低保 for {have} continuous months, at least {need} required: {ok:yes}",
        have=h.dibao_months,
        need=months,
        ok=long_enough,
    )
    why.step(
        "children newly admitted: {hs} to a public high school x {hs_amount:yuan}, "
        "{col} to a college x {col_amount:yuan} = {amount:yuan}",
        hs=h.new_public_high_school,
        hs_amount=high_school,
        col=h.new_college,
        col_amount=college,
        amount=amount,
    )
    return Grant(long_enough & (amount > 0), amount)


def compulsory_fee_waiver(household, why) -> Grant:
    """Compulsory-stage children of 低保 households: miscellaneous fees waived (in kind)."""
    h = household
    granted = h.dibao_recipient & (h.children_compulsory > 0)
    why.step("低保 household with {n} child(ren) in compulsory education", n=h.children_compulsory)
    return Grant(granted)


def public_rental_housing(household, parameters, why) -> Grant:
    """廉租住房: per-capita floor area at most 12 m2 (12 included) and receiving 低保."""
    h = household
    limit = parameters.number("public_rental_housing.max_area_per_capita_m2")
    num, den = (limit * 100).as_integer_ratio()  # area is in 1/100 m2
    known = h.housing_area_cm2 >= 0
    small = known & (h.housing_area_cm2 * den <= num * h.members)
    why.step(
        "floor area {area:m2} for {n} people, at most {limit} m2 each: {ok:yes}",
        area=h.housing_area_cm2,
        n=h.members,
        limit=limit,
        ok=small,
    )
    why.step("receives 低保: {ok:yes}", ok=h.dibao_recipient)
    return Grant(small & h.dibao_recipient)


def tax_relief(household, parameters, why) -> Grant:
    """Self-employed holders of the re-employment certificate: taxes deducted up to a cap
    per household per year (the amount is the cap; the tax office deducts what is due)."""
    h = household
    cap = parameters.money("tax_relief.self_employed_cap")
    granted = h.self_employed & h.reemployment_certificate
    why.step(
        "self-employed with a 再就业优惠证: {ok:yes}; deduction up to {cap:yuan} a year",
        ok=granted,
        cap=cap,
    )
    return Grant(granted, cap)


def dibao_household(household):
    return household.dibao_recipient


PROGRAMMES = [
    Programme(
        code="education_grant",
        name="教育补助 education grant",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 三(一) 教育部门",
        compute=education_grant,
    ),
    Programme(
        code="demo_city.compulsory_fee_waiver",
        name="义务教育杂费减免 compulsory-stage fee waiver",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(一) 教育部门",
        compute=compulsory_fee_waiver,
    ),
    Programme(
        code="public_rental_housing",
        name="廉租住房 public rental housing",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 三(一) 房管部门",
        compute=public_rental_housing,
    ),
    Programme(
        code="demo_city.tax_relief",
        name="再就业税收扣减 re-employment tax relief (cap)",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(一) 税务部门",
        compute=tax_relief,
    ),
]

UTILITIES = [
    UtilityRule(
        utility="water",
        unit="m3",
        period=PayPeriod.MONTHLY,
        basis=f"{SOURCE} 三(二) 自来水公司",
        quantity_parameter="utilities.water_m3_monthly",
        applies=dibao_household,
    ),
    UtilityRule(
        utility="gas",
        unit="m3",
        period=PayPeriod.MONTHLY,
        basis=f"{SOURCE} 三(二) 燃气公司",
        quantity_parameter="utilities.gas_m3_monthly",
        applies=dibao_household,
    ),
    UtilityRule(
        utility="heating",
        unit="yuan",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(二) 热力公司",
        quantity_parameter="utilities.heating_yuan_yearly",
        applies=dibao_household,
    ),
]
