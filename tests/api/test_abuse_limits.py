"""Abuse limits of issue 8 (section 7) and the Authorization header: each finding of the
attack, reproduced through HTTP and refused by its error code (never by timing)."""

from __future__ import annotations

import anyio
import pytest

from core.api import limits
from core.api.slowbody import SlowBodyGuard
from core.auth.tokens import issue_token
from core.db.request import STATE_KEY
from core.db.session import session_factory
from tests.api.conftest import EVALUATE, check_answer, ill_household, only_error

KNOWN = {"hebei", "gansu", "demo_city", "national"}


def post(http, query: str, headers=None, **variables):
    response = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return check_answer(response)


# --------------------------------------------------------------------------- cost
def test_490_overlapping_fields_are_refused_before_validation(http, monkeypatch):
    """The attack: one anonymous 10 KB query of 490 copies of a field took a second of CPU
    in graphql-core's validation. It is refused by the cost limit, which runs first."""
    validated = []
    real = limits.validate_document
    monkeypatch.setattr(limits, "validate_document", lambda *a: validated.append(1) or real(*a))
    query = "{ " + " ".join(["tenants { code }"] * 490) + " }"
    assert 8_000 < len(query) < limits.MAX_QUERY_CHARS
    error = only_error(post(http, query).json())
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert str(limits.MAX_SELECTION_FIELDS) in error["message"] and "字段" in error["message"]
    assert validated == []  # refused without validating


def test_fragments_count_wherever_they_are_spread(http):
    # 10 fields, spread 40 times: 400 fields in one selection set
    spread = " ".join(["...F"] * 40)
    query = f"query {{ {spread} }} fragment F on Query {{ " + "tenants { code } " * 10 + "}"
    assert only_error(post(http, query).json())["extensions"]["code"] == "BAD_INPUT"
    # nested fragments multiply: 3 spreads of G, each of 3 spreads of H of 40 fields
    h = "fragment H on Tenant { " + " ".join(f"a{i}: code" for i in range(40)) + " }"
    g = "fragment G on Tenant { ...H ...H ...H }"
    query = "{ tenants { ...G } a: tenants { ...G } b: tenants { ...G } } " + g + " " + h
    error = only_error(post(http, query).json())
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_an_operation_of_too_many_fields_in_all_is_refused(http):
    block = " ".join(f"f{i}: code" for i in range(30))
    query = "{ " + " ".join(f"t{i}: tenants {{ {block} }}" for i in range(12)) + " }"
    error = only_error(post(http, query).json())
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert str(limits.MAX_FIELDS) in error["message"]


def test_honest_queries_pass_the_cost_limit(http):
    answer = post(http, EVALUATE, tenant="hebei", household=ill_household(), asOf="2026-06-01")
    assert "errors" not in answer.json(), answer.text


# --------------------------------------------------------------------------- size
def test_an_answer_larger_than_the_cap_is_not_sent(http, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESPONSE_BYTES", 200)
    response = post(http, "{ tenants { code name level parent } }")
    error = only_error(response.json())
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "应答" in error["message"] and "smaller page" in error["message"]
    assert response.json()["data"] is None
    assert "hebei" not in response.text


# --------------------------------------------------------------------------- headers
def test_two_authorization_headers_are_refused(http):
    headers = [("authorization", "Bearer bf_one"), ("authorization", "Bearer bf_two")]
    response = http.post("/graphql", json={"query": "{ tenants { code } }"}, headers=headers)
    check_answer(response)
    assert response.status_code == 401
    error = only_error(response.json())
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization" in error["message"] and "多个" in error["message"]


@pytest.fixture
def token(app, database_url):
    app.state[STATE_KEY] = database_url
    with session_factory(database_url)() as session:
        yield issue_token(session, "hebei", "caseworker", "wang", KNOWN)
    app.state[STATE_KEY] = None


def test_graphql_answers_are_never_stored(http, token):
    headers = {"authorization": f"Bearer {token}"}
    response = post(http, '{ cases(tenant: "hebei") { id } }', headers=headers)
    assert "errors" not in response.json(), response.text
    assert response.headers["cache-control"] == "no-store"
    refused = post(http, '{ cases(tenant: "hebei") { id } }', headers={"authorization": "x"})
    assert refused.headers["cache-control"] == "no-store"


# --------------------------------------------------------------------------- readiness
def test_ready_checks_the_database(app, http, database_url):
    app.state[STATE_KEY] = database_url
    try:
        ready = http.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert ready.headers["cache-control"] == "no-store"
        app.state[STATE_KEY] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
        down = http.get("/ready")
        assert down.status_code == 503 and down.json()["status"] == "unavailable"
        assert "nobody" not in down.text
    finally:
        app.state[STATE_KEY] = None


# --------------------------------------------------------------------------- slow bodies
def test_a_body_that_comes_too_slowly_is_answered_408():
    """The guard in front of the application: a body that stalls halfway gets 408 and the
    application never sees the request; a whole body is handed on unchanged."""
    seen: list[bytes] = []

    async def application(scope, receive, send):
        message = await receive()
        seen.append(message["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def run(messages):
        sent = []

        async def receive():
            if messages:
                return messages.pop(0)
            await anyio.sleep(3600)  # the client stalls

        async def send(message):
            sent.append(message)

        guard = SlowBodyGuard(application, timeout=0.05)
        await guard({"type": "http", "method": "POST"}, receive, send)
        return sent

    stalled = anyio.run(run, [{"type": "http.request", "body": b"{", "more_body": True}])
    assert stalled[0]["status"] == 408 and seen == []
    assert b"\\u8bf7\\u6c42\\u4f53" in stalled[1]["body"] or "请求体".encode() in stalled[1]["body"]
    whole = [
        {"type": "http.request", "body": b"{}", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]
    answered = anyio.run(run, whole)
    assert answered[0]["status"] == 200 and seen == [b"{}"]
