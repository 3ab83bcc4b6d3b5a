"""The case model refuses nonsense with BAD_INPUT naming the field, and keeps money exact."""

import re
from decimal import Decimal

import pytest

from core.errors import BAD_INPUT, BangfuError
from core.model import parse_household

OK_ID = "11010519491231002X"


def make(**overrides):
    data = {"members": [{"name": "张三", "relation": "APPLICANT"}]}
    for key, value in overrides.items():
        if key.startswith("m_"):
            data["members"][0][key[2:]] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (make(m_monthlyIncome="-1"), "monthlyIncome"),
        (make(m_monthlyIncome="NaN"), "monthlyIncome"),
        (make(m_monthlyIncome="Infinity"), "monthlyIncome"),
        (make(m_monthlyIncome="1e12"), "monthlyIncome"),
        (make(m_monthlyIncome="12.345"), "monthlyIncome"),
        (make(m_monthlyIncome="abc"), "monthlyIncome"),
        (make(m_monthlyIncome=True), "monthlyIncome"),
        (make(otherAnnualIncome="-0.01"), "otherAnnualIncome"),
        (make(annualMedicalOutOfPocket="100000001"), "annualMedicalOutOfPocket"),
        ({"members": []}, "members"),
        ({"members": [{"name": "甲", "relation": "SPOUSE"}]}, "household"),
        (
            {
                "members": [
                    {"name": "甲", "relation": "APPLICANT"},
                    {"name": "乙", "relation": "APPLICANT"},
                ]
            },
            "household",
        ),
        (make(m_name="   "), "name"),
        (make(m_name="张\x00三"), "name"),
        (make(m_name="张\u202e三"), "name"),
        (make(m_age=200), "age"),
        (make(m_age=-1), "age"),
        (make(housingAreaM2="-5"), "housingAreaM2"),
        (make(housingAreaM2="100000"), "housingAreaM2"),
        (make(m_idNumber="110105194912310021"), "idNumber"),  # wrong checksum
        (make(m_idNumber="110105194902300012"), "idNumber"),  # 30 February
        (make(m_idNumber="12345"), "idNumber"),
        (make(m_relation="COUSIN"), "relation"),
        (make(m_unknownField=1), "unknownField"),
        (make(dibaoContinuousMonths=-3), "dibaoContinuousMonths"),
    ],
)
def test_nonsense_is_refused_naming_the_field(data, field):
    with pytest.raises(BangfuError) as caught:
        parse_household(data)
    assert caught.value.code == BAD_INPUT
    assert field in caught.value.en
    assert caught.value.zh  # a Chinese message too
    assert caught.value.details["problems"]


def test_a_valid_household_keeps_money_exact():
    h = parse_household(
        make(m_monthlyIncome="1234.5", m_idNumber=OK_ID.lower(), otherAnnualIncome=100)
    )
    assert h.members[0].monthly_income == Decimal("1234.50")
    assert h.members[0].id_number == OK_ID  # normalised upper-case
    assert h.annual_income == Decimal("14914.00")


def test_every_problem_is_listed_not_just_the_first():
    with pytest.raises(BangfuError) as caught:
        parse_household(make(m_monthlyIncome="-1", m_age=999))
    fields = {p["field"] for p in caught.value.details["problems"]}
    assert {"members.0.monthlyIncome", "members.0.age"} <= fields


def test_the_same_id_twice_is_refused():
    data = {
        "members": [
            {"name": "甲", "relation": "APPLICANT", "idNumber": OK_ID},
            {"name": "乙", "relation": "SPOUSE", "idNumber": OK_ID},
        ]
    }
    with pytest.raises(BangfuError, match="same resident ID"):
        parse_household(data)


def test_every_problem_of_a_household_is_said_in_chinese_first():
    """Each problem carries its Chinese wording (``problemZh``) beside the English, ours
    and pydantic's own alike, and the summary a caseworker reads is Chinese throughout."""
    from core.errors import BangfuError
    from core.model import parse_household

    bad = {
        "members": [{"name": " ", "relation": "APPLICNT", "age": -1, "monthlyIncome": "两千"}],
        "dibaoContinuousMonths": 1.5,
        "foo": 1,
    }
    with pytest.raises(BangfuError) as refused:
        parse_household(bad)
    problems = {p["field"]: p["problemZh"] for p in refused.value.details["problems"]}
    assert problems == {
        "members.0.name": "姓名不能为空",
        "members.0.relation": "只能填以下之一:'APPLICANT'、'SPOUSE'、'CHILD'、'PARENT'、'OTHER'",
        "members.0.age": "不能小于0",
        "members.0.monthlyIncome": "“两千”不是金额,请填写数字,如 1600.00",
        "dibaoContinuousMonths": "应为整数,不能有小数",
        "foo": "不认识这一项(请检查拼写)",
    }
    assert refused.value.zh.startswith("家庭信息有误:members.0.name:姓名不能为空;")
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"'[A-Z]+'|[a-zA-Z0-9.]+:", "", refused.value.zh))
