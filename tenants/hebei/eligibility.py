"""Who is 特困职工 in Hebei (003 一.1, criteria a-g)."""

from __future__ import annotations

import numpy as np

from core.plugin import Criterion, Eligibility

SOURCE = "003 冀工会 特困职工帮扶意见"
CATEGORY = "tekun"  # 特困职工


def criteria(household, parameters) -> list[Criterion]:
    h = household
    multiple = parameters.number("tekun.dibao_subsidy_multiple")
    num, den = multiple.as_integer_ratio()
    average = parameters.money("dibao.average_subsidy_monthly")
    return [
        Criterion(
            "a",
            "serious or chronic illness, and the year's out-of-pocket medical cost exceeds "
            "the household's whole income for the year",
            f"{SOURCE} 一.1(a)",
            (h.serious_illness > 0) & (h.medical_out_of_pocket > h.annual_income),
        ),
        Criterion(
            "b",
            "a child in full-time education beyond the compulsory stage whose fees the "
            "household cannot pay (spending exceeds income)",
            f"{SOURCE} 一.1(b)",
            (h.children_beyond_compulsory > 0) & (h.annual_expenses > h.annual_income),
        ),
        Criterion(
            "c",
            "zero-employment household: members able and willing to work, none employed",
            f"{SOURCE} 一.1(c)",
            (h.able_to_work > 0) & (h.employed == 0),
        ),
        Criterion(
            "d",
            "certified 三无 person (no capacity to work, no income, no legal supporter)",
            f"{SOURCE} 一.1(d)",
            h.three_no,
        ),
        Criterion(
            "e",
            "a disaster or accident destroyed major household property",
            f"{SOURCE} 一.1(e)",
            h.disaster_loss,
        ),
        Criterion(
            "f",
            f"per-capita 低保 top-up at least {multiple} times the local average top-up "
            "(admissions on this ground are capped at 5% of 低保 recipients)",
            f"{SOURCE} 一.1(f)",
            h.dibao_recipient & (h.dibao_subsidy_per_capita * den >= average * num),
        ),
    ]


def eligibility(household, parameters) -> Eligibility:
    """特困: one of criteria a-f (g, "other special hardship", needs a reviewer's written
    reason and is decided in the procedure, not here), and a migrant worker counts only
    when settled in the town for the required years."""
    h = household
    found = criteria(h, parameters)
    worker = ~h.migrant_worker | (
        h.years_in_city >= parameters.integer("migrant_worker.min_years_in_city")
    )
    met = np.zeros(h.size, dtype=bool)
    for c in found:
        met |= c.met
    return Eligibility(category=CATEGORY, criteria=found, eligible=met & worker)
