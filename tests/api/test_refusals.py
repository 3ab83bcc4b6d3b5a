"""Every refusal is a GraphQL error with a contract code and a message a caseworker can act
on; no input, however malformed, produces a 500 or a stack trace."""

from __future__ import annotations

import json
import logging

import pytest
import strawberry

from core.api import limits, policy
from core.api.schema import BangfuSchema, schema
from tests.api.conftest import AS_OF, EVALUATE, check_answer, ill_household, member, only_error

VALID_ID = "11010519491231002X"  # a well-formed resident ID: checksum X
WRONG_CHECKSUM = "110105194912310021"  # the same ID with a wrong check digit


def evaluate(gql, household, tenant="national"):
    return gql(EVALUATE, tenant=tenant, household=household, asOf=AS_OF)


def problems_of(error):
    return {p["field"]: p["problem"] for p in error["extensions"]["details"]["problems"]}


def test_an_unknown_tenant_is_not_found(gql):
    error = only_error(evaluate(gql, ill_household(), tenant="atlantis"))
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "atlantis" in error["message"]
    assert error["path"] == ["evaluate"]


def test_a_negative_amount_is_bad_input_naming_the_field(gql):
    answer = evaluate(gql, {"members": [member(monthlyIncome="-5")]})
    error = only_error(answer)
    assert answer["data"] is None
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "members.0.monthlyIncome" in problems_of(error)
    assert "negative" in error["message"]
    assert "家庭信息有误" in error["message"]  # Chinese and English


def test_a_household_without_an_applicant_is_bad_input(gql):
    error = only_error(evaluate(gql, {"members": [member(relation="SPOUSE")]}))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "APPLICANT" in error["message"]


def test_a_wrong_id_checksum_is_bad_input_naming_the_member(gql):
    assert "errors" not in evaluate(gql, {"members": [member(idNumber=VALID_ID)]})
    error = only_error(evaluate(gql, {"members": [member(idNumber=WRONG_CHECKSUM)]}))
    assert error["extensions"]["code"] == "BAD_INPUT"
    problem = problems_of(error)["members.0.idNumber"]
    assert "check digit" in problem


def test_every_problem_of_a_household_is_listed(gql):
    household = {"members": [member(monthlyIncome="-1", age=200, name="")], "yearsInCity": -3}
    error = only_error(evaluate(gql, household))
    assert {"members.0.monthlyIncome", "members.0.age", "members.0.name", "yearsInCity"} <= set(
        problems_of(error)
    )


@pytest.mark.parametrize(
    "amount", ["NaN", "Infinity", "-inf", "1e999999", "", "abc", "1,600", True, [1]]
)
def test_an_amount_that_is_not_a_number_is_bad_input(gql, amount):
    answer = evaluate(gql, {"members": [member(monthlyIncome=amount)]})
    error = only_error(answer)
    assert error["extensions"]["code"] == "BAD_INPUT", error
    assert "monthlyIncome" in error["message"]


def test_a_date_that_is_not_a_calendar_date_is_bad_input(gql):
    for bad in ["2026-13-01", "2026-02-30", "tomorrow", "2026-06-01T00:00:00", 20260601]:
        error = only_error(gql(EVALUATE, tenant="national", household=ill_household(), asOf=bad))
        assert error["extensions"]["code"] == "BAD_INPUT", (bad, error)
        assert "YYYY-MM-DD" in error["message"] or "Date" in error["message"]


def test_an_unknown_field_is_bad_input(gql):
    error = only_error(gql("{ tenants { code secretField } }"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "secretField" in error["message"]


def test_a_wrong_argument_type_is_bad_input(gql):
    error = only_error(gql("{ tenant(code: 42) { code } }"))
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_an_unknown_enum_value_is_bad_input(gql):
    error = only_error(evaluate(gql, {"members": [member(relation="COUSIN")]}))
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_a_missing_required_variable_is_bad_input(gql):
    error = only_error(gql(EVALUATE, tenant="national"))
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_a_syntax_error_is_bad_input(gql):
    error = only_error(gql("{ tenants { code "))
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_too_many_members_is_bad_input(gql):
    household = {
        "members": [member()] + [member(relation="CHILD", name=f"孩子{i}") for i in range(40)]
    }
    error = only_error(evaluate(gql, household))
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_too_many_tenants_to_compare_is_bad_input(gql):
    query = "query($h: HouseholdInput!, $t: [String!]) { compare(household: $h, tenants: $t) { tenant } }"
    error = only_error(gql(query, h=ill_household(), t=["national"] * (limits.MAX_TENANTS + 1)))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert str(limits.MAX_TENANTS) in error["message"]


# --------------------------------------------------------------------------- limits
@strawberry.type
class Node:
    """A recursive type: the contract has none, so depth is tested on this one."""

    @strawberry.field
    def child(self) -> Node:
        return Node()

    name: str = "n"


def _nested(depth: int) -> str:
    query = "name"
    for _ in range(depth):
        query = f"child {{ {query} }}"
    return "{ " + query + " }"


def test_a_query_deeper_than_the_limit_is_refused():
    @strawberry.type
    class Query:
        @strawberry.field
        def child(self) -> Node:
            return Node()

    nested = BangfuSchema(query=Query, extensions=[limits.RequestLimits])
    assert nested.execute_sync(_nested(limits.MAX_DEPTH - 1)).errors is None
    result = nested.execute_sync(_nested(limits.MAX_DEPTH + 1))
    (error,) = result.errors
    assert error.extensions["code"] == "BAD_INPUT"
    assert "depth" in error.message


def test_the_served_schema_enforces_the_limits():
    assert all(issubclass(e, limits.RequestLimits) for e in schema.extensions)


def test_too_many_aliases_are_refused(gql):
    fields = " ".join(f"a{i}: tenants {{ code }}" for i in range(limits.MAX_ALIASES + 1))
    error = only_error(gql("{ " + fields + " }"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "aliases" in error["message"]


def test_too_many_tokens_are_refused(gql):
    fields = " ".join("code" for _ in range(limits.MAX_TOKENS + 10))
    error = only_error(gql("{ tenants { " + fields + " } }"))
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert "tokens" in error["message"]


def test_a_body_over_the_limit_is_refused_before_parsing(gql):
    response = gql.post_raw(
        b'{"query": "' + b" " * limits.MAX_BODY_BYTES + b'{ tenants { code } }"}'
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"


# --------------------------------------------------------------------------- malformed HTTP
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b'"just a string"',
        b"42",
        b"null",
        b"[" * 5000 + b"]" * 5000,
        b"\xff\xfe\x00",
        b'{"query": 42}',
        b'{"query": "{ tenants { code } }", "variables": [1]}',
        b'{"query": "{ tenants { code } }", "operationName": {}}',
        b'[{"query": "{ tenants { code } }"}]',
        b'{"variables": {}}',
    ],
)
def test_a_malformed_body_is_400_bad_input_in_json(gql, body):
    response = gql.post_raw(body)
    assert response.status_code == 400, response.text
    error = only_error(response.json())
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert " / " in error["message"]  # Chinese / English


def test_a_body_that_is_not_json_at_all_is_refused(gql):
    response = gql.post_raw(b"query=%7B%7D", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert only_error(response.json())["extensions"]["code"] == "BAD_INPUT"


def test_a_mutation_by_get_is_refused(http):
    response = check_answer(
        http.get(
            "/graphql",
            params={
                "query": 'mutation { transition(caseId: "1", action: "x", expectedVersion: 1) { id } }'
            },
        )
    )
    assert response.status_code == 400
    assert only_error(response.json())["extensions"]["code"] == "BAD_INPUT"


def test_an_unknown_operation_name_is_refused(gql):
    response = gql.post_raw(
        json.dumps({"query": "query A { tenants { code } }", "operationName": "B"}).encode()
    )
    assert response.status_code == 400
    assert only_error(response.json())["extensions"]["code"] == "BAD_INPUT"


# --------------------------------------------------------------------------- faults
def test_an_unexpected_fault_is_internal_with_a_generic_message_and_logged(
    gql, monkeypatch, caplog
):
    def broken(registry):
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(policy, "tenants", broken)
    with caplog.at_level(logging.ERROR, logger="bangfu.api"):
        answer = gql("{ tenants { code } }")
    error = only_error(answer)
    assert error["extensions"] == {"code": "INTERNAL"}
    assert "secret detail" not in json.dumps(answer)
    assert "RuntimeError" not in json.dumps(answer)
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


def test_a_wrong_method_is_refused_in_the_same_form(http):
    response = check_answer(http.put("/graphql", json={"query": "{ tenants { code } }"}))
    assert response.status_code == 405
    assert only_error(response.json())["extensions"]["code"] == "BAD_INPUT"
