"""Jobs any host can run: queued through one server, run by a worker in another process,
read through yet another; a worker killed mid-job (SIGKILL, no goodbye) leaves a job that
is tried again, and failed after a second death, never RUNNING for ever. On PostgreSQL
(procrastinate's queue, workers as the serving role) and on SQLite (the local queue)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from core.auth.principal import Principal
from core.jobs import queue, store
from core.jobs.store import DONE, FAILED, RUNNING, Job
from tests.jobs.conftest import jobs_worker
from tests.jobs.kinds import STEPS
from tests.live import issue_tokens, live_server, serving_url

NATIONAL = Principal(user="acftu", tenant="national", role="national")
START = """
mutation($input: SimulationInput!) { startSimulation(input: $input) { id status total } }"""
JOB = "query($id: ID!) { simulationJob(id: $id) { status progress done total result error } }"


def until(read: Callable[[], Job | None], ok: Callable[[Job], bool], timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = read()
        if job is not None and ok(job):
            return job
        assert time.monotonic() < deadline, f"waited {timeout} s; the job is {job}"
        time.sleep(0.05)


def graphql(base: str, token: str, query: str, **variables: Any) -> Any:
    request = urllib.request.Request(
        base + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert not answer.get("errors"), answer
    return next(iter(answer["data"].values()))


def ran_by(job: Job, process: Any) -> bool:
    return (job.worker or "").endswith(f":{process.pid}")


def test_a_simulation_queued_through_one_server_runs_elsewhere_and_is_read_through_another(
    database_url, registry, tmp_path
):
    token = issue_tokens(database_url, [("national", "national", "acftu")])["acftu"]
    served = serving_url(database_url)
    postgres = database_url.startswith("postgresql")
    with (
        live_server(served, tmp_path / "a.log") as a,
        live_server(served, tmp_path / "b.log") as b,
        jobs_worker(database_url, tmp_path / "worker.log") as worker,
    ):
        given = {"households": 200_000, "seed": 3, "asOf": "2026-06-01", "tenants": ["hebei"]}
        started = graphql(a, token, START, input=given)
        assert started["status"] in ("QUEUED", "RUNNING") and started["total"] == 200_000
        deadline = time.monotonic() + 120
        while True:
            job = graphql(b, token, JOB, id=started["id"])  # the other server
            if job["status"] in ("DONE", "FAILED") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert job["status"] == "DONE", job
    assert job["progress"] == 1 and job["done"] == job["total"]
    assert job["result"]["tenants"][0]["tenant"] == "hebei"
    row = store.get(database_url, "national", started["id"])
    assert row is not None and row.attempts == 1
    assert row.worker != store.this_worker()  # not this process: a server or the worker
    if postgres:  # the queue's worker ran it, not a server
        assert ran_by(row, worker), row.worker


def test_a_killed_workers_job_is_tried_again_then_failed_never_running_for_ever(
    database_url, registry, tmp_path
):
    log = tmp_path / "workers.log"

    def queued(steps: int) -> str:
        params = {"steps": steps, "pause": 0.2}
        return queue.start(database_url, registry, NATIONAL, STEPS, params, steps, False).id

    def read(job_id: str) -> Callable[[], Job | None]:
        return lambda: store.get(database_url, "national", job_id)

    def kill(process: Any) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    short = queued(15)
    with jobs_worker(database_url, log) as first:
        # its progress, written by the worker, read here (any server reads it the same way)
        until(
            read(short), lambda j: j.status == RUNNING and 0 < j.progress < 1 and ran_by(j, first)
        )
        kill(first)
    time.sleep(2)  # longer than three heartbeats: only someone looking can tell
    assert read(short)().status == RUNNING  # the row alone still says RUNNING
    with jobs_worker(database_url, log) as second:
        done = until(read(short), lambda j: j.status in (DONE, FAILED))
        assert (done.status, done.attempts, done.result["steps"]) == (DONE, 2, 15), done
        assert ran_by(done, second) and done.result["pid"] == second.pid

        long = queued(200)
        until(read(long), lambda j: j.status == RUNNING and j.done > 0 and ran_by(j, second))
        kill(second)
    with jobs_worker(database_url, log) as third:
        again = until(read(long), lambda j: j.attempts == 2 and j.done > 0 and ran_by(j, third))
        assert again.status == RUNNING
        kill(third)
    with jobs_worker(database_url, log):
        failed = until(read(long), lambda j: j.status != RUNNING, timeout=30)
    assert failed.status == FAILED and failed.attempts == 2, failed
    assert "stopped 2 times" in failed.error_en and "中断 2 次" in failed.error_zh
    assert failed.result is None


def test_jobs_list_shows_a_tenants_jobs_and_who_has_them(database_url, registry):
    from typer.testing import CliRunner

    from core.cli import app

    job = queue.start(database_url, registry, NATIONAL, STEPS, {"steps": 1, "pause": 0}, 1, False)
    hebei = Principal(user="li", tenant="hebei", role="admin")
    other = queue.start(database_url, registry, hebei, STEPS, {"steps": 1, "pause": 0}, 1, False)
    listed = CliRunner().invoke(
        app,
        ["jobs", "list", "--tenant", "national", "--database-url", database_url],
        env={"COLUMNS": "250"},
    )
    assert listed.exit_code == 0, listed.output
    assert job.id in listed.stdout and "QUEUED" in listed.stdout and "0/1" in listed.stdout
    assert other.id not in listed.stdout  # another tenant's


def test_a_worker_refuses_a_queue_another_procrastinate_made(database_url, monkeypatch):
    """The queue's schema is the one migration 0013 installed from the locked release; a
    worker of another release says so and does not start."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps no procrastinate queue")
    from importlib.metadata import version

    from typer.testing import CliRunner

    from core.cli import app
    from core.jobs import postgres

    assert postgres.installed_schema(database_url) == f"procrastinate {version('procrastinate')}"
    monkeypatch.setattr(postgres, "procrastinate_version", lambda: "99.0.0")
    refused = CliRunner().invoke(app, ["jobs", "worker", "--database-url", database_url])
    assert refused.exit_code == 2 and "procrastinate 99.0.0" in refused.output, refused.output
