"""Prometheus metrics (prometheus-client): what an operator watches.

* ``bangfu_requests_total{operation, outcome}`` and ``bangfu_request_seconds{operation}``:
  every HTTP request, counted by :mod:`core.observe` *outside* the short way
  (:mod:`core.api.lane`), so the anonymous evaluations most public traffic is count too.
  ``operation`` is a GraphQL root field (``evaluate``, ``transition`` ...) or a page's
  route template; ``outcome`` is ``ok``, a contract error code (``BAD_INPUT``,
  ``FORBIDDEN`` ...) or the HTTP status class (``4xx``, ``5xx``).
* ``bangfu_case_steps_total{tenant, action}``: history entries committed, from any door.
* ``bangfu_payment_runs_total{tenant, outcome}``: payment runs made.
* ``bangfu_jobs_total{kind, status}``: jobs finished (or failed), ``bangfu_jobs_running``.
* ``bangfu_db_connections{state}``: the database pool, connections in use and open.

Labels are bounded: operations come from the schema and the routes, tenants from the
registry, actions from the procedures; nothing a client types becomes a label, and no
personal data is ever one.

Metrics are served on an address of the operator's (``$BANGFU_METRICS_ADDRESS``, a
loopback or private ``HOST:PORT``, or ``unix:/PATH``), never on the public port: see
:func:`serve_metrics`. With several worker processes each writes its values to files in a
folder (prometheus-client's multiprocess mode, ``$PROMETHEUS_MULTIPROC_DIR``), and the
server's parent process adds them up when scraped.
"""

from __future__ import annotations

import os
import socket
import socketserver
import tempfile
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    values,
)
from prometheus_client.exposition import MetricsHandler

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "bangfu_requests", "HTTP requests answered, by operation and outcome", ["operation", "outcome"]
)
LATENCY = Histogram(
    "bangfu_request_seconds",
    "Time to answer an HTTP request, by operation",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CASE_STEPS = Counter(
    "bangfu_case_steps",
    "Case history entries committed, by tenant and action",
    ["tenant", "action"],
)
PAYMENT_RUNS = Counter(
    "bangfu_payment_runs", "Payment runs made, by tenant and outcome", ["tenant", "outcome"]
)
JOBS = Counter("bangfu_jobs", "Jobs finished, by kind and final status", ["kind", "status"])
JOBS_RUNNING = Gauge(
    "bangfu_jobs_running", "Jobs running now, by kind", ["kind"], multiprocess_mode="livesum"
)
DB_CONNECTIONS = Gauge(
    "bangfu_db_connections",
    "Database connections of the pools: in use (checked out) and open",
    ["state"],
    multiprocess_mode="livesum",
)

_requests: dict[tuple[str, str], Any] = {}
_latencies: dict[str, Any] = {}


def request_done(operation: str, outcome: str, seconds: float) -> None:
    """One request answered (the children are looked up once per label pair)."""
    counter = _requests.get((operation, outcome))
    if counter is None:
        counter = _requests[(operation, outcome)] = REQUESTS.labels(operation, outcome)
    counter.inc()
    histogram = _latencies.get(operation)
    if histogram is None:
        histogram = _latencies[operation] = LATENCY.labels(operation)
    histogram.observe(seconds)


# --------------------------------------------------------------------------- case steps
_STEPS_KEY = "bangfu.steps"


def step_written(session: Any, tenant: str, action: str) -> None:
    """A history entry written in ``session``: counted when its transaction commits."""
    session.info.setdefault(_STEPS_KEY, []).append((tenant, action))


def _committed(session: Any) -> None:
    for tenant, action in session.info.pop(_STEPS_KEY, ()):
        CASE_STEPS.labels(tenant, action).inc()


def _rolled_back(session: Any, _transaction: Any = None) -> None:
    session.info.pop(_STEPS_KEY, None)


def _listen_to_sessions() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)


_listen_to_sessions()


# --------------------------------------------------------------------------- database pool
def watch_pool(engine: Any) -> None:
    """Keep ``bangfu_db_connections`` up to date from ``engine``'s pool events."""
    from sqlalchemy import event

    in_use, opened = DB_CONNECTIONS.labels("in_use"), DB_CONNECTIONS.labels("open")
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())
    event.listen(engine, "connect", lambda *_: opened.inc())
    event.listen(engine, "close", lambda *_: opened.dec())
    event.listen(engine, "close_detached", lambda *_: opened.dec())


# --------------------------------------------------------------------------- serving
def multiprocess_folder() -> Path | None:
    folder = os.environ.get(MULTIPROC_ENV)
    return Path(folder) if folder else None


def use_multiprocess(folder: Path | None = None) -> Path:
    """From now on, this process and the workers it starts write their values to files in
    ``folder`` (a new temporary folder by default), which :func:`registry` adds up.

    Called by ``bangfu serve`` before any worker starts; values made before are kept in
    this process only."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="bangfu-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)  # the workers inherit it
    values.ValueClass = values.MultiProcessValue()
    _requests.clear()
    _latencies.clear()
    return folder


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters stay counted)."""
    if multiprocess_folder() is not None:
        multiprocess.mark_process_dead(pid)


def registry() -> CollectorRegistry:
    """What a scrape reads: every process's values (multiprocess mode), else this one's."""
    from prometheus_client import REGISTRY

    if multiprocess_folder() is None:
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    return collected


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self) -> Any:  # BaseHTTPRequestHandler wants a client address pair
        request, _ = super().get_request()
        return request, ("local", 0)


def serve_metrics(address: str) -> Any:
    """Serve ``GET /metrics`` on ``address`` in a thread of this process; the server.

    ``HOST:PORT`` (``127.0.0.1:9464``, ``[::1]:9464``) or ``unix:/run/bangfu/metrics.sock``
    (mode 0660: the group of the socket's folder decides who may scrape). Never the public
    port: whoever can reach the application cannot read its metrics unless the operator
    publishes this address."""
    handler = MetricsHandler.factory(registry())
    server: Any
    if address.startswith("unix:"):
        path = Path(address[len("unix:") :])
        path.unlink(missing_ok=True)
        server = _UnixHTTPServer(str(path), handler)
        path.chmod(0o660)
    else:
        host, _, port = address.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"

        class _Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
            daemon_threads = True

        server = _Server((host, int(port)), handler)
    thread = threading.Thread(target=server.serve_forever, name="bangfu-metrics", daemon=True)
    thread.start()
    return server
