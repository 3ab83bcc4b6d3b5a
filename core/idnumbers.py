"""Resident ID numbers (居民身份证号码, GB 11643-1999): what is checked, and why not all
that python-stdnum checks.

An 18-character number is: a six-digit address code, the birth date (YYYYMMDD), a
three-digit sequence, and a check digit (0-9 or X). Checked here: the format, the check
digit, a real birth date not in the future, and that the address code is one that has
existed in some year (python-stdnum's table of the codes and the years each was in use).

python-stdnum's ``ric.validate`` also asks that the address code was in use in the year
of *birth*. But the code in a number is the one in force where the number was issued,
from 1984 on, not where and when its holder was born: no current Hebei county code was
in use in 1966, so every Hebei applicant born before the 1980s would be refused
(``130102196603121237``: 长安区, a code of 1983, born 1966). Most applicants are 40 to 60
years old. So the year is not asked, only that the code has ever existed.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from core.errors import FieldProblem

LENGTH = 18


class InvalidIdNumber(FieldProblem):
    """A resident ID number refused, with why in Chinese and in English."""


@cache
def address_code_known(code: str) -> bool:
    """Whether a six-digit address code names a county (or district) in some year."""
    found = numdb.get("cn/loc").info(code)
    return any(props.get("county") for _, props in found)


def check_id_number(value: str, today: date) -> str:
    """The number in its standard form (upper-case X), or :class:`InvalidIdNumber`."""
    number = value.strip().upper()
    if len(number) != LENGTH:
        raise InvalidIdNumber(
            f"身份证号应为18位,这里是{len(number)}位",
            f"a resident ID number has 18 characters, not {len(number)}",
        )
    if not number[:-1].isascii() or not number[:-1].isdigit() or number[-1] not in "0123456789X":
        raise InvalidIdNumber(
            "身份证号前17位应为数字,最后一位为数字或X",
            "a resident ID number is 17 digits and a last digit or X",
        )
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidIdNumber(
            "身份证号的校验位不对,请核对是否输错",
            "the check digit of the resident ID number is wrong: check for a typing error",
        )
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise InvalidIdNumber(
            f"身份证号中的出生日期{number[6:14]}不是有效日期",
            f"the birth date in the resident ID number ({number[6:14]}) is not a date",
        ) from None
    if born > today:
        raise InvalidIdNumber(
            f"身份证号中的出生日期{born}晚于今天",
            f"the resident ID number gives a birth date ({born}) in the future",
        )
    if not address_code_known(number[:6]):
        raise InvalidIdNumber(
            f"身份证号的前6位地址码{number[:6]}不存在,请核对",
            f"the address code of the resident ID number ({number[:6]}) never existed",
        )
    return number
