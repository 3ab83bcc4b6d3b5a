"""两有五保障: the exit test of Gansu's three-year action (002).

Food and clothing (两有), and employment, medical care, schooling, housing and social
insurance (五保障) all secured. A file exits only when all seven are met.
"""

from __future__ import annotations

from core.plugin import Check
from plugins.national import below_dibao_line

SOURCE = "002 甘肃省城市困难职工解困脱困三年行动"


def schooling_secured(household, parameters):
    """就学有保障: compulsory education always has the state's aid; beyond it, the test the
    parameter ``checklist.schooling_test`` names (illustrative)."""
    h = household
    test = parameters.text("checklist.schooling_test")
    if test == "state_aid_every_stage":
        return h.children_beyond_compulsory >= 0  # every household
    if test == "income_covers_spending":
        return (h.children_beyond_compulsory == 0) | (h.annual_expenses <= h.annual_income)
    raise ValueError(f"checklist.schooling_test {test!r} is not a known test")


def two_haves_five_guarantees(household, parameters) -> list[Check]:
    h = household
    # 有吃、有穿: the text gives no test; the one used is stated, as illustrative, in
    # checklist.food_clothing_test
    parameters.text("checklist.food_clothing_test")
    subsistence = ~below_dibao_line(h, parameters) | h.dibao_recipient
    return [
        Check("food", "有吃:收入不低于低保线,或已纳入低保(示例性检验)", subsistence),
        Check("clothing", "有穿:收入不低于低保线,或已纳入低保(示例性检验)", subsistence),
        Check(
            "employment",
            "就业有保障:有劳动能力成员的家庭至少一人就业",
            (h.able_to_work == 0) | (h.employed > 0),
        ),
        Check(
            "medical",
            "就医有保障:每位家庭成员都参加基本医疗保险",
            h.without_medical_insurance == 0,
        ),
        Check(
            "schooling",
            "就学有保障:上学子女享受到相应国家资助政策(义务教育阶段始终享有国家资助;义务教育"
            "以外,家庭收入足以负担包括学费在内的支出)",
            schooling_secured(h, parameters),
        ),
        Check(
            "housing",
            "住房有保障:家庭有住房或享受租房补贴",
            h.has_housing,
        ),
        Check(
            "social_insurance",
            "社会保险有保障:劳动年龄成员参加养老保险",
            h.working_age_without_pension == 0,
        ),
    ]
