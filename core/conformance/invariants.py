"""Invariants every tenant must keep, whatever its rules.

Each invariant looks at a tenant (its parameters, programmes, and its evaluations of a
reproducible sample of households) and returns the problems it finds. ``bangfu check``
and the pytest suite both run them for every discovered tenant, bundled or external.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from core.conformance.generate import households
from core.evaluation import Evaluation, evaluate, evaluate_many
from core.model import Household, TenantLevel
from core.registry import NATIONAL_PROGRAMMES, Tenant

NATIONAL_GROUPS = {
    "dibao_underemployed",
    "below_dibao_uncovered",
    "sudden_expense",
    "migrant_worker",
    "restructuring_laid_off",
}
NATIONAL_MEASURES = {
    "employment",
    "social_insurance",
    "medical_insurance",
    "social_assistance",
    "skills_training",
    "startup_aid",
    "sunshine_employment",
    "medical_mutual_aid",
    "golden_autumn_education",
    "one_to_one_pairing",
    "warmth_delivery",
}
UTILITIES = {"water", "gas", "heating", "electricity"}
SAMPLE_SIZE = 150
SAMPLE_DATE = date(2026, 6, 1)


@dataclass(frozen=True)
class Sample:
    households: list[Household]
    evaluations: list[Evaluation]


@cache
def _households() -> tuple[Household, ...]:
    return tuple(households(SAMPLE_SIZE, seed=7))


_SAMPLES: dict[tuple[int, str], Sample] = {}


def sample(tenant: Tenant) -> Sample:
    key = (id(tenant), tenant.ruleset)
    if key not in _SAMPLES:
        hh = list(_households())
        _SAMPLES[key] = Sample(hh, [evaluate(tenant, h, SAMPLE_DATE) for h in hh])
    return _SAMPLES[key]


@dataclass(frozen=True)
class Invariant:
    name: str
    description: str
    check: Callable[[Tenant], list[str]]


def _every_parameter_sourced(tenant: Tenant) -> list[str]:
    problems = []
    for name, definitions in tenant.parameter_table.chains.items():
        for d in definitions:
            if not d.description:
                problems.append(f"{name} ({d.defined_by}) has no description")
            for v in d.values:
                if not v.source.strip():
                    problems.append(
                        f"{name} ({d.defined_by}) value of {v.effective_from} has no source"
                    )
    return problems


def _own_dibao_standard(tenant: Tenant) -> list[str]:
    if tenant.info.level is TenantLevel.NATIONAL:
        return []
    p = tenant.parameter_table.resolve("dibao.standard_monthly", SAMPLE_DATE)
    if p.defined_by == "national":
        return [
            "dibao.standard_monthly falls back to the national average; a province or city "
            "must set its own 低保标准 (with 'overrides: true')"
        ]
    return []


def _amounts_never_negative(tenant: Tenant) -> list[str]:
    return [
        f"household {i}: {e.programme} amount {e.amount}"
        for i, ev in enumerate(sample(tenant).evaluations)
        for e in ev.entitlements
        if e.amount is not None and e.amount < 0
    ]


def _entitlements_explained(tenant: Tenant) -> list[str]:
    problems = []
    for i, ev in enumerate(sample(tenant).evaluations):
        for e in ev.entitlements:
            if not e.basis.strip():
                problems.append(f"household {i}: {e.programme} has no basis")
            if e.amount is not None and not any(
                s.startswith(("参数 ", "parameter ")) for s in e.explanation
            ):
                problems.append(f"household {i}: {e.programme} amount does not name its parameters")
    return problems


def _medical_relief_needs_cost_above_income(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    problems = []
    for i, (h, ev) in enumerate(zip(s.households, s.evaluations, strict=True)):
        if ev.entitlement("medical_relief") and h.annual_medical_out_of_pocket <= h.annual_income:
            problems.append(
                f"household {i}: medical_relief granted with cost {h.annual_medical_out_of_pocket} "
                f"<= income {h.annual_income}"
            )
    return problems


def _eligibility_consistent(tenant: Tenant) -> list[str]:
    problems = []
    for i, ev in enumerate(sample(tenant).evaluations):
        if ev.eligible and (not ev.category or not ev.reasons):
            problems.append(f"household {i}: eligible without a category and a reason")
        if not ev.eligible and ev.category:
            problems.append(f"household {i}: not eligible but category {ev.category}")
    return problems


def _vocabulary(tenant: Tenant) -> list[str]:
    problems = []
    for p in tenant.programmes:
        if p.code not in NATIONAL_PROGRAMMES and "." not in p.code:
            problems.append(f"programme {p.code} is neither national nor '<tenant>.<code>'")
    for u in tenant.utilities:
        if u.utility not in UTILITIES:
            problems.append(f"utility {u.utility} is not in the national vocabulary")
    for i, ev in enumerate(sample(tenant).evaluations):
        for g in set(ev.groups) - NATIONAL_GROUPS:
            problems.append(f"household {i}: group {g} is not a national target group")
        for m in set(ev.measures) - NATIONAL_MEASURES:
            problems.append(f"household {i}: measure {m} is not a national measure")
    return problems[:20]


def _budget_consistent(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    problems = []
    for i, (h, ev) in enumerate(zip(s.households, s.evaluations, strict=True)):
        b = ev.budget
        if b.annual_income != h.annual_income or b.annual_expenses != h.expenses.total:
            problems.append(f"household {i}: budget does not add up the household's figures")
        if b.gap != max(b.annual_expenses - b.annual_income, 0):
            problems.append(f"household {i}: gap {b.gap} is not spending minus income")
    return problems


def _batch_equals_single(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    batch = evaluate_many(tenant, s.households, SAMPLE_DATE)
    return [
        f"household {i}: batch {b.comparable()} != single {e.comparable()}"
        for i, (b, e) in enumerate(zip(batch, s.evaluations, strict=True))
        if b.comparable() != e.comparable()
    ][:5]


def _deterministic(tenant: Tenant) -> list[str]:
    s = sample(tenant)
    again = [evaluate(tenant, h, SAMPLE_DATE) for h in s.households[:30]]
    return [
        f"household {i}: a second evaluation differs"
        for i, (a, b) in enumerate(zip(again, s.evaluations, strict=False))
        if a != b
    ]


def _workflow_conforms(tenant: Tenant) -> list[str]:
    from core.workflow.conformance import check_tenant_workflow

    return check_tenant_workflow(tenant)


def _guards_exercised(tenant: Tenant) -> list[str]:
    """Every guard of the tenant's procedure refuses in at least one scenario.

    A procedure inherited unchanged (demo_city uses Hebei's) counts the scenarios run
    under the ancestor that declares it too: the guard is the same, and may be one the
    child's own eligibility can never trip (Hebei's quota on criterion f).
    """
    from core.conformance.cases import cases_for
    from core.conformance.scenarios import Scenario, run_scenario
    from core.registry import build_tenant
    from core.workflow.engine import Workflow, procedure_of

    procedure = procedure_of(tenant)
    if procedure is None:
        return []
    flow = Workflow.for_tenant(tenant)
    needed = {
        (action.name, guard.kind)
        for action in procedure.actions
        for guard in flow.guards_of(action)
    }
    sharing = [tenant] + [
        ancestor
        for ancestor in (build_tenant(tenant.stack[:k]) for k in range(1, len(tenant.stack)))
        if procedure_of(ancestor) is procedure
    ]
    seen: set[tuple[str, str]] = set()
    for member in sharing:
        for scenario in cases_for(member):
            if isinstance(scenario, Scenario):
                seen |= run_scenario(scenario, member).refused_by
    return [
        f"no scenario shows guard {kind} refusing '{action}'"
        for action, kind in sorted(needed - seen)
    ]


INVARIANTS = [
    Invariant(
        "parameters-sourced",
        "every parameter value has a source and a date",
        _every_parameter_sourced,
    ),
    Invariant(
        "own-dibao-standard", "every province and city sets its own 低保标准", _own_dibao_standard
    ),
    Invariant("amounts-non-negative", "no amount is ever negative", _amounts_never_negative),
    Invariant(
        "entitlements-explained",
        "every entitlement has a basis, and every amount names the parameters it used",
        _entitlements_explained,
    ),
    Invariant(
        "medical-relief-needs-cost-above-income",
        "medical relief is never granted when the cost does not exceed the annual income",
        _medical_relief_needs_cost_above_income,
    ),
    Invariant(
        "eligibility-consistent",
        "an eligible household has a category and a reason; an ineligible one has neither",
        _eligibility_consistent,
    ),
    Invariant("vocabulary", "codes come from the national vocabulary or are prefixed", _vocabulary),
    Invariant("budget-consistent", "the household accounts add up", _budget_consistent),
    Invariant(
        "batch-equals-single", "batch evaluation gives the single results", _batch_equals_single
    ),
    Invariant("deterministic", "the same household gives the same evaluation", _deterministic),
    Invariant(
        "workflow-conforms",
        "every status reachable, no dead end, every guard from the tested library",
        _workflow_conforms,
    ),
    Invariant(
        "guards-exercised",
        "every guard of the procedure is shown refusing in a workflow scenario",
        _guards_exercised,
    ),
]
