"""Jobs workers as real processes (``bangfu jobs worker``, with the tests' kind of job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live import ROOT, serving_url

#: Signs of life this often (seconds): a dead worker is noticed after three of them.
HEARTBEAT = "0.5"
#: ``bangfu jobs worker`` with the tests' kind of job known (tests/jobs/kinds.py)
WORKER = (
    "import sys, tests.jobs.kinds; from core.jobs.worker import run; "
    "run(sys.argv[1], registry=None)"
)


@pytest.fixture(autouse=True)
def quick_heartbeat(monkeypatch):
    """Workers (and the servers the tests start) beat every half second."""
    monkeypatch.setenv("BANGFU_JOBS_HEARTBEAT_SECONDS", HEARTBEAT)


@contextmanager
def jobs_worker(url: str, log: Path) -> Iterator[subprocess.Popen]:
    """A jobs worker process on ``url`` (on PostgreSQL as the serving role, as deployed),
    in a process group of its own, stopped on exit (it may have been killed before)."""
    env = {**os.environ, "BANGFU_TENANTS": "national,hebei,gansu,demo_city"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, serving_url(url)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
