"""Fuzzing the running server: hypothesis-generated requests against ``uvicorn`` on loopback.

The real server (:mod:`tests.live`) on a fresh database, SQLite and, when it answers,
PostgreSQL as the serving role. Two kinds of request:

* structured: the contract's queries and mutations with fuzzed variables (households with
  random and absurd values, random tenant codes, dates, case ids, actions, versions,
  comments), anonymous or with real staff tokens of several tenants and roles, or with
  garbage ``Authorization`` headers;
* unstructured: random bytes, random JSON, mutated query text, random content types,
  HTTP methods and URL parameters.

Every answer must be below 500, carry no trace, be JSON (GraphiQL's page for a browser's
GET aside), and every error in it must have one of the contract's codes (never
``INTERNAL``). Afterwards the server still answers ``/healthz`` and a known-good
``evaluate``. The number of requests sent is printed (``pytest -s`` shows it).

``BANGFU_FUZZ_EXAMPLES`` sets the number of generated requests per database (default
:data:`DEFAULT_EXAMPLES`, about 15 s each here); e.g. ``BANGFU_FUZZ_EXAMPLES=20000``.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import EVALUATE, ill_household
from tests.live import issue_tokens, live_server, serving_url

DEFAULT_EXAMPLES = 2000
EXAMPLES = int(os.environ.get("BANGFU_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
CONTRACT_CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_INPUT",
    "CONFLICT",
    "RULE_VIOLATION",
}
TENANTS = ["hebei", "gansu", "demo_city", "national"]
ROLES = ["caseworker", "reviewer", "approver", "chairman", "admin"]
ACTIONS = [
    "review", "publish", "approve", "file", "reject", "emergency_relief", "exit", "reenter",
    "update_facts", "visit", "inspect", "assess", "discuss", "rate", "sign", "follow_up",
]  # fmt: skip
GRANTS = [(t, r, f"{r}.{t}") for t in ("hebei", "gansu", "demo_city") for r in ROLES]
GRANTS += [("hebei", "caseworker", "second.caseworker.hebei"), ("national", "national", "acftu")]


# --------------------------------------------------------------------------- the server
@dataclass
class Live:
    base: str
    tokens: dict[str, str]
    cases: list[str] = field(default_factory=list)
    sent: int = 0
    outcomes: Counter = field(default_factory=Counter)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def live(request, tmp_path_factory):
    """The server on a fresh database, with staff tokens and a few open cases."""
    from core.db.testing import empty_database, sqlite_database

    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        with sqlite_database(request.getfixturevalue("sqlite_template"), folder) as url:
            yield from _serve(url, folder)
    else:
        url = request.getfixturevalue("postgres_url")
        empty_database(url)
        yield from _serve(url, folder)


def _serve(url: str, folder):
    tokens = issue_tokens(url, GRANTS)
    with live_server(serving_url(url), folder / "server.log") as base:
        live = Live(base, tokens)
        with httpx.Client(base_url=base, timeout=30) as client:
            for tenant in ("hebei", "gansu", "demo_city"):
                auth = {"authorization": f"Bearer {tokens[f'caseworker.{tenant}']}"}
                for _ in range(3):
                    answer = client.post(
                        "/graphql",
                        json={"query": OPEN, "variables": {"t": tenant, "h": ill_household()}},
                        headers=auth,
                    ).json()
                    live.cases.append(answer["data"]["openCase"]["id"])
        yield live


# --------------------------------------------------------------------------- queries
OPEN = (
    "mutation($t: String!, $h: HouseholdInput!, $u: Boolean, $on: Date) {"
    " openCase(tenant: $t, household: $h, urgent: $u, on: $on) { id version status } }"
)
QUERIES: dict[str, str] = {
    "evaluate": EVALUATE,
    "compare": "query($h: HouseholdInput!, $t: [String!], $d: Date) { compare(household: $h,"
    " tenants: $t, asOf: $d) { tenant eligible category entitlements { programme amount } } }",
    "parameters": "query($t: String!, $d: Date) { parameters(tenant: $t, asOf: $d)"
    " { name value unit effectiveFrom definedBy } }",
    "tenant": "query($c: String!) { tenant(code: $c) { code name level parent"
    " branding { displayName primaryColor logoUrl locale } } }",
    "tenants": "{ tenants { code name level parent } }",
    "case": "query($id: ID!) { case(id: $id) { id tenant status version availableActions"
    " history { action fromStatus toStatus on actor comment } deadlines { step due } } }",
    "cases": "query($t: String!, $s: String, $f: Int, $a: String) { cases(tenant: $t,"
    " status: $s, first: $f, after: $a) { id status version } }",
    "overdue": "query($t: String, $d: Date) { overdueCases(tenant: $t, asOf: $d) { id } }",
    "statistics": "query($t: [String!], $d: Date) { statistics(tenants: $t, asOf: $d)"
    " { tenant openCases filedCases exitedCases byCategory { key count } } }",
    "openCase": OPEN,
    "transition": "mutation($id: ID!, $a: String!, $v: Int!, $on: Date, $c: String,"
    " $h: HouseholdInput) { transition(caseId: $id, action: $a, expectedVersion: $v, on: $on,"
    " comment: $c, household: $h) { id status version history { action toStatus } } }",
}

# --------------------------------------------------------------------------- strategies
ABSURD_TEXT = [
    "", " ", "\x00", "a\x00b", "\u202eevil", "\u2066x\u2069", "\ufeff", "\u200b", "\x7f", "\x85",
    "1e999999", "-0", "0x10", "NaN", "Infinity", "-inf", "9" * 40, "1,600", "1600元",
    "2026-02-30", "0001-01-01", "9999-12-31", "0000-00-00", "2026-06-01T00:00:00",
    "null", "[]", "{}", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd",
    "%s%n%x", "𠀀𠀁", "🙂" * 20, "x" * 10_001, "张" * 60, "\ud800", "\udfff",
]  # fmt: skip
absurd_text = st.sampled_from(ABSURD_TEXT)
text = st.one_of(st.text(max_size=40), absurd_text)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
ints = st.one_of(
    st.integers(-5, 200),
    st.integers(-5, 200),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**40, 2**63, -(2**64)]),
    st.floats(),
    text,
    st.none(),
)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=100_000, places=2).map(str),
    st.decimals(min_value=0, max_value=100_000, places=2).map(str),
    st.integers(-(2**70), 2**70),
    st.floats(),
    text,
    st.booleans(),
    st.none(),
)
days = st.one_of(
    st.dates(date(2016, 1, 1), date(2035, 12, 31)).map(date.isoformat),
    st.dates(date(2016, 1, 1), date(2035, 12, 31)).map(date.isoformat),
    st.dates().map(date.isoformat),
    text,
    st.integers(),
    st.none(),
)
flags = st.one_of(st.booleans(), st.booleans(), json_scalars)
tenant_codes = st.one_of(st.sampled_from(TENANTS), st.sampled_from(TENANTS), text)
ENUMS = {
    "relation": ["APPLICANT", "SPOUSE", "CHILD", "PARENT", "OTHER"],
    "employment": ["EMPLOYED", "FLEXIBLE", "UNEMPLOYED", "LAID_OFF", "RETIRED", "STUDENT",
                   "UNABLE_TO_WORK", "NONE"],
    "educationStage": ["NONE", "PRESCHOOL", "COMPULSORY", "HIGH_SCHOOL", "SECONDARY_VOCATIONAL",
                       "UNDERGRADUATE", "POSTGRADUATE"],
}  # fmt: skip


def enum(name: str) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(ENUMS[name]), st.sampled_from(ENUMS[name]), text)


MEMBER_FLAGS = ["ableToWork", "seriousIllness", "disabled", "publicSchool", "newlyAdmitted",
                "hasMedicalInsurance", "hasPensionInsurance"]  # fmt: skip
HOUSEHOLD_AMOUNTS = ["otherAnnualIncome", "dibaoMonthlySubsidyPerCapita",
                     "annualMedicalOutOfPocket", "housingAreaM2"]  # fmt: skip
HOUSEHOLD_FLAGS = ["dibaoRecipient", "medicalInInsuranceCatalog", "hasHousing", "disasterLoss",
                   "threeNo", "migrantWorker", "laidOffInRestructuring",
                   "reemploymentCertificate", "selfEmployed"]  # fmt: skip
#: A household as a client would send it: every value of the right kind, in range or not.
plausible_members = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["张伟", "李娜", "王芳", "Ayşe", "阿依古丽"]),
        "relation": st.sampled_from(ENUMS["relation"]),
    },
    optional={
        "age": st.integers(0, 110),
        "monthlyIncome": st.decimals(min_value=0, max_value=20_000, places=2).map(str),
        "employment": st.sampled_from(ENUMS["employment"]),
        "educationStage": st.sampled_from(ENUMS["educationStage"]),
        **dict.fromkeys(MEMBER_FLAGS, st.booleans()),
    },
)
plausible_households = st.fixed_dictionaries(
    {
        "members": st.tuples(
            plausible_members.map(lambda m: {**m, "relation": "APPLICANT"}),
            st.lists(plausible_members, max_size=5),
        ).map(lambda parts: [parts[0], *parts[1]])
    },
    optional={
        **dict.fromkeys(
            HOUSEHOLD_AMOUNTS,
            st.decimals(min_value=0, max_value=200_000, places=2).map(str),
        ),
        **dict.fromkeys(HOUSEHOLD_FLAGS, st.booleans()),
        "dibaoContinuousMonths": st.integers(0, 240),
        "yearsInCity": st.integers(0, 60),
        "annualExpenses": st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                ["rent", "living", "medical", "education", "other"],
                st.decimals(min_value=0, max_value=100_000, places=2).map(str),
            ),
        ),
    },
)
#: Anything at all where a household goes.
members = st.fixed_dictionaries(
    {
        "name": st.one_of(st.sampled_from(["张伟", "李娜", "王芳"]), text),
        "relation": enum("relation"),
    },
    optional={
        "idNumber": st.one_of(st.sampled_from(["11010519491231002X", "110105194912310021"]), text),
        "age": ints,
        "monthlyIncome": amounts,
        "employment": enum("employment"),
        "educationStage": enum("educationStage"),
        **dict.fromkeys(MEMBER_FLAGS, flags),
        "favouriteColour": json_values,  # not in the contract
    },
)
hostile_households = st.one_of(
    st.fixed_dictionaries(
        {"members": st.one_of(st.lists(members, min_size=1, max_size=4), st.lists(members))},
        optional={
            **dict.fromkeys(HOUSEHOLD_AMOUNTS, amounts),
            **dict.fromkeys(HOUSEHOLD_FLAGS, flags),
            "dibaoContinuousMonths": ints,
            "yearsInCity": ints,
            "annualExpenses": st.one_of(
                st.fixed_dictionaries(
                    {}, optional=dict.fromkeys(["rent", "living", "medical", "education"], amounts)
                ),
                json_values,
            ),
            "secret": json_values,  # not in the contract
        },
    ),
    json_values,
)
households = st.one_of(
    plausible_households, plausible_households, st.just(ill_household()), hostile_households
)
plausible_days = st.dates(date(2024, 1, 1), date(2030, 12, 31)).map(date.isoformat)


def _header_safe(value: str) -> bytes:
    """What HTTP allows in a header value: no control character but tab, trimmed. (The
    HTTP parser refuses the others before the application sees the request: see
    ``test_malformed_http_is_refused_by_the_server``.)"""
    raw = value.encode("utf-8", "replace")
    return bytes(b for b in raw if (b >= 0x20 and b != 0x7F) or b == 0x09).strip(b" \t") or b"x"


@st.composite
def authorization(draw, live: Live) -> dict[str, bytes]:
    kind = draw(st.sampled_from(["none", "token", "token", "token", "garbage"]))
    if kind == "none":
        return {}
    if kind == "token":
        return {
            "authorization": f"Bearer {draw(st.sampled_from(sorted(live.tokens.values())))}".encode()
        }
    garbage = draw(
        st.one_of(
            st.sampled_from(["Bearer", "Basic dXNlcjpwYXNz", "Bearer bf_", "bearer " + "a" * 10_000,
                             "Bearer 令牌", "Bearer bf_" + "é" * 50, "Token x", "Bearer a b c"]),
            st.text(max_size=60).map(lambda t: "Bearer " + t),
            st.text(max_size=60),
        )
    )  # fmt: skip
    return {"authorization": _header_safe(garbage)}


@dataclass
class Request:
    method: str
    path: str = "/graphql"
    headers: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    params: dict[str, str] | None = None
    what: str = ""

    def __repr__(self) -> str:  # hypothesis prints the failing example
        body = None if self.body is None else self.body[:2000]
        return f"Request({self.method} {self.path} {self.what} {self.headers!r} {self.params!r} {body!r})"


def _encode(payload: Any, draw) -> bytes:
    ascii_only = draw(st.booleans())
    try:
        return json.dumps(payload, ensure_ascii=ascii_only).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only as an escape
        return json.dumps(payload, ensure_ascii=True).encode("utf-8")


def variables_for(name: str, live: Live) -> st.SearchStrategy[dict[str, Any]]:
    case_ids = st.one_of(
        st.sampled_from(live.cases), st.sampled_from(live.cases), text, st.integers()
    )
    tenant_lists = st.one_of(st.none(), st.lists(tenant_codes, max_size=6), json_values)
    optional_day = {"d": days}
    shapes: dict[str, st.SearchStrategy[dict[str, Any]]] = {
        "evaluate": st.fixed_dictionaries(
            {"tenant": tenant_codes, "household": households}, optional={"asOf": days}
        ),
        "compare": st.fixed_dictionaries({"h": households}, optional={"t": tenant_lists, **optional_day}),
        "parameters": st.fixed_dictionaries({"t": tenant_codes}, optional=optional_day),
        "tenant": st.fixed_dictionaries({"c": tenant_codes}),
        "tenants": st.just({}),
        "case": st.fixed_dictionaries({"id": case_ids}),
        "cases": st.fixed_dictionaries(
            {"t": tenant_codes},
            optional={"s": text, "f": ints, "a": st.one_of(case_ids, text)},
        ),
        "overdue": st.fixed_dictionaries({}, optional={"t": tenant_codes, **optional_day}),
        "statistics": st.fixed_dictionaries({}, optional={"t": tenant_lists, **optional_day}),
        "openCase": st.fixed_dictionaries(
            {"t": tenant_codes, "h": households}, optional={"u": flags, "on": days}
        ),
        "transition": st.fixed_dictionaries(
            {
                "id": case_ids,
                "a": st.one_of(st.sampled_from(ACTIONS), st.sampled_from(ACTIONS), text),
                "v": st.one_of(st.integers(1, 3), st.integers(1, 3), st.integers(0, 12), ints),
            },
            optional={"on": days, "c": text, "h": households},
        ),
    }  # fmt: skip
    return shapes[name]


@st.composite
def structured(draw, live: Live) -> Request:
    name = draw(st.sampled_from(sorted(QUERIES)))
    variables = draw(variables_for(name, live))
    body = {"query": QUERIES[name], "variables": variables}
    if draw(st.integers(0, 9)) == 0:
        body["operationName"] = draw(st.one_of(st.none(), text, json_values))
    headers = {"content-type": "application/json", **draw(authorization(live))}
    if name in ("tenants", "tenant", "parameters") and draw(st.booleans()):
        params = {"query": QUERIES[name], "variables": json.dumps(variables)}
        return Request("GET", headers=headers, params=params, what=name)
    return Request("POST", headers=headers, body=_encode(body, draw), what=name)


def _mutate(draw, source: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(source)))
        how = draw(st.sampled_from(["insert", "delete", "repeat", "replace"]))
        if how == "insert":
            source = source[:at] + draw(st.text(max_size=8)) + source[at:]
        elif how == "delete":
            source = source[:at] + source[at + draw(st.integers(1, 20)) :]
        elif how == "repeat":
            source = source[:at] + source[at : at + 30] * draw(st.integers(2, 50)) + source[at:]
        else:
            source = source[:at] + draw(st.sampled_from('{}()[]:$!@."\\#,=')) + source[at + 1 :]
    return source


@st.composite
def unstructured(draw, live: Live) -> Request:
    kind = draw(st.sampled_from(["bytes", "json", "mutated", "method", "get", "ctype"]))
    headers: dict[str, Any] = {"content-type": "application/json", **draw(authorization(live))}
    if kind == "bytes":
        return Request("POST", headers=headers, body=draw(st.binary(max_size=300)), what=kind)
    if kind == "json":
        body = draw(st.one_of(json_values, st.lists(st.fixed_dictionaries({"query": text}))))
        return Request("POST", headers=headers, body=_encode(body, draw), what=kind)
    if kind == "mutated":
        name = draw(st.sampled_from(sorted(QUERIES)))
        query = _mutate(draw, QUERIES[name])
        variables = draw(st.one_of(variables_for(name, live), json_values))
        body = _encode({"query": query, "variables": variables}, draw)
        return Request("POST", headers=headers, body=body, what=f"mutated {name}")
    if kind == "method":
        method = draw(st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]))
        return Request(
            method, headers=headers, body=b'{"query": "{ tenants { code } }"}', what=kind
        )
    if kind == "get":
        params = draw(
            st.dictionaries(
                st.sampled_from(["query", "variables", "operationName", "extensions", "x"]),
                st.one_of(
                    text, st.sampled_from(list(QUERIES.values())), json_values.map(json.dumps)
                ),
                max_size=4,
            )
        )
        params = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in params.items()}
        accept = draw(st.sampled_from(["application/json", "text/html", "*/*", ""]))
        return Request("GET", headers={"accept": accept, **headers}, params=params, what=kind)
    content_type = draw(
        st.one_of(
            st.sampled_from(["text/plain", "application/graphql", "multipart/form-data",
                             "application/x-www-form-urlencoded", "application/json; charset=latin1",
                             "application/xml", "", "application/json;;;", "*/*"]),
            st.text(max_size=30),
        )
    )  # fmt: skip
    headers["content-type"] = _header_safe(content_type)
    return Request("POST", headers=headers, body=b'{"query": "{ tenants { code } }"}', what=kind)


# --------------------------------------------------------------------------- checks
def check(response: httpx.Response, request: Request) -> str:
    """What the answer must be; returns its outcome for the summary."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    body = response.text
    assert "Traceback" not in body and 'File "' not in body, body[:2000]
    if request.method in ("HEAD", "OPTIONS"):
        return f"{response.status_code}"
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/html"):
        assert request.method == "GET" and "GraphiQL" in body, body[:500]
        return "GraphiQL"
    assert content_type.startswith("application/json"), (content_type, body[:500])
    answer = response.json()
    errors = answer.get("errors") or []
    if response.status_code >= 400:
        assert errors, body[:500]
    codes = {e.get("extensions", {}).get("code") for e in errors}
    assert codes <= CONTRACT_CODES, body[:2000]
    return f"{response.status_code} {'/'.join(sorted(codes)) or 'ok'}"


def send(client: httpx.Client, live: Live, request: Request) -> None:
    response = client.request(
        request.method,
        request.path,
        headers=request.headers,
        content=request.body,
        params=request.params,
    )
    live.sent += 1
    live.outcomes[check(response, request)] += 1


# --------------------------------------------------------------------------- the test
def test_fuzzed_requests_never_break_the_running_server(live):
    started = time.monotonic()
    with httpx.Client(base_url=live.base, timeout=30) as client:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(request=st.one_of(structured(live), structured(live), unstructured(live)))
        def fuzz(request: Request) -> None:
            send(client, live, request)

        fuzz()

        # afterwards: alive, and still right
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        good = client.post(
            "/graphql",
            json={
                "query": EVALUATE,
                "variables": {
                    "tenant": "hebei",
                    "household": ill_household(),
                    "asOf": "2026-06-01",
                },
            },
        ).json()
        assert "errors" not in good, good
        assert good["data"]["evaluate"]["eligible"] is True
        live.sent += 2
    seconds = time.monotonic() - started
    outcomes = ", ".join(f"{k} x{v}" for k, v in live.outcomes.most_common())
    print(f"\nfuzz: {live.sent} requests in {seconds:.1f} s, none 5xx, server alive; {outcomes}")
    assert live.outcomes, "no request was sent"


# --------------------------------------------------------------------------- below HTTP
MALFORMED = [
    b"GET /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00x\r\n\r\n",
    b"GET /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x1f\r\n\r\n",
    b"\xff\xfe GARBAGE\r\n\r\n",
    b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /graphql HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 200_000 + b"\r\n\r\n",
]


def _exchange(base: str, data: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError:  # the server may close first: it read enough to refuse
            pass
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_http_is_refused_by_the_server(live, data):
    """Requests that are not HTTP (control characters in a header, a garbage request line,
    a broken length or chunk) never reach the application: the HTTP parser answers 400 or
    closes the connection. Never a 5xx, and the server goes on serving."""
    try:
        answer = _exchange(live.base, data)
    except ConnectionResetError:
        answer = b""
    status = answer.split(b"\r\n", 1)[0]
    assert not status or status.split(b" ")[1].startswith(b"4"), answer[:300]
    live.sent += 1
    with httpx.Client(base_url=live.base, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
