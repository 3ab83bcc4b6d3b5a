"""Shared fixtures: the bundled registry, loaded once, and household builders."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from core.model import parse_household
from core.registry import Registry, load_registry

ON = date(2026, 6, 1)
#: The tenants this repository ships. Its tests run on these, whatever other tenant
#: plugins the environment has installed (a region's package, a test county ...).
BUNDLED = ("national", "hebei", "gansu", "demo_city")


def pytest_configure(config: pytest.Config) -> None:
    """Every registry these tests discover in this process (the fixtures, the CLI run in
    process, the kit) finds the bundled tenants only, whatever else is installed. Tests of
    installed packages run ``bangfu`` in a subprocess, which discovers everything; the
    servers the tests start get ``$BANGFU_TENANTS`` (:mod:`tests.live`)."""
    import core.registry as registry_module

    discover = registry_module._entry_points

    def bundled_only() -> dict[str, Any]:
        return {name: ep for name, ep in discover().items() if name in BUNDLED}

    registry_module._entry_points = bundled_only


#: The whole suite runs on the server's clock pinned to this day (``$BANGFU_TODAY``, which
#: live servers started by the tests inherit), so that no test depends on the day it runs;
#: a test that needs another day pins it with ``monkeypatch.setenv``.
TODAY = "2026-11-20"
os.environ.setdefault("BANGFU_TODAY", TODAY)

# The resident-ID hash key of the tests (and of the servers they start): there is no
# default key (core.cases.privacy). A fixed value, used for test data only.
os.environ.setdefault("BANGFU_ID_HASH_KEY", "tests-only-id-hash-key-never-served-0123456789")


@pytest.fixture(autouse=True)
def process_left_as_found():
    """No test leaves this process's logging or ``BANGFU_*`` variables changed for the next
    (:mod:`tests.isolation`): logging is put back; a variable set without ``monkeypatch``
    is put back too, and the test that set it fails, naming it."""
    from tests.isolation import restore, snapshot

    before = snapshot()
    yield
    changed = restore(before)
    if changed:
        pytest.fail(f"the test left {', '.join(changed)} changed: set it with monkeypatch")


@pytest.fixture(scope="session")
def registry() -> Registry:
    loaded = load_registry()
    assert not loaded.problems, loaded.problems
    return loaded


@pytest.fixture(scope="session")
def api_registry(registry: Registry) -> Registry:
    return registry


@pytest.fixture(scope="session")
def app(api_registry):
    """The whole application (GraphQL and staff pages), built once for the session."""
    from core.api.app import create_app

    return create_app(api_registry)


@pytest.fixture(scope="session")
def http(app):
    from litestar.testing import TestClient

    with TestClient(app) as client:
        yield client


def applicant(**fields: Any) -> dict[str, Any]:
    return {"name": "张三", "relation": "APPLICANT", **fields}


def household(*members: dict[str, Any], **fields: Any):
    return parse_household({"members": list(members) or [applicant()], **fields})


# --------------------------------------------------------------------------- databases
# Every test that takes ``database_url`` runs on SQLite and, when it answers at
# $BANGFU_TEST_POSTGRES_URL, on PostgreSQL; each test gets an empty, migrated database
# (see core/db/testing.py).
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from core.db.testing import sqlite_template as migrated_template

    return migrated_template(tmp_path_factory.mktemp("db-template"))


@pytest.fixture(scope="session")
def postgres_url():
    from core.db.testing import postgres_available, postgres_database

    why = postgres_available()
    if why:
        pytest.skip(f"PostgreSQL does not answer at $BANGFU_TEST_POSTGRES_URL ({why})")
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    from core.db.testing import empty_database, sqlite_database

    if request.param == "sqlite":
        with sqlite_database(request.getfixturevalue("sqlite_template"), tmp_path) as url:
            yield url
    else:
        url = request.getfixturevalue("postgres_url")
        empty_database(url)
        yield url


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright for the whole run: its sync API runs an event loop of its own, so a
    second one started while the first lives fails ("Sync API inside the asyncio loop").
    Every browser test (staff pages, national dashboard) launches its Chromium from here."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (make test installs it)"
    )
    with sync_api.sync_playwright() as p:
        yield p
