"""Resident ID numbers of the people who apply: most are 40 to 60 years old, and their
numbers carry the address code in force when the number was issued (from 1984), not in
their birth year. python-stdnum's ``ric.validate`` refuses those; Bangfu checks the
format, the check digit, the birth date and that the code has ever existed."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from core.errors import BangfuError
from core.idnumbers import InvalidIdNumber, check_id_number
from core.model import parse_household

TODAY = date(2026, 11, 20)


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


#: real-shaped numbers of people born in the 1960s and 1970s, each under a code of a later
#: year (长安区 and 桥西区 of 石家庄 from 1983, 蠡县 from 1994, 兰州 城关区 from 1983)
OLDER = [
    "130102197803121236",
    with_check_digit("13010219660312123"),
    with_check_digit("13010419611105302"),
    with_check_digit("13063519640101002"),
    with_check_digit("62010219620715001"),
]


@pytest.mark.parametrize("number", OLDER)
def test_numbers_of_people_born_before_their_countys_code_are_accepted(number):
    assert not ric.is_valid(number)  # what python-stdnum alone would answer
    assert check_id_number(number, TODAY) == number
    household = parse_household(
        {"members": [{"name": "王秀英", "relation": "APPLICANT", "idNumber": number}]}
    )
    assert household.members[0].id_number == number


def test_a_lower_case_x_is_taken_as_x():
    assert check_id_number("11010519491231002x", TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "zh"),
    [
        ("130102197803121235", "校验位不对"),  # one digit off
        ("13010219780312123", "应为18位"),
        ("13010219780312123A", "前17位应为数字"),
        (with_check_digit("13010219780230123"), "不是有效日期"),  # 30 February
        (with_check_digit("13010220300312123"), "晚于今天"),
        (with_check_digit("99999919780312123"), "地址码999999不存在"),
        ("１３０１０２１９７８０３１２１２３６", "前17位应为数字"),  # full-width digits
    ],
)
def test_a_wrong_number_is_refused_saying_why_in_chinese(number, zh):
    with pytest.raises(InvalidIdNumber) as refused:
        check_id_number(number, TODAY)
    assert zh in refused.value.zh and refused.value.en
    with pytest.raises(BangfuError) as bad:
        parse_household({"members": [{"name": "王", "relation": "APPLICANT", "idNumber": number}]})
    assert zh in bad.value.zh
    [problem] = bad.value.details["problems"]
    assert problem["field"] == "members.0.idNumber" and zh in problem["problemZh"]
