"""The case fields are served and wired to core.api.cases_gateway: these tests pin the
wiring, not the workflow (which tests/api/test_cases_graphql.py exercises)."""

from __future__ import annotations

from datetime import date

import pytest

from core.api import cases_gateway
from core.cases.views import CaseView, Count, EventView, TenantStatistics
from core.evaluation import evaluate
from core.model import parse_household
from core.workflow.deadlines import Deadline
from tests.api.conftest import AS_OF, EVALUATION_FIELDS, ill_household, only_error

CASE_FIELDS = f"""
    id tenant status version openedOn urgent availableActions
    evaluation {{ {EVALUATION_FIELDS} }}
    history {{ action fromStatus toStatus on actor comment }}
    deadlines {{ step due provisional }}
"""


@pytest.fixture
def a_case(api_registry):
    household = parse_household(ill_household())
    opened = date(2026, 6, 1)
    return CaseView(
        id="c-1",
        tenant="national",
        status="applied",
        status_zh="已申请",
        status_en="applied",
        version=2,
        opened_on=opened,
        urgent=True,
        opened_by="caseworker1",
        evaluation=evaluate(api_registry.get("national"), household, opened),
        available_actions=("review", "reject"),
        history=(
            EventView(
                1, "open", "", "applied", opened, "caseworker1", "caseworker", None, False, {}, {}
            ),
        ),
        deadlines=(
            Deadline("review", date(2026, 6, 15), True, "open", opened, 3, "审核", "review"),
        ),
        household={},
    )


def test_case_is_read_from_the_gateway_record_by_record(gql, monkeypatch, a_case):
    seen = {}

    def get_case(context, case_id):
        seen["registry"] = context.registry
        seen["id"] = case_id
        return a_case

    monkeypatch.setattr(cases_gateway, "get_case", get_case)
    case = gql(f'{{ case(id: "c-1") {{ {CASE_FIELDS} }} }}')["data"]["case"]
    assert seen["id"] == "c-1" and seen["registry"] is not None
    assert case["id"] == "c-1"
    assert case["openedOn"] == "2026-06-01"
    assert case["availableActions"] == ["review", "reject"]
    assert case["history"] == [
        {
            "action": "open",
            "fromStatus": "",
            "toStatus": "applied",
            "on": "2026-06-01",
            "actor": "caseworker1",
            "comment": None,
        }
    ]
    assert case["deadlines"] == [{"step": "review", "due": "2026-06-15", "provisional": True}]
    assert case["evaluation"]["budget"]["annualIncome"] == "24000.00"


def test_statistics_are_read_from_the_gateway(gql, monkeypatch):
    record = TenantStatistics(
        "national", 12, None, 7, (Count("tekun", 9), Count("kunnan", None)), ()
    )
    monkeypatch.setattr(cases_gateway, "statistics", lambda context, tenants, on: [record])
    query = "{ statistics { tenant openCases filedCases exitedCases byCategory { key count } byGroup { key count } } }"
    assert gql(query)["data"]["statistics"] == [
        {
            "tenant": "national",
            "openCases": 12,
            "filedCases": None,
            "exitedCases": 7,
            "byCategory": [{"key": "tekun", "count": 9}, {"key": "kunnan", "count": None}],
            "byGroup": [],
        }
    ]


def test_the_mutations_hand_over_a_validated_household_and_the_arguments(gql, monkeypatch, a_case):
    calls = []
    monkeypatch.setattr(cases_gateway, "open_case", lambda *args: calls.append(args) or a_case)
    monkeypatch.setattr(cases_gateway, "transition", lambda *args: calls.append(args) or a_case)
    opened = gql(
        'mutation($h: HouseholdInput!) { openCase(tenant: "national", household: $h, on: "2026-06-01") { id version } }',
        h=ill_household(),
    )
    assert opened["data"]["openCase"] == {"id": "c-1", "version": 2}
    _, tenant, household, urgent, on = calls[0]
    assert (tenant, urgent, on) == ("national", False, date(2026, 6, 1))
    assert household.annual_income == 24000
    moved = gql(
        'mutation { transition(caseId: "c-1", action: "review", expectedVersion: 2, comment: "ok") { status } }'
    )
    assert moved["data"]["transition"] == {"status": "applied"}
    _, case_id, action, version, on, comment = calls[1]
    # no date given: the service dates the step by the server's clock
    assert (case_id, action, version, on, comment) == ("c-1", "review", 2, None, "ok")


def test_case_files_need_a_staff_token(gql):
    # the workflow has landed (tests/api/test_cases_graphql.py): anonymous callers get
    # published policy only
    for query in ('{ case(id: "1") { id } }', '{ cases(tenant: "national") { id } }'):
        assert only_error(gql(query))["extensions"]["code"] == "UNAUTHENTICATED"
    assert only_error(gql("{ statistics { tenant } }"))["extensions"]["code"] == "UNAUTHENTICATED"
    answer = gql(
        'mutation($h: HouseholdInput!) { openCase(tenant: "national", household: $h) { id } }',
        h=ill_household(),
    )
    assert only_error(answer)["extensions"]["code"] == "UNAUTHENTICATED"


def test_cases_of_an_unknown_tenant_are_not_found(gql):
    assert (
        only_error(gql('{ cases(tenant: "atlantis") { id } }'))["extensions"]["code"] == "NOT_FOUND"
    )


def test_a_page_larger_than_the_limit_is_bad_input(gql):
    assert (
        only_error(gql('{ cases(tenant: "national", first: 100000) { id } }'))["extensions"]["code"]
        == "BAD_INPUT"
    )


def test_open_case_validates_the_household_first(gql):
    answer = gql(
        'mutation($h: HouseholdInput!) { openCase(tenant: "national", household: $h) { id } }',
        h={"members": [{"name": "x", "relation": "CHILD"}]},
    )
    assert only_error(answer)["extensions"]["code"] == "BAD_INPUT"
    assert AS_OF
