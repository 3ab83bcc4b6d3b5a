"""National simulation throughput: 1,000,000 households under every tenant, end to end.

* **in memory**: facts from columns (:meth:`HouseholdFacts.from_columns`) and every
  tenant's evaluation and totals (:func:`core.simulation.simulate.simulate`), median of
  :data:`RUNS` (the median); the figure is households x tenants per second, the target is the whole
  simulation in 10 s or less.
* **streamed**: the same population written to Parquet and read back in chunks of
  250,000 households (:func:`stream_population`): the larger-than-memory path, with the
  same totals required.
* **Dask**: the same simulation on a ``LocalCluster`` of two worker processes, in a child
  process (dask's import must not reach this process's registry loads, see
  ``core/simulation/distributed.py``); its totals must equal the in-memory ones.

``BANGFU_BENCH_SIM_HOUSEHOLDS`` changes the population size.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from core.registry import load_registry
from core.simulation.population import Population, stream_population, write_population
from core.simulation.simulate import simulate, simulate_chunks
from core.simulation.synthetic import synthetic_columns
from tests.benchmarks import ROOT, median, row

HOUSEHOLDS = int(os.environ.get("BANGFU_BENCH_SIM_HOUSEHOLDS", 1_000_000))
RUNS = 3
SEED = 2026
ON = date(2026, 6, 1)
TARGET_S = 10.0

DASK_SCRIPT = """
import json, sys, time
from datetime import date
from core.registry import load_registry
from core.simulation.simulate import simulate
from core.simulation.synthetic import synthetic_population

n, seed = int(sys.argv[1]), int(sys.argv[2])
registry = load_registry()
tenants = registry.ordered()
population = synthetic_population(n, seed)
on = date(2026, 6, 1)
local = simulate(tenants, population, on).as_dict()

import distributed
from core.simulation.distributed import simulate_on_cluster

with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, distributed.Client(cluster) as client:
    client.run(lambda: None)
    start = time.perf_counter()
    remote = simulate_on_cluster(client, tenants, population.chunks(100_000), on).as_dict()
    seconds = time.perf_counter() - start
print(json.dumps({"same": remote == local, "seconds": seconds, "tenants": len(tenants)}))
"""


def _dask(n: int) -> dict[str, Any] | str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", DASK_SCRIPT, str(n), str(SEED)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except subprocess.TimeoutExpired:
        return "the Dask run took more than 15 minutes"
    if done.returncode != 0:
        return f"the Dask run failed: {done.stderr.strip()[-1500:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> list[dict[str, Any]]:
    n = HOUSEHOLDS
    registry = load_registry()
    tenants = registry.ordered()
    k = len(tenants)
    household, member, weight = synthetic_columns(n, SEED)
    persons = len(member["household"])
    seconds = []
    result = None
    for _ in range(RUNS):
        result = None
        start = time.perf_counter()
        population = Population.from_columns(household, member, weight)
        result = simulate(tenants, population, ON, chunk=n)
        seconds.append(time.perf_counter() - start)
        del population
    middle = median(seconds)
    assert result is not None
    local = result.as_dict()
    rows = [
        row(
            f"{n:,} households x {k} tenants, in memory (median of {RUNS})",
            None,
            "households x tenants/s",
            rounds=[n * k / s for s in seconds],
            target=f"whole run <= {TARGET_S:.0f} s",
            met=middle <= TARGET_S,
            note=(
                f"{middle:.2f} s (median) for facts from columns + evaluation + totals of every tenant "
                f"({', '.join(t.code for t in tenants)}); {persons:,} members; runs "
                + ", ".join(f"{s:.2f}" for s in seconds)
            ),
        ),
        row(
            "in memory, whole simulation (median)",
            None,
            "s",
            rounds=seconds,
            target=f"<= {TARGET_S:.0f} s",
            met=middle <= TARGET_S,
        ),
    ]
    with tempfile.TemporaryDirectory(prefix="bangfu-sim-") as tmp:
        path = write_population(Path(tmp) / "population.parquet", household, member, weight)
        size_mb = path.stat().st_size / 2**20
        del household, member
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        streamed = simulate_chunks(tenants, stream_population(path, chunk=250_000), ON)
        stream_s = time.perf_counter() - start
    same = streamed.as_dict()["tenants"] == local["tenants"]
    rows.append(
        row(
            "streamed from Parquet in chunks of 250,000",
            n * k / stream_s,
            "households x tenants/s",
            target="same totals as in memory",
            met=same,
            note=f"{stream_s:.2f} s; file {size_mb:.0f} MiB; peak RSS {rss_before:.0f} MiB before streaming",
        )
    )
    dask = _dask(n)
    if isinstance(dask, str):
        rows.append(row("Dask LocalCluster, 2 workers", None, "", met=False, note=dask))
    else:
        rows.append(
            row(
                "Dask LocalCluster, 2 workers (chunks of 100,000)",
                n * dask["tenants"] / dask["seconds"],
                "households x tenants/s",
                target="same totals as the local run",
                met=bool(dask["same"]),
                note=f"{dask['seconds']:.2f} s on the cluster; identical to the local run: {dask['same']}",
            )
        )
    return rows
