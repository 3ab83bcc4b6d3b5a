"""The two sources every bundled tenant compares with, ready for any region to declare.

A tenant plugin declares them (or its own) in ``bangfu_verification_sources``::

    from core.verification.standard import DIBAO_ROSTER, SOCIAL_SECURITY

    @hookimpl
    def bangfu_verification_sources():
        return [DIBAO_ROSTER, SOCIAL_SECURITY]
"""

from __future__ import annotations

from core.verification.sources import VerificationSource

ID_HEADINGS = ("身份证号", "公民身份号码", "身份证号码", "id_number")
BASIS = (
    "002: 建立困难职工家庭经济状况核对系统,开展数据比对,实现信息互联互通; "
    "000 三(一)1: 按照标准对困难职工档案重新核查"
)

#: The civil-affairs 低保 roster: who is in 低保, since when, with what monthly subsidy.
DIBAO_ROSTER = VerificationSource(
    code="dibao_roster",
    zh="民政部门低保名册",
    en="civil-affairs 低保 roster",
    authority="民政部门",
    headings={
        "id_number": ID_HEADINGS,
        "dibao_since": ("纳入低保时间", "低保起始日期", "dibao_since"),
        "dibao_subsidy": ("月人均补助", "月补助金额", "dibao_subsidy"),
    },
    basis=f"{BASIS}; 002: 庆阳市总工会在做好与民政部门信息对比的基础上",
)

#: The social-security records: pension and unemployment insurance, and the contribution
#: base, a proxy for the wage.
SOCIAL_SECURITY = VerificationSource(
    code="social_security",
    zh="人社部门社会保险参保记录",
    en="social-security records",
    authority="人力资源和社会保障部门",
    headings={
        "id_number": ID_HEADINGS,
        "pension_insured": ("养老保险", "参加养老保险", "pension_insured"),
        "unemployment_insured": ("失业保险", "参加失业保险", "unemployment_insured"),
        "contribution_base": ("缴费基数", "月缴费基数", "contribution_base"),
    },
    basis=f"{BASIS}; 002: 主动与人社部门进行信息对比,准确核实了职工家庭收入",
)
