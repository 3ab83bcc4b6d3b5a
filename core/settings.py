"""Runtime settings, from the environment (and command-line options that override it)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DATABASE_ENV = "BANGFU_DATABASE_URL"
DEFAULT_DATABASE_FILE = "bangfu.db"


def database_url(explicit: str | None = None) -> str:
    """``--database-url``, else ``$BANGFU_DATABASE_URL``, else a SQLite file here."""
    if explicit:
        return explicit
    env = os.environ.get(DATABASE_ENV)
    if env:
        return env
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


# --------------------------------------------------------------------------- sessions
SESSION_IDLE_ENV = "BANGFU_SESSION_IDLE_MINUTES"
SESSION_ABSOLUTE_ENV = "BANGFU_SESSION_ABSOLUTE_HOURS"
#: A staff session ends after this long without a request (minutes).
DEFAULT_SESSION_IDLE_MINUTES = 30
#: ... and this long after signing in, however busy (hours): a working day and a half.
DEFAULT_SESSION_ABSOLUTE_HOURS = 12


def _positive_int(env: str, default: int) -> int:
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"${env} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"${env} must be positive, not {value}")
    return value


def session_idle_timeout() -> timedelta:
    """``$BANGFU_SESSION_IDLE_MINUTES`` (default 30 minutes)."""
    return timedelta(minutes=_positive_int(SESSION_IDLE_ENV, DEFAULT_SESSION_IDLE_MINUTES))


def session_absolute_timeout() -> timedelta:
    """``$BANGFU_SESSION_ABSOLUTE_HOURS`` (default 12 hours)."""
    return timedelta(hours=_positive_int(SESSION_ABSOLUTE_ENV, DEFAULT_SESSION_ABSOLUTE_HOURS))


# --------------------------------------------------------------------------- serving
BODY_TIMEOUT_ENV = "BANGFU_BODY_TIMEOUT_SECONDS"
DEFAULT_BODY_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_ENV = "BANGFU_STATEMENT_TIMEOUT_MS"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
TRUSTED_PROXIES_ENV = "BANGFU_TRUSTED_PROXIES"
WORKER_THREADS_ENV = "BANGFU_WORKER_THREADS"
DEFAULT_WORKER_THREADS = 2
EVALUATE_TOGETHER_ENV = "BANGFU_EVALUATE_TOGETHER"
DEFAULT_EVALUATE_TOGETHER = 64


def body_timeout() -> float:
    """``$BANGFU_BODY_TIMEOUT_SECONDS`` (default 10): the longest a client may take to send
    a request's body, from its first byte to its last; slower is answered 408."""
    return float(_positive_int(BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT_SECONDS))


def worker_threads() -> int:
    """``$BANGFU_WORKER_THREADS`` (default 2): how many threads of a worker process run
    blocking work at once (case work over GraphQL, the staff pages); more wait their turn.

    Python runs one thread at a time in a process: more threads do not do more work, they
    take turns, and each turn a thread waits for (up to 5 ms, Python's switch interval)
    comes after every database round trip. With 16 requests in flight on two workers,
    40 threads (anyio's default) kept a transition 27 ms in its thread for 2.5 ms of
    work; two threads let the queue form in front instead (soak p99 188 -> 119 ms)."""
    return _positive_int(WORKER_THREADS_ENV, DEFAULT_WORKER_THREADS)


def evaluate_together() -> int:
    """``$BANGFU_EVALUATE_TOGETHER`` (default 64): the most ``evaluate`` requests of one
    worker evaluated together as one batch, when they arrive at the same moment (see
    :mod:`core.api.together`); 1 evaluates each alone."""
    return _positive_int(EVALUATE_TOGETHER_ENV, DEFAULT_EVALUATE_TOGETHER)


def statement_timeout_ms() -> int:
    """``$BANGFU_STATEMENT_TIMEOUT_MS`` (default 30,000): PostgreSQL's ``statement_timeout``
    on every connection of the application, so no statement holds a connection longer."""
    return _positive_int(STATEMENT_TIMEOUT_ENV, DEFAULT_STATEMENT_TIMEOUT_MS)


def postgres_connect_args() -> dict[str, str]:
    """Connection options for PostgreSQL engines (libpq ``options``)."""
    return {"options": f"-c statement_timeout={statement_timeout_ms()}"}


def trusted_proxies() -> str | None:
    """``$BANGFU_TRUSTED_PROXIES``: addresses (comma-separated, or ``*``) of the reverse
    proxies whose ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed; None: none
    (``bangfu serve`` then ignores those headers)."""
    value = os.environ.get(TRUSTED_PROXIES_ENV, "").strip()
    return value or None
