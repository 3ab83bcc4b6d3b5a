"""Simulations as jobs (:mod:`core.jobs`): the work ``startSimulation`` queues, rebuilt by
whichever worker takes it from the job's parameters alone.

``simulation``: ``{households, seed, region, asOf, tenants}`` (tenants empty: all).
``reform``: ``{households, seed, region, asOf, reform}`` (the reform as
:meth:`core.simulation.reforms.Reform.from_data` reads it, its tenant set).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from core.jobs.kinds import JobContext

CHUNK = 100_000


def _population(params: dict[str, Any]) -> Any:
    from core.simulation.synthetic import synthetic_population

    return synthetic_population(params["households"], params["seed"], params["region"])


def simulation_params(
    households: int, seed: int, region: str, on: date, tenants: list[str]
) -> dict[str, Any]:
    return {
        "households": households,
        "seed": seed,
        "region": region,
        "asOf": on.isoformat(),
        "tenants": tenants,
    }


def reform_params(households: int, seed: int, region: str, on: date, reform: Any) -> dict[str, Any]:
    params = simulation_params(households, seed, region, on, [])
    params["reform"] = asdict(reform)
    return params


def simulation(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    from core.simulation.simulate import simulate

    registry = context.registry
    codes = params["tenants"]
    tenants = [registry.get(c) for c in codes] if codes else registry.ordered()
    source = (
        f"synthetic, seed {params['seed']}, {params['households']} households, "
        f"{params['region']} (illustrative)"
    )
    result = simulate(
        tenants,
        _population(params),
        date.fromisoformat(params["asOf"]),
        chunk=CHUNK,
        progress=lambda n: context.progress(n * len(tenants)),
        source=source,
    )
    return result.as_dict()


def reform(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    from core.simulation.reforms import Reform, compare, reformed_tenant

    registry = context.registry
    changes = Reform.from_data(
        {k: v for k, v in params["reform"].items() if v is not None and v != ""}
    )
    base = registry.get(params["reform"]["tenant"])  # set when it was queued
    changed = reformed_tenant(base, changes, registry)
    result = compare(
        base,
        changed,
        _population(params),
        date.fromisoformat(params["asOf"]),
        changes.name,
        CHUNK,
        context.progress,
    )
    return result.as_dict()
