"""The city departments' measures for hardship households (001 三(一), 三(二))."""

from __future__ import annotations

from datetime import date

from core.plugin import BenefitForm, Grant, PayPeriod, Programme, UtilityRule

SOURCE = "001 市政府帮扶困难职工工作意见"


def education_grant(household, parameters, eligible, why) -> Grant:
    """One-off grants in the year of admission, for children of households with at least
    12 continuous months of 低保 (the population): 2,000 for a public high school (计划内:
    the form's public-school flag), 5,000 for a recognised college (专科 and 本科: the
    form's UNDERGRADUATE stage); postgraduates only when
    ``education_grant.includes_postgraduate`` reads the text so."""
    h = household
    months = parameters.integer("education_grant.min_dibao_months")
    high_school = parameters.money("education_grant.high_school")
    college = parameters.money("education_grant.college")
    colleges = h.new_college
    if parameters.flag("education_grant.includes_postgraduate"):
        colleges = colleges + h.children_postgraduate
    amount = h.new_public_high_school * high_school + colleges * college
    why.step(
        "连续享受低保 {have} 个月,须至少 {need} 个月:{ok:yes}",
        have=h.dibao_months,
        need=months,
        ok=eligible,
    )
    why.step(
        "当年新录取子女:公办高中 {hs} 人 x {hs_amount:yuan} 元,高等院校 {col} 人 x "
        "{col_amount:yuan} 元 = {amount:yuan} 元",
        hs=h.new_public_high_school,
        hs_amount=high_school,
        col=colleges,
        col_amount=college,
        amount=amount,
    )
    return Grant(eligible & (amount > 0), amount)


def compulsory_fee_waiver(household, eligible, why) -> Grant:
    """Compulsory-stage children of 低保 households: miscellaneous fees waived (in kind)."""
    h = household
    granted = eligible & (h.children_compulsory > 0)
    why.step("低保家庭,义务教育阶段子女 {n} 人", n=h.children_compulsory)
    return Grant(granted)


def public_rental_housing(household, parameters, eligible, why) -> Grant:
    """廉租住房: per-capita floor area at most 12 m2 (12 included) and receiving 低保."""
    h = household
    limit = parameters.number("public_rental_housing.max_area_per_capita_m2")
    num, den = (limit * 100).as_integer_ratio()  # area is in 1/100 m2
    known = h.housing_area_cm2 >= 0
    small = known & (h.housing_area_cm2 * den <= num * h.members)
    why.step(
        "住房建筑面积 {area:m2},{n} 人,人均不超过 {limit} 平方米:{ok:yes}",
        area=h.housing_area_cm2,
        n=h.members,
        limit=limit,
        ok=small,
    )
    why.step("领取城镇居民最低生活保障金:{ok:yes}", ok=eligible)
    return Grant(small & eligible)


def _certificate_group(household):
    """此类困难职工 (001 三(一) 税务部门): laid off from a state-owned enterprise (or one
    closed or bankrupt, or its collective), or on 低保 and registered unemployed for a
    year or more. The form has no unemployment duration: the 再就业优惠证 is issued to the
    registered unemployed, so a 低保 household holding it is read as in the group."""
    h = household
    return h.reemployment_certificate & (h.laid_off_in_restructuring | h.dibao_recipient)


def tax_relief(household, parameters, eligible, why) -> Grant:
    """Self-employed 困难职工 of the certificate group, in a trade not excluded: taxes
    deducted up to a cap per household per year (the amount is the cap; the tax office
    deducts what is due). The household must hold the city's 困难职工 file."""
    h = household
    cap = parameters.money("tax_relief.self_employed_cap")
    excluded = parameters.text("tax_relief.excluded_trades")
    group = _certificate_group(h)
    granted = eligible & h.self_employed & group
    why.step("本市困难职工:{ok:yes}", ok=eligible)
    why.step(
        "国有企业下岗失业人员或享受低保且失业的登记失业人员,持《再就业优惠证》:{ok:yes}",
        ok=group,
    )
    why.step(
        "从事个体经营:{ok:yes}(不含 {excluded});每户每年扣减以 {cap:yuan} 元为限",
        ok=h.self_employed,
        excluded=excluded,
        cap=cap,
    )
    return Grant(granted, cap)


def hiring_tax_relief(household, parameters, eligible, why) -> Grant:
    """The employer's relief for hiring a member of the certificate group (001 三(一)
    税务部门: 定额标准为每人每年4000元): shown to the household's caseworker as the figure
    an employer may deduct for each such hire, for a 困难职工 household whose certificate
    holder seeks a job. The amount goes to the employer, per hire, not to the household."""
    h = household
    per_hire = parameters.money("tax_relief.per_hire")
    group = _certificate_group(h) & ~h.self_employed & (h.able_seeking > 0)
    why.step("本市困难职工:{ok:yes}", ok=eligible)
    why.step("持《再就业优惠证》的求职人员:{ok:yes}", ok=group)
    why.step("用人单位新招用每人每年定额扣减 {amount:yuan} 元", amount=per_hire)
    return Grant(eligible & group, per_hire)


def dibao_household(household, eligible):
    return eligible


PROGRAMMES = [
    Programme(
        code="education_grant",
        name="教育补助 education grant",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 三(一) 教育部门",
        compute=education_grant,
        population="demo_city.dibao_12_months",
        form=BenefitForm.REFERRAL,
        form_basis=f"{SOURCE} 三(一) 教育部门 在考取当年给予一次性补助 (the education department pays it)",
    ),
    Programme(
        code="demo_city.compulsory_fee_waiver",
        name="义务教育杂费减免 compulsory-stage fee waiver",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(一) 教育部门",
        compute=compulsory_fee_waiver,
        population="demo_city.dibao",
        form=BenefitForm.FEE_WAIVER,
        form_basis=f"{SOURCE} 三(一) 教育部门 免除杂费、书作费、电教代办费、取暖费等费用",
    ),
    Programme(
        code="public_rental_housing",
        name="廉租住房 public rental housing",
        period=PayPeriod.ONCE,
        basis=f"{SOURCE} 三(一) 房管部门",
        compute=public_rental_housing,
        population="demo_city.dibao",
        form=BenefitForm.REFERRAL,
        form_basis=f"{SOURCE} 三(一) 房管部门 纳入廉租住房保障范围",
    ),
    Programme(
        code="demo_city.tax_relief",
        name="再就业税收扣减 re-employment tax relief (cap)",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(一) 税务部门",
        compute=tax_relief,
        population="demo_city.kunnan",
        form=BenefitForm.TAX_RELIEF,
        form_basis=f"{SOURCE} 三(一) 税务部门 按每户每年8000元为限依次扣减其当年应缴纳的…税 (a ceiling, not money)",
    ),
    Programme(
        code="demo_city.hiring_tax_relief",
        name="吸纳就业税收扣减(用人单位,每招用一人) employer's relief per hire",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(一) 税务部门",
        compute=hiring_tax_relief,
        population="demo_city.kunnan",
        form=BenefitForm.TAX_RELIEF,
        form_basis=f"{SOURCE} 三(一) 税务部门 定额一次扣减…定额标准为每人每年4000元 (the employer deducts it)",
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
        population="demo_city.dibao",
    ),
    UtilityRule(
        utility="gas",
        unit="m3",
        period=PayPeriod.MONTHLY,
        basis=f"{SOURCE} 三(二) 燃气公司",
        quantity_parameter="utilities.gas_m3_monthly",
        applies=dibao_household,
        population="demo_city.dibao",
    ),
    UtilityRule(
        utility="heating",
        unit="yuan",
        period=PayPeriod.YEARLY,
        basis=f"{SOURCE} 三(二) 热力公司",
        quantity_parameter="utilities.heating_yuan_yearly",
        applies=dibao_household,
        population="demo_city.dibao",
        # the reduction is set each year; the first figure the city reported is for the
        # 2025-26 season (001 三(二) 热力公司: 每年供热前(11月15日)报市帮扶办)
        in_force_from=date(2025, 11, 15),
    ),
]
