"""A synthetic population, reproducible from a seed, for demonstrations and tests.

**Illustrative only.** The regional income figures below are plausible orders of
magnitude chosen for demonstrations; no seed document gives them, and no statistic is
claimed. Every other attribute (members, illness, schooling, 低保 ...) comes from the
conformance generator (:func:`core.conformance.generate.columns`), whose values are
chosen to hit the rules' edges.

Wages of working-age adults are drawn from a log-normal distribution with the region's
illustrative median monthly wage; the same ``(size, seed, region)`` always gives the same
population, to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.conformance.generate import columns
from core.facts import RELATION_CODES
from core.model import Relation
from core.simulation.population import Population


@dataclass(frozen=True)
class IncomeDistribution:
    region: str
    median_monthly_wage_yuan: int
    sigma: float  #: spread of log wages
    zero_share: float  #: adults without wages
    note: str = "illustrative: chosen for demonstrations, not a published statistic"


#: Illustrative monthly wage distributions of adults in the households of each region.
DISTRIBUTIONS = {
    "national": IncomeDistribution("national", 2600, 0.75, 0.30),
    "hebei": IncomeDistribution("hebei", 2400, 0.70, 0.30),
    "gansu": IncomeDistribution("gansu", 1900, 0.70, 0.35),
    "demo_city": IncomeDistribution("demo_city", 3000, 0.80, 0.25),
}


def distribution(region: str) -> IncomeDistribution:
    return DISTRIBUTIONS.get(region, DISTRIBUTIONS["national"])


def synthetic_columns(
    size: int, seed: int = 2026, region: str = "national"
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """``(household columns, member columns, weights)`` of a synthetic population."""
    household, member = columns(size, seed)
    dist = distribution(region)
    rng = np.random.default_rng([seed, 7919])
    total = len(member["household"])
    adult = member["relation"] != RELATION_CODES[Relation.CHILD]
    wage_yuan = np.exp(rng.normal(np.log(dist.median_monthly_wage_yuan), dist.sigma, total))
    wage_fen = np.minimum(np.rint(wage_yuan) * 100, 5_000_000).astype(np.int64)
    earns = adult & (rng.random(total) >= dist.zero_share)
    member["monthly_income"] = np.where(earns, wage_fen, 0).astype(np.int64)
    # each household stands for 1 to 20 real ones (a survey's weights)
    weight = rng.integers(1, 21, size).astype(np.int64)
    return household, member, weight


def synthetic_population(size: int, seed: int = 2026, region: str = "national") -> Population:
    household, member, weight = synthetic_columns(size, seed, region)
    return Population.from_columns(household, member, weight)
