"""A session on a fresh database (SQLite, and PostgreSQL when it answers)."""

from __future__ import annotations

import pytest

from core.db.session import session_factory


@pytest.fixture
def session(database_url):
    with session_factory(database_url)() as s:
        yield s
