"""A columnar batch pays Hebei's medical relief exactly to the fen, on 50,000 households.

The reference is computed independently of the engine: plain Python integers for the
household's income, ``Decimal`` yuan for the tiers of 003 五.10 (whole-amount reading),
rounded half-up to the fen. No timing here: throughput is ``make bench``'s business.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from core.conformance.generate import columns
from core.evaluation import evaluate_batch
from core.facts import HouseholdFacts
from tests.conftest import ON

HOUSEHOLDS = 50_000
CENT = Decimal("0.01")


def hebei_medical_relief(cost: Decimal, income: Decimal, ill: bool, in_catalog: bool) -> Decimal:
    """003 五.10 as written: C < 5,000 nothing; 10% of C below 20,000; 8% below 50,000;
    6% below 100,000; from 100,000 a fixed 8,000. Granted to a seriously ill household
    whose cost exceeds its annual income, within the insurance catalogue. (Such a household
    is 特困 by criterion a: the cost above the whole income meets the general conditions,
    unless its income is ample.)"""
    if cost >= 100_000:
        amount = Decimal(8000)
    else:
        rate = (
            Decimal("0.06")
            if cost >= 50_000
            else Decimal("0.08")
            if cost >= 20_000
            else Decimal("0.10")
            if cost >= 5_000
            else Decimal(0)
        )
        amount = (cost * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount if ill and cost > income and in_catalog and amount > 0 else Decimal(0)


def with_half_fen_costs(household: dict[str, np.ndarray]) -> None:
    """Put one household in ten on a cost whose exact relief ends in half a fen (10% of
    x.x5, 6% of x.25 / x.75 yuan), where float arithmetic and half-even rounding slip."""
    rng = np.random.default_rng(33)
    every = np.arange(0, HOUSEHOLDS, 10)
    ten = 500_005 + 10 * rng.integers(0, 150_000, len(every))  # 5,000.05 .. 19,999.95
    six = 5_000_025 + 50 * rng.integers(0, 100_000, len(every))  # 50,000.25 .. 99,999.75
    household["medical_out_of_pocket"][every] = np.where(every % 20 == 0, ten, six)
    household["other_annual_income"][every] = 0


def test_batch_medical_relief_is_exact_to_the_fen(registry):
    household, member = columns(HOUSEHOLDS, seed=31)
    with_half_fen_costs(household)
    batch = evaluate_batch(
        registry.get("hebei"), HouseholdFacts.from_columns(household, member), ON
    )
    ours = batch.amount("medical_relief").tolist()

    wages = [0] * HOUSEHOLDS
    ill = [False] * HOUSEHOLDS
    size = [0] * HOUSEHOLDS
    for h in member["household"].tolist():
        size[h] += 1
    for h, w, s in zip(
        member["household"].tolist(),
        member["monthly_income"].tolist(),
        member["serious_illness"].tolist(),
        strict=True,
    ):
        wages[h] += w
        ill[h] = ill[h] or s

    wrong, granted, half_fen = [], 0, 0
    for i in range(HOUSEHOLDS):
        cost_fen = int(household["medical_out_of_pocket"][i])
        income_fen = wages[i] * 12 + int(household["other_annual_income"][i])
        # ample income (6 x Hebei's 790 a month, per person) is never 特困 (RULES.md 1b)
        ample = income_fen >= 6 * 790_00 * 12 * size[i]
        if household["dibao_recipient"][i]:  # 全部收入 counts the 低保 top-up (Hebei's reading)
            income_fen += int(household["dibao_subsidy_per_capita"][i]) * size[i] * 12
        # a migrant worker settled 2 years and living mainly (at least half) on wages
        on_wages = 2 * wages[i] * 12 >= wages[i] * 12 + int(household["other_annual_income"][i])
        settled = not household["migrant_worker"][i] or (
            household["years_in_city"][i] >= 2 and on_wages
        )
        expected = hebei_medical_relief(
            Decimal(cost_fen) / 100,
            Decimal(income_fen) / 100,
            ill[i],
            bool(household["medical_in_catalog"][i]),
        )
        if not settled or ample:  # only a 特困职工, and a migrant worker settled 2 years
            expected = Decimal(0)
        if Decimal(ours[i]) / 100 != expected:
            wrong.append((i, cost_fen, income_fen, ours[i], expected))
        if expected:
            granted += 1
            percent = 10 if cost_fen < 2_000_000 else 8 if cost_fen < 5_000_000 else 6
            half_fen += cost_fen < 10_000_000 and cost_fen * percent % 100 == 50
    assert not wrong, f"{len(wrong)} households differ, e.g. {wrong[:5]}"
    # Not vacuous: many grants, including amounts that sit exactly on half a fen.
    assert granted > HOUSEHOLDS // 50
    assert half_fen > 200


def test_batch_amounts_are_integer_fen(registry):
    household, member = columns(2_000, seed=32)
    batch = evaluate_batch(
        registry.get("hebei"), HouseholdFacts.from_columns(household, member), ON
    )
    for programme in batch.grants:
        assert batch.amount(programme).dtype == np.int64


def test_fen_become_yuan_with_exactly_two_decimals():
    from decimal import Decimal

    import numpy as np

    from core.money import format_yuan, to_yuan

    for fen in (0, 5, -5, 99, 100, 240_000, np.int64(123_456_789), 2**62 + 1):
        yuan = to_yuan(fen)
        assert yuan.as_tuple().exponent == -2
        assert yuan * 100 == int(fen) and str(yuan) == format_yuan(fen)
    assert str(to_yuan(240_000)) == "2400.00" and to_yuan(0) == Decimal("0.00")
