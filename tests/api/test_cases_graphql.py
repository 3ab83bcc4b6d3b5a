"""Case files through GraphQL, on SQLite and PostgreSQL: the public golden cases H7, H8,
G2 and G3 of RULES.md, and the refusals a caseworker can act on."""

from __future__ import annotations

from typing import Any

import pytest

from core.auth.tokens import issue_token
from core.db.request import STATE_KEY
from core.db.session import session_factory
from tests.api.conftest import check_answer
from tests.casefile_samples import ILL, NO_HOUSING

CASE = """
    id tenant status version openedOn urgent availableActions
    history { action fromStatus toStatus on actor comment }
    deadlines { step due provisional }
    evaluation { eligible checklist { code met } }
"""
OPEN = f"""
mutation($tenant: String!, $h: HouseholdInput!, $on: Date, $urgent: Boolean) {{
  openCase(tenant: $tenant, household: $h, on: $on, urgent: $urgent) {{ {CASE} }}
}}"""
MOVE = f"""
mutation($id: ID!, $action: String!, $v: Int!, $on: Date, $comment: String) {{
  transition(caseId: $id, action: $action, expectedVersion: $v, on: $on, comment: $comment) {{
    {CASE}
  }}
}}"""
READ = f"query($id: ID!) {{ case(id: $id) {{ {CASE} }} }}"
ROLES = ("caseworker", "reviewer", "approver", "chairman", "admin")


class Staff:
    """GraphQL as one member of staff (a bearer token of the test database)."""

    def __init__(self, http, token: str | None) -> None:
        self.http = http
        self.headers = {"authorization": f"Bearer {token}"} if token else {}

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        check_answer(response)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = self(query, **variables)
        assert not answer.get("errors"), answer
        return next(iter(answer["data"].values()))

    def refused(self, code: str, query: str, **variables: Any) -> dict[str, Any]:
        answer = self(query, **variables)
        [error] = answer["errors"]
        assert error["extensions"]["code"] == code, error
        zh, _, en = error["message"].partition(" / ")
        assert zh and en, error["message"]  # Chinese and English
        return error

    def open(self, tenant: str, household: dict, on: str, urgent: bool = False) -> dict:
        return self.ok(OPEN, tenant=tenant, h=household, on=on, urgent=urgent)

    def move(self, case: dict, action: str, on: str, comment: str | None = None) -> dict:
        return self.ok(
            MOVE, id=case["id"], action=action, v=case["version"], on=on, comment=comment
        )

    def read(self, case: dict) -> dict:
        return self.ok(READ, id=case["id"])


@pytest.fixture
def staff(app, http, api_registry, database_url):
    """``staff(tenant, role)``: a GraphQL client with a token of that role."""
    app.state[STATE_KEY] = database_url
    with session_factory(database_url)() as session:
        tokens = {
            (tenant, role): issue_token(
                session, tenant, role, f"{role}.{tenant}", set(api_registry.tenants)
            )
            for tenant in ("hebei", "gansu", "demo_city")
            for role in ROLES
        }
        tokens["national", "national"] = issue_token(
            session, "national", "national", "acftu", set(api_registry.tenants)
        )
    yield lambda tenant=None, role=None: Staff(http, tokens.get((tenant, role)))
    app.state[STATE_KEY] = None


# --------------------------------------------------------------------------- golden cases
def test_h7_review_due_on_the_third_working_day_after_opening(staff):
    case = staff("hebei", "caseworker").open("hebei", ILL, "2026-09-30")
    assert case["status"] == "applied" and case["version"] == 1
    assert case["deadlines"] == [{"step": "review", "due": "2026-10-10", "provisional": False}]


def test_h8_approval_refused_on_9_october_allowed_on_10_october(staff):
    reviewer, approver = staff("hebei", "reviewer"), staff("hebei", "approver")
    case = staff("hebei", "caseworker").open("hebei", ILL, "2026-09-24")
    case = reviewer.move(case, "review", "2026-09-25")
    case = reviewer.move(case, "publish", "2026-09-28")
    error = approver.refused(
        "RULE_VIOLATION", MOVE, id=case["id"], action="approve", v=case["version"], on="2026-10-09"
    )
    assert "2026-10-10" in error["message"]
    assert error["extensions"]["details"]["allowedFrom"] == "2026-10-10"
    assert approver.read(case)["version"] == case["version"]
    approved = approver.move(case, "approve", "2026-10-10")
    assert (approved["status"], approved["version"]) == ("approved", case["version"] + 1)
    assert approved["history"][-1] == {
        "action": "approve",
        "fromStatus": "in_public_notice",
        "toStatus": "approved",
        "on": "2026-10-10",
        "actor": "approver.hebei",
        "comment": None,
    }


def gansu_approved(staff, household) -> dict:
    caseworker, reviewer = staff("gansu", "caseworker"), staff("gansu", "reviewer")
    approver = staff("gansu", "approver")
    case = caseworker.open("gansu", household, "2026-06-01")
    case = caseworker.move(case, "visit", "2026-06-02")
    case = caseworker.move(case, "inspect", "2026-06-03")
    case = caseworker.move(case, "assess", "2026-06-04")
    case = reviewer.move(case, "discuss", "2026-06-05", "工会委员会集体研究同意")
    case = reviewer.move(case, "rate", "2026-06-08")
    case = reviewer.move(case, "publish", "2026-06-09")
    return approver.move(case, "approve", "2026-06-16")


def test_g2_filing_without_the_chairmans_signature_is_refused_and_changes_nothing(staff):
    approver = staff("gansu", "approver")
    case = gansu_approved(staff, NO_HOUSING)
    assert case["status"] == "approved"
    error = approver.refused(
        "RULE_VIOLATION", MOVE, id=case["id"], action="file", v=case["version"], on="2026-06-17"
    )
    assert "工会主席不签字不建档" in error["message"]
    assert "chairman's signature" in error["message"]
    assert error["extensions"]["details"]["missing"] == ["sign"]
    after = approver.read(case)
    assert (after["status"], after["version"], after["history"]) == (
        case["status"],
        case["version"],
        case["history"],
    )
    signed = staff("gansu", "chairman").move(case, "sign", "2026-06-17")
    assert approver.move(signed, "file", "2026-06-18")["status"] == "filed"


def test_g3_no_exit_while_housing_is_not_secured(staff):
    approver = staff("gansu", "approver")
    case = gansu_approved(staff, NO_HOUSING)
    case = staff("gansu", "chairman").move(case, "sign", "2026-06-17")
    case = approver.move(case, "file", "2026-06-18")
    checklist = {c["code"]: c["met"] for c in case["evaluation"]["checklist"]}
    assert [code for code, met in checklist.items() if not met] == ["housing"]
    assert "exit" not in case["availableActions"]
    error = approver.refused(
        "RULE_VIOLATION", MOVE, id=case["id"], action="exit", v=case["version"], on="2026-09-01"
    )
    assert error["extensions"]["details"]["unmet"] == ["housing"]
    assert approver.read(case)["status"] == "filed"


# --------------------------------------------------------------------------- refusals
def test_refusals_carry_a_contract_code_and_change_nothing(staff):
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    case = caseworker.open("hebei", ILL, "2026-09-30")
    assert caseworker.read(case)["availableActions"] == ["update_facts"]
    assert reviewer.read(case)["availableActions"] == ["review", "reject"]
    caseworker.refused("FORBIDDEN", MOVE, id=case["id"], action="review", v=1, on="2026-10-08")
    moved = reviewer.move(case, "review", "2026-10-08")
    error = reviewer.refused("CONFLICT", MOVE, id=case["id"], action="publish", v=1)
    assert error["extensions"]["details"] == {"version": 2, "expectedVersion": 1}
    assert reviewer.read(case)["version"] == moved["version"] == 2
    reviewer.refused("BAD_INPUT", MOVE, id=case["id"], action="fly", v=2)


def test_another_tenants_case_is_not_found(staff):
    case = staff("hebei", "caseworker").open("hebei", ILL, "2026-09-30")
    gansu = staff("gansu", "admin")
    assert gansu.ok(READ, id=case["id"]) is None
    assert staff("demo_city", "admin").ok(READ, id=case["id"]) is None
    gansu.refused("NOT_FOUND", MOVE, id=case["id"], action="review", v=1)
    gansu.refused("FORBIDDEN", OPEN, tenant="hebei", h=ILL)
    assert staff("hebei", "reviewer").read(case)["version"] == 1


def test_anonymous_and_bad_tokens(staff, http):
    anonymous = staff()
    anonymous.refused("UNAUTHENTICATED", READ, id="1")
    anonymous.refused("UNAUTHENTICATED", OPEN, tenant="hebei", h=ILL)
    anonymous.refused("UNAUTHENTICATED", '{ cases(tenant: "hebei") { id } }')
    forged = Staff(http, "bf_not-a-token")
    forged.refused("UNAUTHENTICATED", READ, id="1")
    # published policy stays open to anyone, whatever the header says
    answer = forged('{ tenant(code: "hebei") { name } }')
    assert answer["data"]["tenant"] == {"name": "河北省"}


def test_cases_lists_and_statistics(staff):
    caseworker = staff("hebei", "caseworker")
    ids = [caseworker.open("hebei", ILL, "2026-09-30")["id"] for _ in range(5)]
    page = caseworker.ok('{ cases(tenant: "hebei", first: 3) { id status } }')
    assert [c["id"] for c in page] == ids[:3]
    rest = caseworker.ok(f'{{ cases(tenant: "hebei", after: "{ids[2]}") {{ id }} }}')
    assert [c["id"] for c in rest] == ids[3:]
    staff("national", "national").refused("FORBIDDEN", READ, id=ids[0])
    stats = staff("national", "national").ok(
        "{ statistics { tenant openCases filedCases byCategory { key count } } }"
    )
    hebei = next(s for s in stats if s["tenant"] == "hebei")
    assert hebei == {
        "tenant": "hebei",
        "openCases": 5,
        "filedCases": None,
        "byCategory": [{"key": "tekun", "count": 5}],
    }


def test_overdue_cases_for_staff(staff):
    caseworker = staff("hebei", "caseworker")
    late = caseworker.open("hebei", ILL, "2026-11-02")  # review due 5 November
    caseworker.open("hebei", ILL, "2026-11-19")  # review due 24 November
    query = "query($on: Date) { overdueCases(asOf: $on) { id deadlines { step due } } }"
    overdue = caseworker.ok(query, on="2026-11-20")
    assert overdue == [{"id": late["id"], "deadlines": [{"step": "review", "due": "2026-11-05"}]}]
    assert staff("gansu", "caseworker").ok(query, on="2026-11-20") == []
    staff().refused("UNAUTHENTICATED", query, on="2026-11-20")


def test_a_step_that_records_facts_takes_the_household(staff):
    caseworker = staff("hebei", "caseworker")
    case = caseworker.open("hebei", ILL, "2026-09-30")
    assert case["evaluation"]["eligible"] is True
    update = f"""
    mutation($id: ID!, $v: Int!, $h: HouseholdInput) {{
      transition(caseId: $id, action: "update_facts", expectedVersion: $v, on: "2026-10-08",
                 household: $h) {{ {CASE} }}
    }}"""
    richer = {**ILL, "annualMedicalOutOfPocket": "1000"}
    changed = caseworker.ok(update, id=case["id"], v=1, h=richer)
    assert (changed["version"], changed["evaluation"]["eligible"]) == (2, False)
    reviewer = staff("hebei", "reviewer")
    wrong = """
    mutation($id: ID!, $h: HouseholdInput) {
      transition(caseId: $id, action: "review", expectedVersion: 2, household: $h) { id }
    }"""
    reviewer.refused("BAD_INPUT", wrong, id=case["id"], h=ILL)


@pytest.mark.parametrize(
    "query",
    [
        "{ nosuchfield }",  # invalid: graphql-core's validation
        "{ case(id: ",  # a syntax error
        "query A { tenants { code } } query B { tenants { code } }",  # which operation?
        "subscription { tenants { code } }",  # no subscriptions
        "",  # no query at all
    ],
)
def test_case_work_in_a_thread_answers_as_the_event_loop_does(staff, http, query):
    """An authenticated request runs in a worker thread (blocking database work), an
    anonymous one in the event loop: a query wrong in the same way is refused the same
    way on both, in status, code and message."""
    answers = []
    for headers in ({}, staff("hebei", "reviewer").headers):
        response = http.post("/graphql", json={"query": query}, headers=headers)
        body = response.json()
        errors = [
            (e.get("extensions", {}).get("code"), e["message"]) for e in body.get("errors", [])
        ]
        answers.append((response.status_code, body.get("data"), errors))
    assert answers[0] == answers[1]


def test_a_mutation_in_a_get_is_refused_with_a_token_too(staff, http):
    reviewer = staff("hebei", "reviewer")
    query = 'mutation { transition(caseId: "1", action: "review", expectedVersion: 1) { id } }'
    response = http.get("/graphql", params={"query": query}, headers=reviewer.headers)
    assert response.status_code in (400, 405), response.text
    assert response.json()["errors"]


def test_a_page_reads_the_histories_only_when_asked_for_them_once_for_all(staff, database_url):
    """A list of { id status version } needs no history; a list with histories reads
    them in one statement for the page, each file getting its own."""
    from sqlalchemy import event

    from core.db.session import engine_for

    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    opened = [caseworker.open("hebei", ILL, "2026-09-30") for _ in range(3)]
    reviewer.move(opened[1], "review", "2026-10-08")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = engine_for(database_url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = caseworker.ok('{ cases(tenant: "hebei") { id status version } }')
        assert [c["version"] for c in page] == [1, 2, 1]
        assert not [s for s in statements if "case_events" in s and "INSERT" not in s]
        statements.clear()
        page = caseworker.ok('{ cases(tenant: "hebei") { id history { action } } }')
        reads = [s for s in statements if "FROM case_events" in s]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [[e["action"] for e in c["history"]] for c in page] == [
        ["open"],
        ["open", "review"],
        ["open"],
    ]
    assert len(reads) == 1
