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

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from core.registry import Tenant, load_registry
from core.simulation.population import Population
from core.simulation.simulate import SimulationResult, TenantTotals, empty_totals, totals_of

IN_FLIGHT_PER_WORKER = 2


@cache
def _tenants(codes: tuple[str, ...]) -> tuple[Tenant, ...]:
    registry = load_registry(only=list(codes))
    return tuple(registry.get(c) for c in codes)


def chunk_totals(codes: tuple[str, ...], chunk: Population, on: date) -> list[TenantTotals]:
    """What a worker computes: the chunk's totals under each tenant (in ``codes`` order)."""
    return [totals_of(t, chunk, on) for t in _tenants(codes)]


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
    client = Client(scheduler) if own else scheduler
    try:
        codes = tuple(t.code for t in tenants)
        totals = {t.code: empty_totals(t) for t in tenants}
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * IN_FLIGHT_PER_WORKER
        pending = as_completed()
        sizes: dict[str, int] = {}

        def collect(future: Any) -> None:
            for part in future.result():
                totals[part.tenant].add(part)
            if progress:
                progress(sizes.pop(future.key))
            future.release()

        for chunk in chunks:
            future = client.submit(chunk_totals, codes, chunk, on, pure=False)
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
