"""Money as integer fen inside the engine, ``Decimal`` yuan at the edges.

Every amount a rule computes is an ``int64`` count of fen (1/100 yuan). Integer arithmetic
is exact, vectorises, and cannot drift the way float32 or float64 can. Rates are kept in
basis points (1/100 of a percent) so that applying one is an exact integer product that is
rounded half-up once, at the end.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

CENT = Decimal("0.01")
FEN_PER_YUAN = 100
BASIS_POINTS = 10_000  # 100% in basis points
#: an amount as written by a person or a client: ASCII digits only. Python's Decimal
#: reads any script's digits ("١٠٠", full-width "１００"); a money field does not.
AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
#: the words of a refusal of other digits, Chinese first
OTHER_DIGITS_ZH = "金额只能用半角阿拉伯数字0-9书写,如 1600.00"
OTHER_DIGITS_EN = "an amount is written with the ASCII digits 0-9 only, such as 1600.00"


def written_amount(text: str) -> bool:
    """Whether ``text`` (stripped) is an amount written with ASCII digits."""
    return AMOUNT_TEXT.fullmatch(text) is not None


def to_fen(amount: Decimal | int | str) -> int:
    """Yuan (at most two decimals) to integer fen, exactly."""
    value = Decimal(amount) * FEN_PER_YUAN
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(value)


def to_yuan(fen: int | np.integer) -> Decimal:
    """Integer fen to ``Decimal`` yuan with two decimals (exactly: the fen's digits with
    the decimal point moved two places)."""
    return Decimal(int(fen)).scaleb(-2)


def round_yuan(amount: Decimal) -> Decimal:
    """Round half-up to the fen, the one rounding rule of the project."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_basis_points(rate: Decimal | str | float) -> int:
    """A rate given as a fraction (``0.08``) to basis points (``800``), exactly."""
    value = Decimal(str(rate)) * BASIS_POINTS
    if value != value.to_integral_value():
        raise ValueError(f"rate {rate} is finer than a basis point")
    return int(value)


def apply_rate(amount_fen: np.ndarray, basis_points: int | np.ndarray) -> np.ndarray:
    """``amount x rate``, rounded half-up to the fen (amounts are never negative)."""
    return (amount_fen * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def format_yuan(fen: int | np.integer) -> str:
    """Fen as yuan with two decimals, "2400.00" (a hot path of every explanation)."""
    fen = int(fen)
    if fen >= 0:
        return f"{fen // FEN_PER_YUAN}.{fen % FEN_PER_YUAN:02d}"
    return f"-{-fen // FEN_PER_YUAN}.{-fen % FEN_PER_YUAN:02d}"
