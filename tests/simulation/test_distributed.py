"""The same simulation on a Dask cluster (a LocalCluster of two worker processes) gives
exactly the single-machine result.

Run in a child process: importing dask on Python < 3.12 installs the importlib_metadata
backport's finder for the whole process, and the registry loads of later tests must not
see it (see ``core/simulation/distributed.py``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.live import ROOT

SCRIPT = """
import json
from datetime import date
from core.registry import load_registry
from core.simulation.simulate import simulate
from core.simulation.synthetic import synthetic_population

registry = load_registry()  # before dask: the process's own registry
tenants = registry.ordered()
population = synthetic_population(3000, 8)
on = date(2026, 6, 1)
local = simulate(tenants, population, on)

import distributed
from core.simulation.distributed import simulate_on_cluster

progress = []
with distributed.LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
) as cluster, distributed.Client(cluster) as client:
    chunks = list(population.chunks(400))  # more chunks than workers: several rounds
    remote = simulate_on_cluster(client, tenants, chunks, on, progress.append)
    pids = set(client.run(lambda: __import__("os").getpid()).values())
print(json.dumps({
    "same": remote.as_dict() == local.as_dict(),
    "workers": len(pids),
    "progress": sum(progress),
    "cost": sum(t.yearly_cost for t in remote.tenants),
    "remote": remote.as_dict()["tenants"][2]["yearlyCostFen"],
    "local": local.as_dict()["tenants"][2]["yearlyCostFen"],
}))
"""


def test_two_workers_give_the_local_result_to_the_fen():
    if importlib.util.find_spec("distributed") is None:  # never import it here
        pytest.skip("dask.distributed is not installed")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["workers"] == 2
    assert result["same"], result
    assert result["progress"] == 3000
    assert result["cost"] > 0
