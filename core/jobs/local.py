"""The local queue, for SQLite: the ``jobs`` table is the queue itself.

A SQLite database is one machine's file, so there is no other host to share work with:
the serving process that queues a job runs it in a background thread of its own (one at
a time, so a burst of jobs waits instead of taking every core), and ``bangfu jobs worker``
on the same file takes any queued job as well. Taking a job is one guarded UPDATE
(``QUEUED`` to ``RUNNING``), which SQLite runs one at a time, so no job runs twice.

A job whose process died stays ``RUNNING`` with a heartbeat that grows old: the next
process that reads or queues a job of that database (a server answering
``simulationJob``, a worker's round) finds it, and queues it again for another attempt,
running it itself, or marks it failed (:func:`core.jobs.runner.given_up`).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from core.jobs import runner, store
from core.registry import Registry

log = logging.getLogger("bangfu.jobs")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bangfu-job")
        return _executor


def take(url: str, registry: Registry, job_id: str, tenant: str | None = None) -> str | None:
    """Claim and run one queued job here and now; its final status, or None when another
    process has it."""
    job = store.claim(url, tenant, job_id)
    if job is None:
        return None
    return runner.run(url, registry, job)


def submit(url: str, registry: Registry, job_id: str) -> None:
    """Run the job in this process's background thread (when no one else has by then)."""

    def run() -> None:
        try:
            take(url, registry, job_id)
        except Exception:  # logged, never raised into the thread pool's void
            log.exception("job %s could not be run", job_id)

    _pool().submit(run)


def reap(url: str, registry: Registry | None) -> int:
    """Give every stalled job another attempt (run here when ``registry`` is given) or its
    failure; how many were found."""
    found = store.stalled(url, runner.stalled_after_seconds())
    for job in found:
        if runner.given_up(url, job) and registry is not None:
            submit(url, registry, job.id)
    return len(found)


def work_once(url: str, registry: Registry) -> int:
    """One round of ``bangfu jobs worker`` on SQLite: stalled jobs first, then every queued
    job, one after the other; how many this process ran."""
    reap(url, None)
    ran = 0
    for job in store.queued(url):
        if take(url, registry, job.id) is not None:
            ran += 1
    return ran
