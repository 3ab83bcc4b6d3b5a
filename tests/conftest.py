"""Shared fixtures: the bundled registry, loaded once, and household builders."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from core.model import parse_household
from core.registry import Registry, load_registry

ON = date(2026, 6, 1)

# The resident-ID hash key of the tests (and of the servers they start): there is no
# default key (core.cases.privacy). A fixed value, used for test data only.
os.environ.setdefault("BANGFU_ID_HASH_KEY", "tests-only-id-hash-key-never-served-0123456789")


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
