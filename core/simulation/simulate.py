"""Population simulation: a weighted population under every tenant's rules on a date.

For each tenant the result counts, with weights, the households and people

* eligible (the tenant's determination) and covered (granted at least one programme);
* in each national target group;

and gives each programme's yearly cost (a monthly amount counts twelve times, a yearly or
one-off amount once), overall and by national group. Every figure is an integer (fen,
households, people): totals of chunks add up exactly, so a population evaluated at once,
in chunks from a file, or on a Dask cluster gives the same result to the fen.

Each tenant's result carries the rule set and the plugin and parameter versions it was
computed with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from core.evaluation import BatchEvaluation, evaluate_batch
from core.model import BENEFIT_FORMS, BenefitForm, PayPeriod
from core.registry import Tenant
from core.simulation.population import DEFAULT_CHUNK, Population

#: Payments a year for each pay period: how a programme's amount becomes a yearly cost.
PER_YEAR = {PayPeriod.MONTHLY: 12, PayPeriod.YEARLY: 1, PayPeriod.ONCE: 1}


def yearly(tenant: Tenant, batch: BatchEvaluation, code: str) -> np.ndarray:
    """Fen a year granted under programme ``code`` to each household."""
    programme = next(p for p in tenant.programmes if p.code == code)
    return batch.amount(code).astype(np.int64) * PER_YEAR[programme.period]


@dataclass
class ProgrammeTotals:
    code: str
    name: str
    period: str
    basis: str
    households: int = 0  #: weighted households granted
    people: int = 0
    yearly_cost: int = 0  #: fen
    #: what it gives (core.model.BenefitForm): only fund forms are the union's spending
    form: str = BenefitForm.FUND_CASH.value

    @property
    def from_fund(self) -> bool:
        return BENEFIT_FORMS[BenefitForm(self.form)][2]


@dataclass
class GroupTotals:
    code: str
    households: int = 0
    people: int = 0
    covered_households: int = 0
    yearly_cost: dict[str, int] = field(default_factory=dict)  #: fen, by programme

    @property
    def total_cost(self) -> int:
        return sum(self.yearly_cost.values())


@dataclass
class TenantTotals:
    """One tenant's totals over a population (or a part of it: parts add up)."""

    tenant: str
    name: str
    ruleset: str
    plugin_versions: dict[str, str]
    provisional: bool = False
    households: int = 0  #: weighted households simulated
    people: int = 0
    eligible_households: int = 0
    eligible_people: int = 0
    covered_households: int = 0
    covered_people: int = 0
    programmes: dict[str, ProgrammeTotals] = field(default_factory=dict)
    groups: dict[str, GroupTotals] = field(default_factory=dict)
    #: every parameter value read: name -> (value, defined by, in force from, source,
    #: provisional)
    parameters: dict[str, tuple[Any, str, str, str, bool]] = field(default_factory=dict)

    @property
    def yearly_cost(self) -> int:
        """The union's spending (fen a year): cash and goods from its funds only; a tax
        relief, a waived fee or a referral costs another office, never the fund."""
        return sum(p.yearly_cost for p in self.programmes.values() if p.from_fund)

    @property
    def by_form(self) -> dict[str, int]:
        """Fen a year by form: fund cash, fund in kind, tax expenditure, waived fees,
        referrals, each apart."""
        out = {form.value: 0 for form in BenefitForm}
        for p in self.programmes.values():
            out[p.form] += p.yearly_cost
        return out

    def add(self, other: TenantTotals) -> None:
        self.provisional |= other.provisional
        for name in (
            "households",
            "people",
            "eligible_households",
            "eligible_people",
            "covered_households",
            "covered_people",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, p in other.programmes.items():
            mine = self.programmes.setdefault(
                code, ProgrammeTotals(p.code, p.name, p.period, p.basis, form=p.form)
            )
            mine.households += p.households
            mine.people += p.people
            mine.yearly_cost += p.yearly_cost
        for code, g in other.groups.items():
            mine_g = self.groups.setdefault(code, GroupTotals(code))
            mine_g.households += g.households
            mine_g.people += g.people
            mine_g.covered_households += g.covered_households
            for p_code, fen in g.yearly_cost.items():
                mine_g.yearly_cost[p_code] = mine_g.yearly_cost.get(p_code, 0) + fen
        for name, value in other.parameters.items():
            self.parameters.setdefault(name, value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "name": self.name,
            "ruleset": self.ruleset,
            "pluginVersions": self.plugin_versions,
            "provisional": self.provisional,
            "households": self.households,
            "people": self.people,
            "eligibleHouseholds": self.eligible_households,
            "eligiblePeople": self.eligible_people,
            "coveredHouseholds": self.covered_households,
            "coveredPeople": self.covered_people,
            "yearlyCostFen": self.yearly_cost,
            "yearlyCostByFormFen": self.by_form,
            "programmes": [
                {
                    "code": p.code,
                    "name": p.name,
                    "period": p.period,
                    "basis": p.basis,
                    "households": p.households,
                    "people": p.people,
                    "yearlyCostFen": p.yearly_cost,
                    "form": p.form,
                }
                for p in self.programmes.values()
            ],
            "groups": [
                {
                    "code": g.code,
                    "households": g.households,
                    "people": g.people,
                    "coveredHouseholds": g.covered_households,
                    "yearlyCostFen": g.total_cost,
                    "byProgramme": dict(g.yearly_cost),
                }
                for g in self.groups.values()
            ],
            "parameters": [
                {
                    "name": n,
                    "value": v[0],
                    "definedBy": v[1],
                    "effectiveFrom": v[2],
                    "source": v[3],
                    "provisional": v[4],
                }
                for n, v in sorted(self.parameters.items())
            ],
        }


def empty_totals(tenant: Tenant) -> TenantTotals:
    totals = TenantTotals(
        tenant=tenant.code,
        name=tenant.info.name,
        ruleset=tenant.ruleset,
        plugin_versions=dict(tenant.plugin_versions),
    )
    for p in tenant.programmes:
        totals.programmes[p.code] = ProgrammeTotals(
            p.code, p.name, p.period.value, p.basis, form=p.form.value
        )
    return totals


def totals_of(tenant: Tenant, population: Population, on: date) -> TenantTotals:
    """One tenant's totals over ``population`` (evaluated as one batch)."""
    batch = evaluate_batch(tenant, population.facts, on)
    return totals_of_batch(tenant, batch, population)


def totals_of_batch(tenant: Tenant, batch: BatchEvaluation, population: Population) -> TenantTotals:
    w = population.weight
    members = population.facts.members
    people_w = w * members
    totals = empty_totals(tenant)
    totals.provisional = bool(batch.provisional)
    totals.households = int(w.sum())
    totals.people = int(people_w.sum())
    totals.eligible_households = int(w[batch.eligible].sum())
    totals.eligible_people = int(people_w[batch.eligible].sum())
    covered = np.zeros(batch.size, dtype=bool)
    costs: dict[str, np.ndarray] = {}
    for p in tenant.programmes:
        granted = np.asarray(batch.grants[p.code].granted, dtype=bool)
        covered |= granted
        per_household = yearly(tenant, batch, p.code) * w
        costs[p.code] = per_household
        t = totals.programmes[p.code]
        t.households = int(w[granted].sum())
        t.people = int(people_w[granted].sum())
        t.yearly_cost = int(per_household.sum())
    totals.covered_households = int(w[covered].sum())
    totals.covered_people = int(people_w[covered].sum())
    for code, mask in batch.groups.items():
        g = totals.groups[code] = GroupTotals(code)
        g.households = int(w[mask].sum())
        g.people = int(people_w[mask].sum())
        g.covered_households = int(w[mask & covered].sum())
        g.yearly_cost = {p: int(c[mask].sum()) for p, c in costs.items()}
    for used in batch.parameters_used:
        totals.parameters[used.name] = (
            used.json_value(),
            used.defined_by,
            used.effective_from.isoformat(),
            used.source,
            used.provisional,
        )
    return totals


@dataclass
class SimulationResult:
    """Every tenant's totals for one population on one date."""

    on: date
    tenants: list[TenantTotals]
    source: str = ""  #: what the population was ("synthetic seed 2026 ...", a file name)

    def tenant(self, code: str) -> TenantTotals:
        return next(t for t in self.tenants if t.tenant == code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asOf": self.on.isoformat(),
            "source": self.source,
            "tenants": [t.as_dict() for t in self.tenants],
        }


def simulate_chunks(
    tenants: Sequence[Tenant],
    chunks: Iterable[Population],
    on: date,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> SimulationResult:
    """Every tenant over a population given in chunks (their totals are added)."""
    totals = {t.code: empty_totals(t) for t in tenants}
    for chunk in chunks:
        for t in tenants:
            totals[t.code].add(totals_of(t, chunk, on))
        if progress:
            progress(chunk.size)
    return SimulationResult(on, [totals[t.code] for t in tenants], source)


def simulate(
    tenants: Sequence[Tenant],
    population: Population,
    on: date,
    chunk: int = DEFAULT_CHUNK * 4,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> SimulationResult:
    """Every tenant over an in-memory population (in chunks of ``chunk`` households)."""
    return simulate_chunks(tenants, population.chunks(chunk), on, progress, source)
