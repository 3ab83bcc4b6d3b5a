"""Hostile input at the edge: each refusal is a clear error with a contract code, never a
500, never a trace, and nothing of it reaches the database.

What ``test_refusals.py`` covers already (malformed bodies, limits on body, tokens,
depth and aliases, amounts and dates the scalars refuse) is not repeated here; these are
the gaps the audit of the hostile-input item found, each with the fix's test.
"""

from __future__ import annotations

import json

import pytest

from core.api import errors, limits
from core.db.request import STATE_KEY
from tests.api.conftest import AS_OF, EVALUATE, check_answer, ill_household, member, only_error
from tests.api.test_cases_graphql import MOVE, READ
from tests.api.test_cases_graphql import staff as staff  # the fixture, re-exported
from tests.casefile_samples import ILL

TENANT = "query($code: String!) { tenant(code: $code) { code } }"
CASES = (
    "query($t: String!, $s: String, $f: Int) { cases(tenant: $t, status: $s, first: $f) { id } }"
)


def code_of(answer) -> str:
    return only_error(answer)["extensions"]["code"]


# --------------------------------------------------------------------------- strings
@pytest.mark.parametrize(
    "character", ["\x00", "\x08", "\x1b", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_a_control_or_bidi_override_character_in_a_variable_is_bad_input(gql, character):
    error = only_error(gql(TENANT, code=f"hebei{character}"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert error["extensions"]["details"] == {"field": "$code"}
    assert f"U+{ord(character):04X}" in error["message"]
    assert "变量 $code" in error["message"]  # Chinese and English


def test_the_variable_path_is_named_down_to_the_member(gql):
    household = {"members": [member(), member(relation="CHILD", name="李\u202e娜")]}
    error = only_error(gql(EVALUATE, tenant="hebei", household=household, asOf=AS_OF))
    assert error["extensions"]["details"]["field"] == "$household.members[1].name"


def test_tabs_line_breaks_and_any_script_are_accepted(gql):
    for text in ("河北\n省", "a\tb", "Ayşe", "阿依古丽", "𠀀", "🙂", "\u200f"):
        answer = gql(TENANT, code=text)
        assert answer == {"data": {"tenant": None}}, (text, answer)


def test_a_string_over_the_limit_is_bad_input_naming_the_variable(gql):
    assert gql(TENANT, code="x" * limits.MAX_STRING_CHARS) == {"data": {"tenant": None}}
    error = only_error(gql(TENANT, code="x" * (limits.MAX_STRING_CHARS + 1)))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert str(limits.MAX_STRING_CHARS) in error["message"]


def test_variables_nested_too_deep_are_bad_input(gql):
    deep: object = "x"
    for _ in range(limits.MAX_INPUT_DEPTH + 5):
        deep = [deep]
    error = only_error(gql(TENANT, code="hebei", extra=deep))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "nested" in error["message"]


def test_a_lone_surrogate_is_refused():
    with pytest.raises(Exception) as caught:
        limits.check_variables({"code": "a\ud800b"})
    assert caught.value.code == "BAD_INPUT"  # type: ignore[attr-defined]


def test_a_lone_surrogate_escaped_in_json_is_400_bad_input(gql):
    response = gql.post_raw(json.dumps({"query": TENANT, "variables": {"code": "\ud800"}}).encode())
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_INPUT"


@pytest.mark.parametrize(
    "literal", ['"a\\u0000b"', '"\\u202eevil"', '"""a\u2066b"""', f'"{"x" * 10_001}"']
)
def test_a_string_written_in_the_query_obeys_the_same_rule(gql, literal):
    error = only_error(gql(f"{{ tenant(code: {literal}) {{ code }} }}"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert error["locations"]


def test_messages_that_echo_the_input_are_cut(gql):
    code = "x" * 9000  # under the string limit: an unknown tenant, named in the refusal
    error = only_error(gql(EVALUATE, tenant=code, household=ill_household(), asOf=AS_OF))
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert len(error["message"]) <= 2 * errors.MAX_MESSAGE_CHARS + 3
    assert len(error["extensions"]["details"]["tenant"]) <= errors.MAX_DETAIL_CHARS
    syntax = only_error(gql("{ " + "y" * 15_000 + " }"))
    assert syntax["extensions"]["code"] == "BAD_INPUT"
    assert len(syntax["message"]) <= errors.MAX_MESSAGE_CHARS + 10


# --------------------------------------------------------------------------- queries
def test_a_query_text_over_the_limit_is_refused_before_parsing(gql, monkeypatch):
    monkeypatch.setattr(limits, "parse", lambda *a, **k: pytest.fail("parsed"))
    error = only_error(gql("{ tenants { code } }" + " " * limits.MAX_QUERY_CHARS))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert str(limits.MAX_QUERY_CHARS) in error["message"]


def test_a_query_string_of_a_megabyte_is_413(gql):
    response = gql.post_raw(json.dumps({"query": "{ tenants { code } }" + " " * 2**20}).encode())
    assert response.status_code == 413
    assert code_of(response.json()) == "BAD_INPUT"


@pytest.mark.parametrize(
    "query",
    [
        "{}",
        "query Q {}",
        "mutation {}",
        "{ tenants {} }",
        "{ tenants { ... on Tenant {} } }",
        "fragment F on Tenant {} { tenants { ...F } }",
    ],
)
def test_an_empty_selection_set_is_bad_input_not_a_fault(gql, http, query):
    """graphql-core 3.3 parses ``{}``; strawberry's depth rule then failed: a 500."""
    error = only_error(gql(query))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "selection set" in error["message"]
    by_get = check_answer(http.get("/graphql", params={"query": query}))
    assert by_get.status_code in (200, 400)
    assert only_error(by_get.json())["extensions"]["code"] == "BAD_INPUT"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ cases(tenant: \"hebei\", first: 1099511627776) { id } }", {}),
        (CASES, {"t": "hebei", "f": 2**40}),
        (EVALUATE, {"tenant": "hebei", "asOf": AS_OF,
                    "household": {**ill_household(), "dibaoContinuousMonths": 2**40}}),
        (MOVE, {"id": "1", "action": "review", "v": 2**31}),
        (MOVE, {"id": "1", "action": "review", "v": -(2**31) - 1}),
    ],
)  # fmt: skip
def test_integers_beyond_32_bits_are_bad_input(gql, query, variables):
    error = only_error(gql(query, **variables))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "32-bit" in error["message"]


def test_a_negative_page_is_bad_input(staff):
    error = staff("hebei", "caseworker").refused("BAD_INPUT", CASES, t="hebei", f=-1)
    assert error["extensions"]["details"]["argument"] == "first"


@pytest.mark.parametrize(
    ("as_of", "code"),
    [("0001-01-01", "BAD_INPUT"), ("9999-12-31", None), ("2026-02-30", "BAD_INPUT")],
)
def test_absurd_dates_are_answered_or_refused_with_a_contract_code(gql, as_of, code):
    answer = gql(EVALUATE, tenant="hebei", household=ill_household(), asOf=as_of)
    assert (code_of(answer) if code else answer.get("errors")) == code


@pytest.mark.parametrize(("amount", "fine"), [("-0", True), ("0x10", False), ("1e999999", False)])
def test_odd_amounts(gql, amount, fine):
    household = {"members": [member(monthlyIncome=amount)]}
    answer = gql(EVALUATE, tenant="hebei", household=household, asOf=AS_OF)
    assert ("errors" not in answer) if fine else code_of(answer) == "BAD_INPUT"


def test_unknown_fields_of_an_input_are_bad_input(gql):
    household = {**ill_household(), "salary": "1"}
    error = only_error(gql(EVALUATE, tenant="hebei", household=household, asOf=AS_OF))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "salary" in error["message"]


# --------------------------------------------------------------------------- HTTP
@pytest.mark.parametrize("body", [b"[]", json.dumps([{"query": "{ tenants { code } }"}] * 100)])
def test_batches_are_400_bad_input(gql, body):
    response = gql.post_raw(body if isinstance(body, bytes) else body.encode())
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_INPUT"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/graphql", "multipart/form-data; boundary=x", "application/xml", ""],
)
def test_other_content_types_are_400_bad_input(gql, content_type):
    response = gql.post_raw(b'{"query": "{ tenants { code } }"}', content_type=content_type)
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_INPUT"


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_are_405_bad_input(http, method):
    response = check_answer(http.request(method, "/graphql"))
    assert response.status_code == 405
    assert code_of(response.json()) == "BAD_INPUT"


def test_a_query_by_get_and_its_refusals(http):
    ok = check_answer(http.get("/graphql", params={"query": "{ tenants { code } }"}))
    assert ok.status_code == 200 and "errors" not in ok.json()
    for variables in ("{not json", "[1]", "5"):
        refused = check_answer(
            http.get("/graphql", params={"query": TENANT, "variables": variables})
        )
        assert refused.status_code == 400
        error = only_error(refused.json())
        assert error["extensions"]["code"] == "BAD_INPUT"
        assert "body" not in error["message"]  # a GET has none: say what is wrong


@pytest.mark.parametrize(
    "header",
    [b"Bearer", b"Basic dXNlcjpwYXNz", b"Bearer " + b"a" * 10_000,
     b"Bearer bf_" + b"a" * 10_000, "Bearer 令牌".encode(), b"Bearer \xff\xfe", b"Token bf_x"],
)  # fmt: skip
def test_garbage_authorization_is_unauthenticated(app, http, database_url, header):
    app.state[STATE_KEY] = database_url
    try:
        response = check_answer(
            http.post(
                "/graphql",
                json={"query": '{ cases(tenant: "hebei") { id } }'},
                headers={"authorization": header},
            )
        )
    finally:
        app.state[STATE_KEY] = None
    assert code_of(response.json()) == "UNAUTHENTICATED"


# --------------------------------------------------------------------------- the database
def test_a_nul_in_a_comment_is_refused_and_changes_nothing(staff):
    """On PostgreSQL a NUL reached the database: an INTERNAL error, not BAD_INPUT."""
    caseworker = staff("hebei", "caseworker")
    case = caseworker.open("hebei", ILL, "2026-09-30")
    for comment in ("a\x00b", "\u202e", "x" * (limits.MAX_STRING_CHARS + 1)):
        caseworker.refused(
            "BAD_INPUT", MOVE, id=case["id"], action="update_facts", v=1, comment=comment
        )
    caseworker.refused("BAD_INPUT", CASES, t="hebei", s="applied\x00")
    assert caseworker.ok(READ, id=case["id"])["version"] == 1
    caseworker.refused("BAD_INPUT", READ, id=case["id"] + "\x00")
    moved = caseworker.move(case, "update_facts", "2026-10-08", comment="第一行\n第二行\t完")
    assert moved["history"][-1]["comment"] == "第一行\n第二行\t完"


def test_a_long_comment_under_the_limit_is_kept(staff):
    caseworker = staff("hebei", "caseworker")
    case = caseworker.open("hebei", ILL, "2026-09-30")
    comment = "情况说明" * (limits.MAX_STRING_CHARS // 4)
    moved = caseworker.move(case, "update_facts", "2026-10-08", comment=comment)
    assert moved["history"][-1]["comment"] == comment


# --------------------------------------------------------------------------- cost
COMPARE = "compare(household: $h, tenants: $t) { tenant eligible }"


@pytest.mark.parametrize(
    "query",
    [
        f"query($h: HouseholdInput!, $t: [String!]) {{ a: {COMPARE} b: {COMPARE} }}",
        f"query($h: HouseholdInput!, $t: [String!]) {{ a: {COMPARE} ... on Query {{ b: {COMPARE} }} }}",
        f"query($h: HouseholdInput!, $t: [String!]) {{ ...F ...G }}"
        f" fragment F on Query {{ a: {COMPARE} }} fragment G on Query {{ b: {COMPARE} }}",
    ],
)
def test_an_operation_asks_for_compare_once(gql, query):
    """Fifteen aliased compares of 50 tenants were 750 evaluations for 5 KiB of request."""
    error = only_error(gql(query, h=ill_household(), t=["hebei"] * limits.MAX_TENANTS))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "compare 2 times" in error["message"]


def test_one_compare_per_operation_is_fine_even_among_several_operations(gql):
    query = (
        f"query A($h: HouseholdInput!, $t: [String!]) {{ {COMPARE} }}"
        f" query B($h: HouseholdInput!, $t: [String!]) {{ {COMPARE} }}"
    )
    response = gql.post_raw(
        json.dumps(
            {
                "query": query,
                "operationName": "B",
                "variables": {"h": ill_household(), "t": ["hebei"]},
            }
        ).encode()
    )
    assert response.json()["data"]["compare"] == [{"tenant": "hebei", "eligible": True}]
