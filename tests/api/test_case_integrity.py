"""Case work that can be trusted with money (issue 8), through GraphQL on SQLite and
PostgreSQL: the server's clock, re-approval of new facts, per-tenant case numbers, the
history's hash chain and the read audit.

The suite runs with the clock pinned to 2026-11-20 (``BANGFU_TODAY``, tests/conftest.py).
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from core import clock
from core.db import chain
from core.db.models import CaseEvent, CaseRead
from core.db.session import session_factory
from tests.api.test_cases_graphql import MOVE, OPEN, READ, staff  # noqa: F401 (a fixture)
from tests.casefile_samples import ILL

HISTORY = """
    id number version status
    history { action on recordedAt late afterDeadline pending actor }
    evaluation { entitlements { programme amount } }
    pendingFacts { enteredBy enteredOn seq evaluation { entitlements { programme amount } } }
"""
OPEN_H = f"""
mutation($tenant: String!, $h: HouseholdInput!, $on: Date) {{
  openCase(tenant: $tenant, household: $h, on: $on) {{ {HISTORY} }}
}}"""
MOVE_H = f"""
mutation($id: ID!, $action: String!, $v: Int!, $on: Date, $h: HouseholdInput) {{
  transition(caseId: $id, action: $action, expectedVersion: $v, on: $on, household: $h) {{
    {HISTORY}
  }}
}}"""
DECIDE = f"""
mutation($id: ID!, $v: Int!, $approve: Boolean!, $comment: String) {{
  decideFacts(caseId: $id, expectedVersion: $v, approve: $approve, comment: $comment) {{
    {HISTORY}
  }}
}}"""
READ_H = f"query($id: ID!) {{ case(id: $id) {{ {HISTORY} }} }}"
CASES = "query($t: String!) { cases(tenant: $t) { id } }"


def medical(case: dict) -> str | None:
    amounts = [
        e["amount"] for e in case["evaluation"]["entitlements"] if "medical" in e["programme"]
    ]
    return amounts[0] if amounts else None


# --------------------------------------------------------------------------- 1. the clock
def test_the_clock_is_the_servers_date_in_shanghai(monkeypatch, caplog):
    monkeypatch.delenv("BANGFU_TODAY")
    assert clock.today() == datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    monkeypatch.setenv("BANGFU_TODAY", "2026-02-03")
    assert clock.today().isoformat() == "2026-02-03"
    assert clock.now().date().isoformat() == "2026-02-03"
    with caplog.at_level(logging.WARNING, logger="bangfu.clock"):
        clock.warn_if_pinned()
    assert "BANGFU_TODAY" in caplog.text and "2026-02-03" in caplog.text
    monkeypatch.setenv("BANGFU_TODAY", "tomorrow")
    with pytest.raises(Exception, match="BANGFU_TODAY"):
        clock.today()


def test_a_step_dated_after_today_is_refused_and_changes_nothing(staff):
    """The finding: approving with `on` a week ahead skipped the 5-working-day notice."""
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    approver = staff("hebei", "approver")
    error = caseworker.refused("RULE_VIOLATION", OPEN, tenant="hebei", h=ILL, on="2026-11-21")
    assert "2026-11-20" in error["message"]
    assert caseworker.ok(CASES, t="hebei") == []
    case = caseworker.open("hebei", ILL, "2026-11-13")
    case = reviewer.move(case, "review", "2026-11-16")
    case = reviewer.move(case, "publish", "2026-11-17")  # notice until 24 Nov
    error = approver.refused(
        "RULE_VIOLATION", MOVE, id=case["id"], action="approve", v=case["version"], on="2026-11-27"
    )
    assert "2026-11-27" in error["message"]
    # without a date the step is dated today, and the notice has not run its course
    approver.refused("RULE_VIOLATION", MOVE, id=case["id"], action="approve", v=case["version"])
    assert approver.read(case)["version"] == case["version"]


def test_steps_keep_their_order(staff):
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    case = caseworker.open("hebei", ILL, "2026-11-13")
    reviewer.refused("RULE_VIOLATION", MOVE, id=case["id"], action="review", v=1, on="2026-11-12")
    assert reviewer.move(case, "review", "2026-11-13")["version"] == 2


def test_back_dated_entries_are_recorded_and_late_ones_flagged(staff):
    caseworker = staff("hebei", "caseworker")
    on_time = caseworker.ok(OPEN_H, tenant="hebei", h=ILL, on="2026-11-13")  # 5 working days
    late = caseworker.ok(OPEN_H, tenant="hebei", h=ILL, on="2026-11-12")  # 6 working days
    today = caseworker.ok(OPEN_H, tenant="hebei", h=ILL)
    assert [c["history"][0]["late"] for c in (on_time, late, today)] == [False, True, False]
    assert today["history"][0]["on"] == "2026-11-20"
    for case in (on_time, late, today):
        recorded = datetime.fromisoformat(case["history"][0]["recordedAt"])
        assert recorded.date().isoformat() == "2026-11-20" and recorded.tzinfo is not None
    assert caseworker.ok(READ_H, id=late["id"])["history"][0]["late"] is True


# --------------------------------------------------------------------------- 2. re-approval
def _filed(staff) -> dict:
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    approver = staff("hebei", "approver")
    case = caseworker.ok(OPEN_H, tenant="hebei", h=ILL, on="2026-09-24")
    for who, action, day in (
        (reviewer, "review", "2026-09-25"),
        (reviewer, "publish", "2026-09-28"),
        (approver, "approve", "2026-10-10"),
        (approver, "file", "2026-10-12"),
    ):
        case = who.ok(MOVE_H, id=case["id"], action=action, v=case["version"], on=day)
    assert case["status"] == "filed" and medical(case) == "2400.00"
    return case


def test_new_facts_on_a_filed_file_wait_for_a_second_person(staff):
    """The finding: a caseworker's update_facts on a filed file raised medical relief from
    2,400 to 8,000 with nobody else involved."""
    caseworker, approver = staff("hebei", "caseworker"), staff("hebei", "approver")
    case = _filed(staff)
    more = {**ILL, "annualMedicalOutOfPocket": "100000"}
    case = caseworker.ok(
        MOVE_H, id=case["id"], action="update_facts", v=case["version"], on="2026-11-02", h=more
    )
    assert medical(case) == "2400.00"  # the approved determination stays in effect
    waiting = case["pendingFacts"]
    assert waiting["enteredBy"] == "caseworker.hebei" and waiting["enteredOn"] == "2026-11-02"
    assert medical(waiting) == "8000.00"
    assert case["history"][-1]["action"] == "update_facts" and case["history"][-1]["pending"]
    assert medical(approver.ok(READ_H, id=case["id"])) == "2400.00"
    # nobody approves facts they entered, and a caseworker approves nothing
    caseworker.refused("FORBIDDEN", DECIDE, id=case["id"], v=case["version"], approve=True)
    admin_entered = staff("hebei", "admin").ok(
        MOVE_H, id=case["id"], action="update_facts", v=case["version"], h=more
    )
    staff("hebei", "admin").refused(
        "RULE_VIOLATION", DECIDE, id=case["id"], v=admin_entered["version"], approve=True
    )
    case = approver.ok(DECIDE, id=case["id"], v=admin_entered["version"], approve=True)
    assert medical(case) == "8000.00" and case["pendingFacts"] is None
    actions = [(e["action"], e["pending"]) for e in case["history"]]
    assert actions[-3:] == [
        ("update_facts", True),
        ("update_facts", True),
        ("approve_facts", False),
    ]
    approver.refused("RULE_VIOLATION", DECIDE, id=case["id"], v=case["version"], approve=True)


def test_rejected_facts_never_take_effect(staff):
    caseworker, approver = staff("hebei", "caseworker"), staff("hebei", "approver")
    case = _filed(staff)
    more = {**ILL, "annualMedicalOutOfPocket": "100000"}
    case = caseworker.ok(MOVE_H, id=case["id"], action="update_facts", v=case["version"], h=more)
    approver.refused("RULE_VIOLATION", DECIDE, id=case["id"], v=case["version"], approve=False)
    case = approver.ok(DECIDE, id=case["id"], v=case["version"], approve=False, comment="票据不全")
    assert medical(case) == "2400.00" and case["pendingFacts"] is None
    assert case["history"][-1]["action"] == "reject_facts"


def test_facts_before_approval_still_take_effect_at_once(staff):
    caseworker = staff("hebei", "caseworker")
    case = caseworker.ok(OPEN_H, tenant="hebei", h=ILL, on="2026-11-02")
    more = {**ILL, "annualMedicalOutOfPocket": "100000"}
    case = caseworker.ok(MOVE_H, id=case["id"], action="update_facts", v=1, h=more)
    assert medical(case) == "8000.00" and case["pendingFacts"] is None


# --------------------------------------------------------------------------- 6. case numbers
def test_case_numbers_count_within_each_tenant(staff):
    hebei, gansu = staff("hebei", "caseworker"), staff("gansu", "caseworker")
    first = hebei.ok(OPEN_H, tenant="hebei", h=ILL)
    for _ in range(3):
        gansu.ok(OPEN_H, tenant="gansu", h=ILL)
    second = hebei.ok(OPEN_H, tenant="hebei", h=ILL)
    assert (first["id"], second["id"]) == ("1", "2")  # Gansu's three files do not show
    assert second["number"] == "HEBEI-2026-000002"
    assert [c["id"] for c in gansu.ok(CASES, t="gansu")] == ["1", "2", "3"]
    assert hebei.ok(READ_H, id="3") is None


# --------------------------------------------------------------------------- 5. history
def test_every_event_is_chained_and_a_changed_row_breaks_the_chain(staff, database_url):
    case = _filed(staff)
    with session_factory(database_url)() as session:
        rows = list(session.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)))
        assert len(rows) == 5 and rows[0].prev_hash == ""
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        assert chain.verify(rows) == (5, None)
        # the owner (not the serving role) rewrites history
        session.execute(text("update case_events set actor = 'someone' where seq = 3"))
        session.commit()
        session.expire_all()
        rows = list(session.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)))
        _, broken = chain.verify(rows)
    assert broken is not None and (broken.case_id, broken.seq) == (rows[0].case_id, 3)
    assert "changed after entry" in broken.describe()
    assert case["id"] == "1"


def test_reads_of_a_file_are_audited_without_personal_data(staff, database_url):
    caseworker, reviewer = staff("hebei", "caseworker"), staff("hebei", "reviewer")
    case = caseworker.open("hebei", ILL, "2026-11-02")
    reviewer.read(case)
    reviewer.ok(CASES, t="hebei")
    with session_factory(database_url)() as session:
        reads = session.scalars(select(CaseRead).order_by(CaseRead.id)).all()
        assert [(r.tenant, r.case_number, r.user, r.action) for r in reads] == [
            ("hebei", 1, "reviewer.hebei", "case"),
            ("hebei", 1, "reviewer.hebei", "cases"),
        ]
        assert all(r.at is not None for r in reads)


# --------------------------------------------------------------------------- 8. fast
def test_a_known_token_costs_no_lookup_and_revoking_it_in_the_process_ends_it(staff, database_url):
    from sqlalchemy import event

    from core.auth.tokens import revoke_token
    from core.db.request import forget_principals
    from core.db.session import engine_for

    reviewer = staff("hebei", "reviewer")
    reviewer.ok(CASES, t="hebei")  # looked up once
    seen: list[str] = []

    def statement(_conn, _cursor, sql, *_args) -> None:
        seen.append(sql)

    engine = engine_for(database_url)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        reviewer.ok(CASES, t="hebei")
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert seen and not any("api_tokens" in s for s in seen)
    token = reviewer.headers["authorization"].split()[1]
    with session_factory(database_url)() as session:
        assert revoke_token(session, token)
    forget_principals()
    reviewer.refused("UNAUTHENTICATED", CASES, t="hebei")


def test_deciding_on_new_facts_is_offered_to_a_second_person_and_taken_as_a_step(staff):
    caseworker, approver = staff("hebei", "caseworker"), staff("hebei", "approver")
    case = _filed(staff)
    more = {**ILL, "annualMedicalOutOfPocket": "100000"}
    case = caseworker.ok(MOVE_H, id=case["id"], action="update_facts", v=case["version"], h=more)
    actions = "query($id: ID!) { case(id: $id) { availableActions } }"
    assert "approve_facts" in approver.ok(actions, id=case["id"])["availableActions"]
    assert "approve_facts" not in caseworker.ok(actions, id=case["id"])["availableActions"]
    case = approver.ok(MOVE_H, id=case["id"], action="approve_facts", v=case["version"])
    assert medical(case) == "8000.00" and case["history"][-1]["action"] == "approve_facts"
