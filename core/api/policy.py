"""Published policy, open to anyone: tenants, their parameters, and what their rules say
about a household (``evaluate``, ``compare``).

These functions know the registry and the engine, not GraphQL; :mod:`core.api.schema`
wires them to the contract's fields. No personal data is kept: a household is evaluated
and forgotten.
"""

from __future__ import annotations

from datetime import date

from core.api.limits import check_tenant_list
from core.api.types import Label, Parameter, Tenant
from core.errors import PLUGIN_ERROR, BangfuError
from core.evaluation import Evaluation, evaluate, evaluate_batch
from core.facts import HouseholdFacts
from core.model import Household
from core.registry import Registry


def tenants(registry: Registry) -> list[Tenant]:
    """Every tenant, national first, then each province followed by its cities."""
    return [Tenant.of(t) for t in registry.ordered()]


def tenant(registry: Registry, code: str) -> Tenant | None:
    """One tenant, or None when no tenant has that code."""
    found = registry.tenants.get(code)
    return Tenant.of(found) if found is not None else None


def parameters(registry: Registry, code: str, on: date) -> list[Parameter]:
    """Every parameter in force for the tenant on the date, by name, with who set it."""
    table = registry.get(code).parameter_table
    return [Parameter.of(p) for p in table.resolve_all(on).values()]


def evaluate_one(
    registry: Registry, code: str, household: Household, on: date, explain: bool = True
) -> Evaluation:
    """What the tenant's rules say about the household on the date; without ``explain`` no
    entitlement's explanation is built (it is empty), which a query not selecting it never
    shows."""
    return evaluate(registry.get(code), household, on, explain=explain)


def compare(
    registry: Registry,
    household: Household,
    codes: list[str] | None,
    on: date,
    explain: bool = True,
) -> list[Evaluation]:
    """The same household under several tenants' rules.

    Without ``codes``: every province and city, in the registry's stable order. With
    ``codes``: those tenants, in the order given; an unknown code is ``NOT_FOUND`` before
    anything is evaluated.
    """
    answers, failures = compare_each(registry, household, codes, on, explain)
    if failures:
        raise failures[0][1]
    return answers


def compare_each(
    registry: Registry,
    household: Household,
    codes: list[str] | None,
    on: date,
    explain: bool = True,
) -> tuple[list[Evaluation], list[tuple[str, BangfuError]]]:
    """As :func:`compare`, but a tenant whose rules fail (``PLUGIN_ERROR``) does not fail
    the others: the evaluations of those that answered, and ``(tenant, error)`` for each
    that did not. An unknown code is still refused before anything is evaluated."""
    check_tenant_list(codes)
    chosen = registry.regional() if codes is None else [registry.get(c) for c in codes]
    answers, failures = [], []
    facts = HouseholdFacts.of(household)  # once: each tenant's evaluation copies what it adds
    for t in chosen:
        try:
            answers.append(evaluate_batch(t, facts, on, explain=explain).evaluation(0))
        except BangfuError as exc:
            if exc.code != PLUGIN_ERROR:
                raise
            failures.append((t.code, exc))
    return answers, failures


def labels(registry: Registry, code: str, on: date) -> list[Label]:
    """The Chinese label of every code the tenant's answers can show (issue 7, labels)."""
    from core.labels import labels_for

    return [Label.of(item) for item in labels_for(registry.get(code), on)]
