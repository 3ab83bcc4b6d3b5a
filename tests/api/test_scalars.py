"""Money as yuan strings with two decimals; dates as YYYY-MM-DD; nothing else gets in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.api.scalars import WrittenAmount, parse_amount, parse_date, serialize_amount
from core.errors import BAD_INPUT, BangfuError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1600", Decimal("1600")),
        (" 1600.50 ", Decimal("1600.50")),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        (1600, Decimal("1600")),
        (1600.5, Decimal("1600.5")),
        (0.1, Decimal("0.1")),  # the shortest repr, not the binary expansion
        ("-5", Decimal("-5")),  # the case model refuses it, naming the field
        ("1e3", Decimal("1000")),
    ],
)
def test_amounts_are_read_exactly(given, expected):
    assert parse_amount(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "",
        "  ",
        "abc",
        "1,600",
        "1600元",
        "0x10",
        "1" * 40,
        True,
        False,
        None,
        [1],
        {"a": 1},
        float("nan"),
        float("inf"),
        Decimal("NaN"),
    ],
)
def test_anything_else_is_bad_input(given):
    with pytest.raises(BangfuError) as caught:
        parse_amount(given)
    assert caught.value.code == BAD_INPUT
    assert "1600.00" in caught.value.message


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (Decimal("1600"), "1600.00"),
        (Decimal("0"), "0.00"),
        (Decimal("2400.005"), "2400.01"),  # half-up, the project's rounding rule
        (Decimal("12.5"), "12.50"),
        (3, "3.00"),
        (WrittenAmount("0"), "0"),  # a contract default, printed as the contract writes it
    ],
)
def test_amounts_are_sent_with_two_decimals(value, wire):
    assert serialize_amount(value) == wire


def test_a_non_finite_amount_is_never_sent():
    with pytest.raises(ValueError):
        serialize_amount(Decimal("NaN"))


def test_dates_are_calendar_dates_only():
    assert parse_date("2026-10-10") == date(2026, 10, 10)
    for bad in ["2026-02-30", "20261010", "2026-10-10T00:00", "10/10/2026", "", 20261010, None]:
        with pytest.raises(BangfuError) as caught:
            parse_date(bad)
        assert caught.value.code == BAD_INPUT
