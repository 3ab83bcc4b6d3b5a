"""Bracket schedules: an amount looked up, or built up, from brackets of a base amount.

Two kinds, both exact in integer fen:

``whole_amount``
    Find the bracket the base falls in and apply its rate to the *whole* base (or pay the
    bracket's fixed amount). This is Hebei's literal reading of 五.10, "救助总额的10%": it
    is not monotonic (19,999.99 gives 2,000.00; 20,000.00 gives 1,600.00).
``marginal``
    Apply each bracket's rate to the part of the base inside that bracket and add the
    parts, the way income tax is computed; rounded half-up once at the end. A bracket with
    a fixed amount pays that amount for any base that reaches it.

A schedule as data (a parameter of type ``schedule``)::

    kind: whole_amount
    brackets:
      - {from: 0, rate: 0}
      - {from: 5000, rate: 0.10}
      - {from: 100000, amount: 8000}
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from core.money import BASIS_POINTS, apply_rate, format_yuan, to_basis_points, to_fen
from core.rules import Words

KINDS = ("whole_amount", "marginal")


@dataclass(frozen=True)
class Bracket:
    start_fen: int  #: the bracket applies from this base amount (inclusive)
    rate_bp: int | None  #: rate in basis points, or None for a fixed amount
    amount_fen: int | None  #: fixed amount, or None for a rate

    def describe(self) -> str:
        if self.amount_fen is not None:
            return f"定额 {format_yuan(self.amount_fen)} 元"
        assert self.rate_bp is not None  # a bracket has a rate or an amount (from_data)
        return f"{Decimal(self.rate_bp) / 100:g}%"


@dataclass(frozen=True)
class BracketSchedule:
    kind: str
    brackets: tuple[Bracket, ...]
    # made from the brackets by __post_init__ (no arguments, not compared)
    _starts: np.ndarray = field(init=False, repr=False, compare=False)
    _rates: np.ndarray = field(init=False, repr=False, compare=False)
    _fixed: np.ndarray = field(init=False, repr=False, compare=False)
    _start_list: list[int] = field(init=False, repr=False, compare=False)
    _words: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the lookup arrays, built once: a schedule is applied on every evaluation
        starts = np.array([b.start_fen for b in self.brackets], dtype=np.int64)
        rates = np.array([b.rate_bp or 0 for b in self.brackets], dtype=np.int64)
        fixed = np.array(
            [b.amount_fen if b.amount_fen is not None else -1 for b in self.brackets],
            dtype=np.int64,
        )
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_rates", rates)
        object.__setattr__(self, "_fixed", fixed)
        # and the words of each bracket, for explanations: its range and its rule
        object.__setattr__(self, "_start_list", [b.start_fen for b in self.brackets])
        object.__setattr__(
            self,
            "_words",
            tuple((self._range_words(i), b.describe()) for i, b in enumerate(self.brackets)),
        )

    def _range_words(self, i: int) -> str:
        upper = self.brackets[i + 1].start_fen if i + 1 < len(self.brackets) else None
        return f"{format_yuan(self.brackets[i].start_fen)} 元以上" + (
            f"不足 {format_yuan(upper)} 元" if upper is not None else ""
        )

    @classmethod
    def from_data(cls, data: Any) -> BracketSchedule:
        """Parse and check a schedule; raises ``ValueError`` saying what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a schedule is a mapping with 'kind' and 'brackets'")
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"schedule kind must be one of {', '.join(KINDS)}, not {kind!r}")
        unknown = set(data) - {"kind", "brackets"}
        if unknown:
            raise ValueError(f"unknown schedule keys: {', '.join(sorted(unknown))}")
        raw = data.get("brackets")
        if not isinstance(raw, list) or not raw:
            raise ValueError("a schedule needs a non-empty list of brackets")
        brackets = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or "from" not in item:
                raise ValueError(f"bracket {i + 1} needs 'from' and a 'rate' or an 'amount'")
            if ("rate" in item) == ("amount" in item):
                raise ValueError(f"bracket {i + 1} needs exactly one of 'rate' and 'amount'")
            unknown = set(item) - {"from", "rate", "amount"}
            if unknown:
                raise ValueError(f"bracket {i + 1} has unknown keys: {', '.join(sorted(unknown))}")
            start = to_fen(Decimal(str(item["from"])))
            rate = to_basis_points(item["rate"]) if "rate" in item else None
            amount = to_fen(Decimal(str(item["amount"]))) if "amount" in item else None
            if start < 0 or (rate is not None and not 0 <= rate <= BASIS_POINTS):
                raise ValueError(f"bracket {i + 1}: 'from' >= 0 and 0 <= rate <= 1")
            if amount is not None and amount < 0:
                raise ValueError(f"bracket {i + 1}: amount may not be negative")
            brackets.append(Bracket(start, rate, amount))
        starts = [b.start_fen for b in brackets]
        if starts[0] != 0 or starts != sorted(set(starts)):
            raise ValueError("brackets start at 0 and their 'from' values strictly increase")
        return cls(kind, tuple(brackets))

    # ----------------------------------------------------------------- evaluation
    def apply(self, base_fen: np.ndarray) -> np.ndarray:
        """The schedule's amount for each base, in fen, rounded half-up."""
        base = np.asarray(base_fen, dtype=np.int64)
        index = np.searchsorted(self._starts, base, side="right") - 1
        fixed_here = self._fixed[index]
        if self.kind == "whole_amount":
            rated = apply_rate(base, self._rates[index])
        else:
            total = np.zeros_like(base)
            for i, b in enumerate(self.brackets):
                if b.rate_bp is None:
                    continue
                end = self.brackets[i + 1].start_fen if i + 1 < len(self.brackets) else None
                upper = base if end is None else np.minimum(base, end)
                total += np.maximum(upper - b.start_fen, 0) * b.rate_bp
            rated = (total + BASIS_POINTS // 2) // BASIS_POINTS
        return np.where(fixed_here >= 0, fixed_here, rated)

    def described(self, base_fen: np.ndarray, amount_fen: np.ndarray) -> Words:
        """How each household's amount is reached from its base, as an explanation step's
        value: ``why.step("{how}", how=schedule.described(base, amount))`` (``amount``:
        what :meth:`apply` gave for ``base``)."""
        return Words(lambda i: self.describe(int(base_fen[i]), int(amount_fen[i])))

    def describe(self, base_fen: int, amount_fen: int | None = None) -> str:
        """How the amount for one base is reached, for an explanation (``amount_fen``: the
        amount :meth:`apply` gave for it, when the caller has it already)."""
        result = int(self.apply(np.array([base_fen]))[0]) if amount_fen is None else amount_fen
        i = bisect.bisect_right(self._start_list, base_fen) - 1  # as np.searchsorted(right)
        b = self.brackets[i]
        where, rule = self._words[i]
        if b.amount_fen is not None:
            return f"{format_yuan(base_fen)} 元属于{where}档:{rule} = {format_yuan(result)} 元"
        if self.kind == "whole_amount":
            return (
                f"{format_yuan(base_fen)} 元属于{where}档:按总额的 {rule} = "
                f"{format_yuan(result)} 元(四舍五入到分)"
            )
        parts = []
        for j, br in enumerate(self.brackets[: i + 1]):
            if br.rate_bp is None:
                continue
            end = self.brackets[j + 1].start_fen if j + 1 < len(self.brackets) else base_fen
            part = max(min(base_fen, end) - br.start_fen, 0)
            if part:
                parts.append(f"{format_yuan(part)} x {self._words[j][1]}")
        return f"分段累进计算:{' + '.join(parts) or '0'} = {format_yuan(result)} 元(四舍五入到分)"

    def to_data(self) -> dict[str, Any]:
        out = []
        for b in self.brackets:
            item: dict[str, Any] = {"from": format_yuan(b.start_fen)}
            if b.amount_fen is not None:
                item["amount"] = format_yuan(b.amount_fen)
            else:
                assert b.rate_bp is not None  # a bracket has a rate or an amount
                item["rate"] = str(Decimal(b.rate_bp) / BASIS_POINTS)
            out.append(item)
        return {"kind": self.kind, "brackets": out}
