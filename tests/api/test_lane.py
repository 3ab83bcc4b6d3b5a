"""The short way (core.api.lane) answers byte for byte what ``/graphql``'s controller
answers, takes only what it may, and hands the rest on untouched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient

from core.api import lane, limits, view
from tests.api.conftest import AS_OF, EVALUATE, ill_household, member

COMPARE = (
    "query C($household: HouseholdInput!, $tenants: [String!]) "
    "{ compare(household: $household, tenants: $tenants) "
    "{ tenant eligible entitlements { programme amount explanation } } }"
)
PARAMETERS = 'query { parameters(tenant: "hebei") { name value definedBy source } }'


def bodies() -> list[tuple[str, bytes, dict[str, str]]]:
    """Requests of every kind: planned and not, valid and not, anonymous and not."""
    plain = {"content-type": "application/json"}

    def gql(query: str, **variables: Any) -> bytes:
        return json.dumps({"query": query, "variables": variables}).encode()

    return [
        ("evaluate", gql(EVALUATE, tenant="hebei", household=ill_household(), asOf=AS_OF), plain),
        (
            "evaluate, lean",
            gql(
                'query E($h: HouseholdInput!) { evaluate(tenant: "gansu", household: $h) '
                "{ eligible entitlements { programme amount } } }",
                h=ill_household(),
            ),
            plain,
        ),
        ("compare", gql(COMPARE, household=ill_household(), tenants=["hebei", "gansu"]), plain),
        ("tenants", gql("{ tenants { code name level parent } }"), plain),
        ("parameters", gql(PARAMETERS), plain),
        ("unknown tenant", gql(EVALUATE, tenant="nowhere", household=ill_household()), plain),
        ("bad household", gql(EVALUATE, tenant="hebei", household={"members": []}), plain),
        (
            "negative age",
            gql(EVALUATE, tenant="hebei", household={"members": [member(age=-3)]}),
            plain,
        ),
        (
            "overlong name",
            gql(EVALUATE, tenant="hebei", household={"members": [member(name="张" * 5000)]}),
            plain,
        ),
        ("syntax error", gql("{ tenants { code "), plain),
        ("unknown field", gql("{ tenants { nothing } }"), plain),
        ("not planned", gql("{ tenants { ...T } } fragment T on Tenant { code }"), plain),
        ("mutation", gql('mutation { openCase(tenant: "hebei") { id } }'), plain),
        ("not JSON", b"{not json", plain),
        ("a list", b"[]", plain),
        ("a string", b'"text"', plain),
        ("query not a string", json.dumps({"query": 5}).encode(), plain),
        (
            "variables not an object",
            json.dumps({"query": "{ tenants { code } }", "variables": 1}).encode(),
            plain,
        ),
        ("no query", json.dumps({"variables": {}}).encode(), plain),
        ("text/plain", gql("{ tenants { code } }"), {"content-type": "text/plain"}),
        (
            "charset",
            gql("{ tenants { code } }"),
            {"content-type": "application/json; charset=utf-8"},
        ),
        ("upper case", gql("{ tenants { code } }"), {"content-type": " Application/JSON"}),
        (
            "JSON's longer cousin",
            gql("{ tenants { code } }"),
            {"content-type": "application/jsonx"},
        ),
        (
            "with a token",
            gql("{ tenants { code } }"),
            {"content-type": "application/json", "authorization": "Bearer nothing-valid"},
        ),
        (
            "evaluate with a token",
            gql(EVALUATE, tenant="hebei", household=ill_household(), asOf=AS_OF),
            {"content-type": "application/json", "authorization": "Bearer some-token"},
        ),
        (
            "two tokens",
            gql("{ tenants { code } }"),
            {"content-type": "application/json", "authorization": "Bearer a, Bearer b"},
        ),
        ("too large", b'{"query": "' + b" " * (limits.MAX_BODY_BYTES + 10) + b'"}', plain),
    ]


def exchange(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    response = client.post("/graphql", content=body, headers=headers)
    kept = {
        k: v for k, v in response.headers.items() if k not in {"date", "server", "x-request-id"}
    }
    assert len(response.headers["x-request-id"]) == 24  # every answer carries its own
    return response.status_code, kept, response.content


def both_ways(client: TestClient, monkeypatch, body: bytes, headers: dict[str, str]):
    """The exchange on the short way, then with the controller alone answering."""
    short = exchange(client, body, headers)
    with monkeypatch.context() as m:
        m.setattr(lane, "_plain", lambda scope: False)
        long = exchange(client, body, headers)
    return short, long


@pytest.mark.parametrize("name", [name for name, _, _ in bodies()])
def test_both_ways_answer_the_same(http, monkeypatch, name):
    _, body, headers = next(b for b in bodies() if b[0] == name)
    short, long = both_ways(http, monkeypatch, body, headers)
    assert short == long
    assert short[0] < 500


class Counted:
    """Counts the requests that reach the controller."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        original = view.GraphQLEndpoint.execute_request

        async def counted(endpoint, request, context, root_value):
            self.calls += 1
            return await original(endpoint, request, context, root_value)

        monkeypatch.setattr(view.GraphQLEndpoint, "execute_request", counted)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("evaluate", True),
        ("compare", True),
        ("tenants", True),
        ("unknown tenant", True),  # a planned query's error: answered on the short way
        ("syntax error", False),
        ("not planned", False),
        ("mutation", False),
        ("not JSON", False),
        ("charset", True),
        ("upper case", True),
        ("JSON's longer cousin", False),
        ("with a token", True),  # a planned query never reads the token
        ("evaluate with a token", True),
        ("too large", False),
    ],
)
def test_only_plain_planned_queries_take_the_short_way(http, monkeypatch, name, short):
    _, body, headers = next(b for b in bodies() if b[0] == name)
    counted = Counted(monkeypatch)
    exchange(http, body, headers)
    assert counted.calls == (0 if short else 1)


def test_an_unexpected_error_is_internal_both_ways(http, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(view, "answer_planned", broken)
    _, body, headers = bodies()[0]
    short, long = both_ways(http, monkeypatch, body, headers)
    assert short == long
    assert short[0] == 500
    assert json.loads(short[2])["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert b"secret detail" not in short[2]
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_an_answer_over_the_limit_is_refused_both_ways(http, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 300)
    _, body, headers = bodies()[0]
    short, long = both_ways(http, monkeypatch, body, headers)
    assert short == long
    assert json.loads(short[2])["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def asgi_exchange(
    app, pieces: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, list, bytes]:
    """A request straight through the ASGI application: its body in ``pieces`` (one
    message each), its headers exactly as given (two of one name stay two)."""
    import asyncio

    sent: list[dict] = []

    async def scenario():
        messages = [
            {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
            for i, p in enumerate(pieces)
        ]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"t"), (b"x-request-id", b"lane-test"), *headers],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await app(scope, receive, send)

    asyncio.run(scenario())
    kept = [(k, v) for k, v in sent[0]["headers"] if k not in {b"date", b"server"}]
    return sent[0]["status"], kept, b"".join(m.get("body", b"") for m in sent[1:])


def test_a_body_sent_in_pieces_is_read_whole(app):
    """An ASGI body in several messages (as a slow client's arrives) is answered whole."""
    _, body, _ = bodies()[0]
    pieces = [body[:100], body[100:1000], body[1000:]]
    status, _, content = asgi_exchange(app, pieces, [(b"content-type", b"application/json")])
    assert status == 200
    assert json.loads(content)["data"]["evaluate"]["tenant"] == "hebei"


@pytest.mark.parametrize(
    ("first", "second", "short"),
    [(b"application/json", b"text/plain", True), (b"text/plain", b"application/json", False)],
)
def test_of_two_content_types_the_first_counts_both_ways(app, monkeypatch, first, second, short):
    """The controller (Litestar) reads the first ``Content-Type``; so does the short way."""
    body = json.dumps({"query": "{ tenants { code } }"}).encode()
    headers = [(b"content-type", first), (b"content-type", second)]
    counted = Counted(monkeypatch)
    answer = asgi_exchange(app, [body], headers)
    assert counted.calls == (0 if short else 1)
    with monkeypatch.context() as m:
        m.setattr(lane, "_plain", lambda scope: False)
        assert asgi_exchange(app, [body], headers) == answer
    assert (answer[0] == 200) is short  # the other is refused: not JSON
