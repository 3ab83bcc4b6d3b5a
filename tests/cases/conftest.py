"""A case service on a fresh database (SQLite, and PostgreSQL when it answers)."""

from __future__ import annotations

import pytest

from core.cases.service import CaseService
from core.db.session import session_factory

# GraphQL callers with tokens, as the security tests have them
from tests.security.conftest import app_url, caller, serve  # noqa: F401


@pytest.fixture
def session(database_url):
    with session_factory(database_url)() as s:
        yield s


@pytest.fixture
def service(session, registry):
    from tests.casefile_samples import D

    return CaseService(session, registry, today=lambda: D("2026-11-20"))
