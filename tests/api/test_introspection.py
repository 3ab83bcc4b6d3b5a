"""Standard GraphQL tools: the introspection query of graphql-core (GraphiQL's, a code
generator's) is answered despite the 200-field limit, exempted by the root fields it asks
for and never by a name; its answer is kept per worker; the SDL is served at a URL and
committed, and checked against the contract for breaking changes; the ``gql`` client
fetches the schema and runs a query against a live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes, get_introspection_query

from core.api import introspection
from core.api.limits import MAX_FIELDS, MAX_INTROSPECTION_FIELDS

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / ".." / "shared" / "spec" / "contract.graphql"
COMMITTED = ROOT / "docs" / "schema.graphql"
FULL = {
    "descriptions": True,
    "specified_by_url": True,
    "directive_is_repeatable": True,
    "schema_description": True,
    "input_value_deprecation": True,
}


def post(http, query: str, operation: str | None = None, variables=None):
    body = {"query": query, "operationName": operation, "variables": variables}
    answer = http.post("/graphql", json=body)
    assert answer.status_code == 200
    return answer.json()


@pytest.mark.parametrize("options", [{}, FULL], ids=["plain", "full"])
def test_the_standard_introspection_query_is_answered(http, options):
    query = get_introspection_query(**options)
    answer = post(http, query, "IntrospectionQuery")
    assert "errors" not in answer, answer.get("errors")
    types = {t["name"] for t in answer["data"]["__schema"]["types"]}
    assert {"Query", "Mutation", "Evaluation", "HouseholdInput"} <= types


def test_the_exemption_goes_by_fields_not_by_names(http):
    """Named like an introspection, with fragments named like graphql-core's, a query of
    ordinary fields is still held to the field limit; with __schema beside them too."""
    fields = " ".join(f'e{i}: labels(tenant: "hebei") {{ code }}' for i in range(MAX_FIELDS))
    named = f"query IntrospectionQuery {{ ...FullType }} fragment FullType on Query {{ {fields} }}"
    refused = post(http, named, "IntrospectionQuery")
    assert refused["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    mixed = f"query IntrospectionQuery {{ __schema {{ queryType {{ name }} }} {fields} }}"
    assert post(http, mixed)["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_introspection_has_a_limit_of_its_own(http):
    """The exemption is no blank cheque: a fragment spread over and over is counted at
    every spread, and refused past the introspection's own limit."""
    fragment = (
        "fragment T on __Type { name kind description specifiedByURL "
        "fields { name description isDeprecated deprecationReason args { name description } "
        "type { name kind } } inputFields { name description type { name kind } } "
        "enumValues { name description } interfaces { name } possibleTypes { name } }"
    )
    roots = " ".join(f't{i}: __type(name: "Query") {{ ...T ...T ...T }}' for i in range(12))
    answer = post(http, f"{{ {roots} }} {fragment}")
    assert answer["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert str(MAX_INTROSPECTION_FIELDS) in answer["errors"][0]["message"]


def test_an_introspection_is_worked_out_once_per_worker(http, monkeypatch):
    from core.api import view

    runs = []
    real = view._Base.execute_single

    async def counted(self, *args, **kwargs):
        runs.append(kwargs["request_data"].query)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(view._Base, "execute_single", counted)
    monkeypatch.setattr(introspection, "_answers", type(introspection._answers)())
    query = get_introspection_query(descriptions=False)
    first, second = post(http, query), post(http, query)
    assert first == second and "errors" not in first
    assert len(runs) == 1  # the second was the kept answer
    post(http, "{ __typename }")
    post(http, "{ __typename }")
    assert len(runs) == 2


def test_the_sdl_is_served_and_committed(http):
    answer = http.get(introspection.SDL_PATH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert answer.text == introspection.sdl()
    assert COMMITTED.read_text(encoding="utf-8") == answer.text, (
        "docs/schema.graphql is not the served schema: write it again with "
        "`python -c 'from core.api.introspection import sdl; print(sdl(), end=\"\")' "
        "> docs/schema.graphql`"
    )


def breaking(served_sdl: str) -> list[str]:
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    return [
        f"{c.type.name}: {c.description}"
        for c in find_breaking_changes(contract, build_schema(served_sdl))
    ]


def test_the_served_schema_breaks_nothing_of_the_contract():
    if not CONTRACT.is_file():
        pytest.skip(f"the contract is not at {CONTRACT}")
    assert breaking(introspection.sdl()) == []
    # and the check would see a break: a contract field taken away, an argument required
    broken = introspection.sdl().replace("  eligible: Boolean!\n", "", 1)
    assert any("eligible" in change for change in breaking(broken))


def test_the_gql_client_fetches_the_schema_and_runs_a_query(tmp_path, sqlite_template):
    gql = pytest.importorskip("gql", reason="gql is a dev extra (make venv installs it)")
    from gql.transport.httpx import HTTPXTransport

    from core.db.testing import sqlite_database
    from tests.live import live_server

    with (
        sqlite_database(sqlite_template, tmp_path) as url,
        live_server(url, tmp_path / "log") as base,
    ):
        transport = HTTPXTransport(url=f"{base}/graphql", timeout=30)
        client = gql.Client(transport=transport, fetch_schema_from_transport=True)
        with client as session:
            assert session.client.schema is not None
            assert session.client.schema.get_type("Evaluation") is not None
            query = gql.gql(
                "query Parameters($tenant: String!) { parameters(tenant: $tenant) { name value } }"
            )
            query.variable_values = {"tenant": "hebei"}
            answer = session.execute(query)
            names = {p["name"] for p in answer["parameters"]}
            assert "dibao.standard_monthly" in names
            with pytest.raises(Exception, match="Cannot query field"):  # checked locally
                session.execute(gql.gql('{ parameters(tenant: "hebei") { nonsense } }'))
