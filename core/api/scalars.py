"""The contract's scalars: ``Date``, ``Decimal`` and ``JSON``.

Money never travels as a float: ``Decimal`` is yuan written as a string with two decimals
("1600.00"), so that no client rounds a relief payment. On the way in we are lenient about
the *form* (a string or a JSON number) and strict about the *value*: NaN, infinity, empty
strings and words are refused with ``BAD_INPUT`` before any rule runs. Range and sign are
the case model's business (``core.model``), which names the field that is wrong.

``Date`` is an ISO calendar date, exactly ``YYYY-MM-DD``. ``JSON`` is strawberry's own.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from core.errors import bad_input
from core.money import OTHER_DIGITS_EN, OTHER_DIGITS_ZH, written_amount

CENT = Decimal("0.01")
#: Longer than any amount the case model accepts (100 million yuan with fen), short
#: enough that nobody can make us parse a thousand-digit number.
MAX_AMOUNT_CHARS = 32
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WrittenAmount(Decimal):
    """An amount shown in the schema exactly as the contract writes it (``= "0"``).

    Used only for input defaults, so that the served schema prints ``monthlyIncome:
    Decimal = "0"`` like ``contract.graphql`` rather than ``"0.00"``.
    """


# --------------------------------------------------------------------------- Decimal
def parse_amount(value: Any) -> Decimal:
    """A yuan amount from a string ("1600", "1600.50") or a JSON number; never NaN/inf."""
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, bool):
        raise _not_an_amount(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _not_an_amount(value)
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise _not_an_amount(value)
    if len(text) > MAX_AMOUNT_CHARS or not written_amount(text):
        raise _not_an_amount(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise _not_an_amount(value) from None
    return amount


def _not_an_amount(value: Any) -> Exception:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    if isinstance(value, str) and any(ch.isdigit() and not ch.isascii() for ch in value):
        return bad_input(f"{shown}: {OTHER_DIGITS_EN}", f"{shown}:{OTHER_DIGITS_ZH}", value=shown)
    return bad_input(
        f'{shown} is not an amount of yuan; write it like "1600.00"',
        f'{shown} 不是金额,请写成 "1600.00" 的形式',
        value=shown,
    )


def serialize_amount(value: Any) -> str:
    """Yuan with two decimals, rounded half-up (the project's one rounding rule)."""
    if isinstance(value, WrittenAmount):
        return str(value)
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"cannot send the amount {value!r}")
    return format(amount.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def parse_amount_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    """An amount written in the query itself: ``monthlyIncome: "1600"`` or ``1600.5``."""
    if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
        return parse_amount(node.value)
    raise bad_input(
        'an amount is written as a string such as "1600.00" or as a number',
        '金额请写成 "1600.00" 这样的字符串或数字',
    )


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='Yuan as a string with two decimals, "1600.00". Accepted as a string or a number.',
    serialize=serialize_amount,
    parse_value=parse_amount,
    parse_literal=parse_amount_literal,
)


# --------------------------------------------------------------------------- Date
def parse_date(value: Any) -> date:
    """A calendar date written ``YYYY-MM-DD`` (nothing looser: no times, no week dates)."""
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    shown = repr(value)[:40]
    raise bad_input(
        f"{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-10",
        f"{shown} 不是日期,请写成 YYYY-MM-DD,例如 2026-10-10",
        value=shown,
    )


def serialize_date(value: Any) -> str:
    return value.isoformat()


def parse_date_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> date:
    if isinstance(node, StringValueNode):
        return parse_date(node.value)
    raise bad_input(
        'a date is written as a string such as "2026-10-10"',
        '日期请写成 "2026-10-10" 这样的字符串',
    )


DateScalar = strawberry.scalar(
    name="Date",
    description='ISO 8601 calendar date, "2026-10-10".',
    serialize=serialize_date,
    parse_value=parse_date,
    parse_literal=parse_date_literal,
)

#: For ``StrawberryConfig(scalar_map=...)``: Python types and the scalars they travel as.
SCALAR_MAP: dict[object, ScalarDefinition] = {Decimal: DecimalScalar, date: DateScalar}

__all__ = ["JSON", "SCALAR_MAP", "WrittenAmount", "parse_amount", "parse_date", "serialize_amount"]
