"""The cliff finder: one household, its income swept, under each tenant.

The household's monthly wages (all members together) run from ``start`` to ``stop`` in
``step`` (fen); everything else about it stays. For each tenant and each step the sweep
records eligibility and every programme's yearly amount; a *cliff* is a step where
eligibility or a programme is lost, or where the yearly help drops by more than the
yearly wages rose (earning more leaves the household worse off).

The sweep is one batch evaluation per tenant: the household's facts repeated once per
step, with only wages and annual income changed (exact integers throughout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from core.errors import BAD_INPUT, BangfuError
from core.evaluation import evaluate_batch
from core.facts import HouseholdFacts
from core.model import Household
from core.registry import Tenant
from core.simulation.simulate import yearly

MAX_STEPS = 2_000


@dataclass(frozen=True)
class Cliff:
    wages: int  #: monthly wages (fen) at which the loss happens
    what: str  #: "eligibility" or a programme code
    before: int  #: yearly fen just below (1 for eligibility)
    after: int  #: yearly fen at ``wages``


@dataclass
class Sweep:
    tenant: str
    name: str
    wages: list[int]  #: fen per month at each step
    eligible: list[bool]
    total: list[int]  #: yearly fen of help at each step
    programmes: dict[str, list[int]] = field(default_factory=dict)
    cliffs: list[Cliff] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "name": self.name,
            "wagesFen": self.wages,
            "eligible": self.eligible,
            "totalYearlyFen": self.total,
            "programmes": self.programmes,
            "cliffs": [c.__dict__ for c in self.cliffs],
        }


def swept_facts(household: Household, wages: np.ndarray) -> HouseholdFacts:
    """The household's facts once per wage level, only wages and annual income changed."""
    from core.simulation.population import HOUSEHOLD_FIELDS, MEMBER_ARRAYS

    base = HouseholdFacts.of(household)
    n = len(wages)
    other = int(base.annual_income[0] - base.monthly_wages[0] * 12)
    values: dict[str, Any] = {name: np.repeat(getattr(base, name), n) for name in HOUSEHOLD_FIELDS}
    for name in MEMBER_ARRAYS:
        values[name] = np.tile(getattr(base, name), n)
    people = len(base.member_household)
    values["member_household"] = np.repeat(np.arange(n, dtype=np.int64), people)
    values["monthly_wages"] = wages.astype(np.int64)
    values["annual_income"] = wages.astype(np.int64) * 12 + other
    return HouseholdFacts(size=n, **values)


def sweep(
    tenants: list[Tenant], household: Household, on: date, start: int, stop: int, step: int
) -> list[Sweep]:
    if step <= 0 or stop < start or (stop - start) // step + 1 > MAX_STEPS:
        raise BangfuError(
            BAD_INPUT,
            f"sweep from {start} to {stop} by {step} fen: need step > 0 and at most {MAX_STEPS} steps",
            f"收入扫描区间或步长有误(步长须大于0,至多{MAX_STEPS}步)",
        )
    wages = np.arange(start, stop + 1, step, dtype=np.int64)
    facts = swept_facts(household, wages)
    out = []
    for tenant in tenants:
        batch = evaluate_batch(tenant, facts, on)
        programmes = {p.code: yearly(tenant, batch, p.code) for p in tenant.programmes}
        granted = {
            p.code: np.asarray(batch.grants[p.code].granted, bool) for p in tenant.programmes
        }
        total = sum(programmes.values(), np.zeros(len(wages), dtype=np.int64))
        s = Sweep(
            tenant.code,
            tenant.info.name,
            wages.tolist(),
            batch.eligible.tolist(),
            total.tolist(),
            {c: a.tolist() for c, a in programmes.items()},
        )
        for i in range(1, len(wages)):
            if batch.eligible[i - 1] and not batch.eligible[i]:
                s.cliffs.append(Cliff(int(wages[i]), "eligibility", 1, 0))
            for code, amounts in programmes.items():
                if granted[code][i - 1] and not granted[code][i]:
                    s.cliffs.append(
                        Cliff(int(wages[i]), code, int(amounts[i - 1]), int(amounts[i]))
                    )
            drop = int(total[i - 1] - total[i])
            if drop > int(wages[i] - wages[i - 1]) * 12 and not any(
                c.wages == int(wages[i]) and c.what != "eligibility" for c in s.cliffs
            ):
                s.cliffs.append(Cliff(int(wages[i]), "total", int(total[i - 1]), int(total[i])))
        out.append(s)
    return out
