"""Bracket schedules: the literal whole-amount reading and the marginal reading, exact."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.schedules import BracketSchedule

HEBEI = {
    "kind": "whole_amount",
    "brackets": [
        {"from": 0, "rate": 0},
        {"from": 5000, "rate": 0.10},
        {"from": 20000, "rate": 0.08},
        {"from": 50000, "rate": 0.06},
        {"from": 100000, "amount": 8000},
    ],
}


def fen(yuan: str) -> int:
    return int(Decimal(yuan) * 100)


def apply(schedule: BracketSchedule, yuan: str) -> Decimal:
    return Decimal(int(schedule.apply(np.array([fen(yuan)]))[0])) / 100


@pytest.mark.parametrize(
    ("cost", "relief"),
    [
        ("4999.99", "0"),
        ("5000", "500"),
        ("5000.05", "500.01"),  # 500.005 rounds half-up
        ("19999.99", "2000.00"),
        ("20000", "1600"),
        ("30000", "2400"),
        ("49999.99", "4000.00"),
        ("50000", "3000"),
        ("60000", "3600"),
        ("99999.99", "6000.00"),
        ("100000", "8000"),
        ("2500000", "8000"),
    ],
)
def test_whole_amount_is_the_literal_reading_of_003(cost, relief):
    assert apply(BracketSchedule.from_data(HEBEI), cost) == Decimal(relief)


@pytest.mark.parametrize(
    ("cost", "relief"),
    [
        ("5000", "0"),
        ("20000", "1500"),  # 15000 x 10%
        ("30000", "2300"),  # 1500 + 10000 x 8%
        ("60000", "4500"),  # 1500 + 2400 + 10000 x 6%
        ("100000", "8000"),
    ],
)
def test_marginal_reading_adds_the_parts(cost, relief):
    schedule = BracketSchedule.from_data({**HEBEI, "kind": "marginal"})
    assert apply(schedule, cost) == Decimal(relief)


@given(st.integers(0, 9_999_999), st.integers(0, 9_999_999))
def test_marginal_rates_never_fall_as_the_cost_rises(a, b):
    schedule = BracketSchedule.from_data(
        {"kind": "marginal", "brackets": [b for b in HEBEI["brackets"] if "rate" in b]}
    )
    low, high = sorted((a, b))
    values = schedule.apply(np.array([low, high]))
    assert values[0] <= values[1]


def test_the_description_shows_the_bracket_and_the_rounding():
    text = BracketSchedule.from_data(HEBEI).describe(fen("30000"))
    assert "8%" in text and "2400.00" in text and "按总额" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "flat", "brackets": [{"from": 0, "rate": 0}]}, "kind"),
        ({"kind": "marginal", "brackets": []}, "non-empty"),
        ({"kind": "marginal", "brackets": [{"from": 10, "rate": 0.1}]}, "start at 0"),
        ({"kind": "marginal", "brackets": [{"from": 0, "rate": 1.5}]}, "rate"),
        ({"kind": "marginal", "brackets": [{"from": 0, "rate": 0.1, "amount": 5}]}, "exactly one"),
        (
            {"kind": "marginal", "brackets": [{"from": 0, "rate": 0}, {"from": 0, "rate": 0.1}]},
            "increase",
        ),
    ],
)
def test_a_malformed_schedule_says_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        BracketSchedule.from_data(data)
