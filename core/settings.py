"""Runtime settings, from the environment (and command-line options that override it)."""

from __future__ import annotations

import os
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
