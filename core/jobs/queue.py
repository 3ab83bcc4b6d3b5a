"""Queuing a job and reading it back, whichever the database (see :mod:`core.jobs`)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from core.auth.principal import Principal
from core.errors import RULE_VIOLATION, BangfuError
from core.jobs import kinds, local, store
from core.jobs.runner import json_ready
from core.jobs.store import DONE, FAILED, QUEUED, RUNNING, Job
from core.registry import Registry

__all__ = ["DONE", "FAILED", "MAX_WAITING", "QUEUED", "RUNNING", "Job", "get", "start", "wait"]

#: Jobs of one tenant queued or running at once; more are refused until one has finished.
MAX_WAITING = 4
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def start(
    url: str,
    registry: Registry,
    who: Principal,
    kind: str,
    params: dict[str, Any],
    total: int,
    run_here: bool = True,
) -> Job:
    """Queue a job of ``kind`` on behalf of ``who`` (already allowed to ask for it). On
    SQLite this process runs it in a background thread unless ``run_here`` is False (then
    a ``bangfu jobs worker`` on the same file will).

    :raises BangfuError: ``RULE_VIOLATION`` when :data:`MAX_WAITING` jobs of the tenant
        are already queued or running
    """
    kinds.find(kind)  # an unknown kind is refused now, not by a worker later
    if not is_postgres(url):
        local.reap(url, registry)  # a job stalled here frees its place first
    if store.waiting(url, who.tenant) >= MAX_WAITING:
        raise BangfuError(
            RULE_VIOLATION,
            f"{MAX_WAITING} jobs are already queued or running: try again when one has "
            "finished (if none ever does, is a bangfu jobs worker running?)",
            f"已有{MAX_WAITING}项任务在排队或执行中,请稍后再试",
        )
    row = store.JobRow(
        id=uuid.uuid4().hex,
        tenant=who.tenant,
        kind=kind,
        owner=who.user,
        role=who.role,
        params=json_ready(params),
        status=QUEUED,
        total=total,
        done=0,
        attempts=0,
        created_at=store.utcnow(),
    )
    job = store.add(url, row)
    if is_postgres(url):
        from core.jobs import postgres

        try:
            postgres.defer(url, job)
        except Exception:
            store.fail(url, job, "the job could not be queued", "任务未能加入队列", attempt=0)
            raise
    elif run_here:
        local.submit(url, registry, job.id)
    return job


def get(url: str, tenant: str | None, job_id: str, registry: Registry | None = None) -> Job | None:
    """The job (read as ``tenant``), or None for an unknown or malformed id. On SQLite a
    stalled job is dealt with first (run again here when ``registry`` is given)."""
    if not ID_PATTERN.match(job_id or ""):
        return None
    if not is_postgres(url):
        local.reap(url, registry)
    return store.get(url, tenant, job_id)


def wait(url: str, tenant: str | None, job_id: str, timeout: float = 60.0) -> Job | None:
    """Poll until the job is finished or ``timeout`` seconds have passed (tests, the CLI)."""
    deadline = time.monotonic() + timeout
    while True:
        job = get(url, tenant, job_id)
        if job is None or job.finished or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
