"""``bangfu jobs worker``: run queued jobs until stopped.

On PostgreSQL, procrastinate's worker (:mod:`core.jobs.postgres`); run as many as the
hosts have cores to spare, on any host that reaches the database. On SQLite, rounds of
:func:`core.jobs.local.work_once`. SIGTERM (systemd's stop) and SIGINT let the running job
finish first on PostgreSQL; on SQLite the worker stops after the job it is running, and a
job cut short by a harder stop is found stalled and tried again.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from core import clock, settings
from core.jobs import local
from core.jobs.queue import is_postgres
from core.registry import Registry, load_registry

log = logging.getLogger("bangfu.jobs")
POLL_S = 1.0  #: how often a SQLite worker looks for queued jobs


class NotReady(RuntimeError):
    """The worker may not start (the message says why)."""


def tenants() -> Registry:
    loaded = load_registry()
    if loaded.problems:
        raise NotReady("; ".join(str(p) for p in loaded.problems))
    return loaded


def _sqlite(url: str, registry: Registry, stop: threading.Event) -> None:
    while not stop.is_set():
        if local.work_once(url, registry) == 0:
            stop.wait(POLL_S)


def run(url: str, concurrency: int = 1, registry: Registry | None = None) -> None:
    """Work ``url``'s jobs until a signal stops this process."""
    from core.observe import configure_logging

    configure_logging()
    settings.check()
    clock.warn_if_pinned()
    registry = registry or tenants()
    metrics_address = settings.get("metrics_address")
    if metrics_address:
        from core import metrics

        metrics.serve_metrics(metrics_address)
    log.info("jobs worker started (%s)", "procrastinate" if is_postgres(url) else "local")
    if is_postgres(url):
        from core.jobs import postgres

        postgres.check_schema(url)
        postgres.run_worker(url, registry, concurrency)
        return
    stop = threading.Event()

    def stopping(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    _sqlite(url, registry, stop)
