"""The same simulation on a Dask cluster (``dask.distributed``).

Given a scheduler address, chunks of the population are sent to the workers, each worker
evaluates its chunk under every tenant and sends back the integer totals, and the totals
are added here. Addition of integers does not depend on the order, so the result is the
single-machine result, to the fen.

Workers load the tenant registry themselves, once per process (the same plugins must be
installed there: ``pip install bangfu`` and the tenant packages). At most
:data:`IN_FLIGHT_PER_WORKER` chunks per worker are in flight at any time, so a population
streamed from a file larger than memory stays bounded here too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from core.registry import Tenant, load_registry
from core.simulation.population import Population
from core.simulation.simulate import SimulationResult, TenantTotals, empty_totals, totals_of

IN_FLIGHT_PER_WORKER = 2


Spec = tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]


def spec_of(tenants: Sequence[Tenant]) -> Spec:
    """What a worker needs to rebuild the tenants: their codes, each plugin of their stacks
    as (name, module), and the rule sets the rebuilt tenants must have.

    Workers import the plugin modules by name instead of discovering entry points: on
    Python < 3.12 dask brings in the ``importlib_metadata`` backport, whose entry points
    :func:`core.registry.load_registry` does not take for entry points, and a worker's
    search path may not see an editable install's metadata at all.
    """
    plugins: dict[str, str] = {}
    for t in tenants:
        for record in t.stack:
            module = getattr(record.plugin, "__name__", None)
            if not isinstance(module, str):
                raise ValueError(
                    f"plugin {record.name} is not a module: it cannot be loaded on a worker"
                )
            plugins.setdefault(record.name, module)
    return (
        tuple(t.code for t in tenants),
        tuple(plugins.items()),
        tuple(t.ruleset for t in tenants),
    )


@cache
def _tenants(spec: Spec) -> tuple[Tenant, ...]:
    codes, plugins, rulesets = spec
    registry = load_registry(
        only=list(codes),
        plugins=[(name, importlib.import_module(module)) for name, module in plugins],
        use_entry_points=False,
    )
    if registry.problems:
        raise RuntimeError(f"the worker could not load every tenant: {registry.problems}")
    tenants = tuple(registry.get(c) for c in codes)
    for t, expected in zip(tenants, rulesets, strict=True):
        if t.ruleset != expected:
            raise RuntimeError(
                f"{t.code}: the worker has rule set {t.ruleset}, the client {expected}: "
                "install the same plugin versions on every worker"
            )
    return tenants


def chunk_totals(spec: Spec, chunk: Population, on: date) -> list[TenantTotals]:
    """What a worker computes: the chunk's totals under each tenant (in the spec's order)."""
    return [totals_of(t, chunk, on) for t in _tenants(spec)]


def simulate_on_cluster(
    scheduler: str | Any,
    tenants: Sequence[Tenant],
    chunks: Iterable[Population],
    on: date,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> SimulationResult:
    """Every tenant over the chunks, evaluated by the cluster at ``scheduler`` (an
    address such as ``tcp://10.0.0.5:8786``, or a ``distributed.Client``)."""
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client: Any = Client(scheduler) if own else scheduler
    try:
        spec = spec_of(tenants)
        codes = spec[0]
        totals = {t.code: empty_totals(t) for t in tenants}
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * IN_FLIGHT_PER_WORKER
        pending = as_completed()
        sizes: dict[Any, int] = {}

        def collect(future: Any) -> None:
            for part in future.result():
                totals[part.tenant].add(part)
            if progress:
                progress(sizes.pop(future.key))
            future.release()

        for chunk in chunks:
            future = client.submit(chunk_totals, spec, chunk, on, pure=False)
            sizes[future.key] = chunk.size
            pending.add(future)
            while pending.count() >= limit:
                collect(next(pending))
        for future in pending:
            collect(future)
        return SimulationResult(on, [totals[c] for c in codes], source)
    finally:
        if own:
            client.close()
