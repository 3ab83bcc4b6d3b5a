"""Fixtures for the security tests: GraphQL as members of staff of several tenants and
the national level, and the database as the serving role on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core.auth.tokens import issue_token
from core.db.models import Base
from core.db.request import STATE_KEY
from core.db.session import dispose_engine, session_factory
from tests.api.conftest import check_answer

ROLES = ("caseworker", "reviewer", "approver", "chairman", "admin")
TENANTS = ("hebei", "gansu", "demo_city")
NO_RLS = "SQLite has no row-level security: the application's filter is its only wall"

CASE = "id tenant status version history { action actor }"
OPEN = f"""
mutation($tenant: String!, $h: HouseholdInput!, $on: Date) {{
  openCase(tenant: $tenant, household: $h, on: $on) {{ {CASE} }}
}}"""
MOVE = f"""
mutation($id: ID!, $action: String!, $v: Int!, $on: Date, $h: HouseholdInput) {{
  transition(caseId: $id, action: $action, expectedVersion: $v, on: $on, household: $h) {{
    {CASE}
  }}
}}"""
READ = f"query($id: ID!) {{ case(id: $id) {{ {CASE} }} }}"
STATISTICS = """
query($tenants: [String!], $asOf: Date) {
  statistics(tenants: $tenants, asOf: $asOf) {
    tenant openCases filedCases exitedCases byCategory { key count } byGroup { key count }
  }
}"""


class Caller:
    """GraphQL with one bearer token (or none)."""

    def __init__(self, http: Any, token: str | None) -> None:
        self.http = http
        self.headers = {"authorization": f"Bearer {token}"} if token else {}

    def raw(self, query: str, **variables: Any):
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        check_answer(response)
        assert response.status_code == 200, response.text
        return response

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        return self.raw(query, **variables).json()

    def ok(self, query: str, **variables: Any) -> Any:
        answer = self(query, **variables)
        assert not answer.get("errors"), answer
        return next(iter(answer["data"].values()))

    def refused(self, code: str, query: str, **variables: Any) -> dict[str, Any]:
        answer = self(query, **variables)
        [error] = answer["errors"]
        assert error["extensions"]["code"] == code, error
        return error


def issue_tokens(url: str, known: set[str], tenants=TENANTS) -> dict[tuple[str, str], str]:
    with session_factory(url)() as session:
        tokens = {
            (tenant, role): issue_token(session, tenant, role, f"{role}.{tenant}", known)
            for tenant in tenants
            for role in ROLES
        }
        tokens["national", "national"] = issue_token(
            session, "national", "national", "acftu", known
        )
    return tokens


@pytest.fixture
def serve(app, http, api_registry):
    """``serve(url)``: the shared test app serves ``url``; returns ``caller(tenant, role)``.
    Tokens are made through ``owner`` (default ``url``): the serving role may not."""
    used: list[str] = []

    def start(url: str, owner: str | None = None):
        app.state[STATE_KEY] = url
        used.append(url)
        # tokens are made by the owner: the serving role may not write them (0003)
        tokens = issue_tokens(owner or url, set(api_registry.tenants))
        return lambda tenant=None, role=None: Caller(http, tokens.get((tenant, role)))

    yield start
    app.state[STATE_KEY] = None


@pytest.fixture
def caller(serve, database_url):
    """``caller(tenant, role)``: GraphQL on the test database, as its owner."""
    return serve(database_url)


@pytest.fixture
def app_url(database_url):
    """PostgreSQL only: the test database as the serving role ``bangfu_app``."""
    if not database_url.startswith("postgresql"):
        pytest.skip(NO_RLS)
    from core.db.testing import postgres_app_url

    url = postgres_app_url(database_url)
    yield url
    dispose_engine(url)


def row_counts(url: str) -> dict[str, int]:
    """Rows in every table (as the owner, who sees them all on the test server)."""
    with session_factory(url)() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }
