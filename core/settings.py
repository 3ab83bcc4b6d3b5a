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
