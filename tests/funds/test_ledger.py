"""The funds ledger through its service, on SQLite and PostgreSQL: a tenant's year of
money balances to the fen; racing approvals never overspend; a period run twice pays
nobody twice; refusals change nothing; the ledger is append-only."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.db.session import session_factory
from core.errors import BAD_INPUT, CONFLICT, FORBIDDEN, NOT_FOUND, RULE_VIOLATION, BangfuError
from core.funds import runs
from core.funds.models import FundEntry, FundPayment
from core.funds.service import FundsService
from tests.casefile_samples import ILL, D, staff
from tests.funds.conftest import (
    APPROVER,
    CASEWORKER,
    CHAIRMAN,
    TODAY,
    TREASURER,
    clone_filed,
    file_case,
    give_accounts,
)

LIVING = 79_000  #: Hebei living relief for the ILL household: 1 month x 790.00 yuan, in fen
MEDICAL = 240_000  #: Hebei medical relief for it: 2,400.00 yuan


def refused(code: str, fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def snapshot(session):
    session.rollback()
    with session.begin():
        session.execute(text("select set_config('app.tenant', 'hebei', true)")) if (
            session.bind.dialect.name == "postgresql"
        ) else None
        entries = session.scalar(select(func.count()).select_from(FundEntry))
        payments = session.execute(
            select(FundPayment.id, FundPayment.status, FundPayment.version).order_by(FundPayment.id)
        ).all()
    return entries, payments


def test_a_tenants_year_of_money_balances_to_the_fen(funds, cases, session):
    first = file_case(cases)
    clone_filed(session, first, 999)
    # receipts from the four sources, each with its date and document
    receipts = {
        "government": (90_000_000, "冀财社〔2026〕12号", D("2026-01-15")),
        "union_budget": (25_000_050, "冀工经〔2026〕3号", D("2026-02-01")),
        "donation": (1_234_567, "捐赠收据 No.0042", D("2026-03-08")),
        "song_wennuan": (3_000_000, "送温暖〔2026〕1号", D("2026-11-30")),
    }
    for source, (fen, doc, on) in receipts.items():
        funds.record_receipt(TREASURER, 2026, source, fen, doc, on)
    # a receipt booked twice by mistake, corrected by a reversing journal
    wrong = funds.record_receipt(TREASURER, 2026, "donation", 500_00, "重复录入", D("2026-03-09"))
    funds.reverse(TREASURER, wrong, "重复录入,冲销")
    refused(CONFLICT, funds.reverse, TREASURER, wrong, "again")

    # the yearly run: living relief for 1,000 filed files, from the government allocation
    run = funds.run(CASEWORKER, "2026", "government")
    assert (run.created, run.total, run.total_fen) == (1000, 1000, 1000 * LIVING)
    assert funds.approve_run(APPROVER, run.run.id) == 1000
    give_accounts(session)
    public = funds.publish(TREASURER, run.run.id)
    assert len(public) == 1000 and {p["name"] for p in public} == {"张*"}
    sent = funds.send_to_bank(TREASURER, run.run.id)
    assert len(sent) == 1000 and sent[0]["name"] == "张三"
    # the bank: 980 paid, 20 returned; 12 of those reissued (then paid), 8 recovered
    returned = [s["payment"] for s in sent[:20]]
    answer = [
        (str(s["payment"]), "returned" if s["payment"] in returned else "paid", "", s["amount"])
        for s in sent
    ]
    assert funds.import_bank_result(TREASURER, answer) == {"paid": 980, "returned": 20}
    for pid in returned[:12]:
        funds.reissue(TREASURER, pid)
    for pid in returned[12:]:
        funds.recover(TREASURER, pid)
    again = funds.send_to_bank(TREASURER, run.run.id)
    assert sorted(s["payment"] for s in again) == sorted(returned[:12])
    assert {s["sending"] for s in again} == {2}
    funds.import_bank_result(
        TREASURER, [(str(p), "paid", "补发成功", "790.00") for p in returned[:12]]
    )

    # one-off medical relief for a single file, from union funds, proposed and approved
    one = funds.propose(CASEWORKER, first, "medical_relief", "2026-12", "union_budget")
    assert one.amount_fen == MEDICAL and one.determination_id and one.ruleset
    record = funds.determination_of(APPROVER, one)
    assert record["ruleset"] == one.ruleset and record["parameters"]
    funds.approve(CHAIRMAN, [one.id])

    rec = funds.reconcile(APPROVER, 2026)
    assert rec.balanced, rec
    assert rec.by_state == {
        "paid": (992, 992 * LIVING),
        "recovered": (8, 8 * LIVING),
        "approved": (1, MEDICAL),
    }
    raised = sum(fen for fen, _, _ in receipts.values())
    by_fund = {b.source: b for b in funds.balances(APPROVER, 2026)}
    assert sum(b.raised for b in by_fund.values()) == raised
    assert by_fund["government"].spent == 992 * LIVING
    assert by_fund["government"].bank == 90_000_000 - 992 * LIVING
    assert by_fund["union_budget"].available == 25_000_050 - MEDICAL
    assert by_fund["union_budget"].payable == MEDICAL
    assert by_fund["donation"].raised == 1_234_567  # the mistaken receipt is reversed
    # every payment is in exactly one state
    assert sum(n for n, _ in rec.by_state.values()) == session.scalar(
        select(func.count()).select_from(FundPayment)
    )


def test_running_a_period_twice_pays_nobody_twice(funds, cases, session):
    first = file_case(cases)
    clone_filed(session, first, 4)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_000, "doc-1")
    one = funds.run(CASEWORKER, "2026", "government")
    assert (one.created, one.total) == (5, 5)
    # a file filed after the first run is added by the second; nobody else again
    clone_filed(session, first, 1)
    two = funds.run(CASEWORKER, "2026", "government")
    assert (two.created, two.total, two.run.id) == (1, 6, one.run.id)
    three = funds.run(staff("hebei", "reviewer"), "2026", "government")
    assert three.created == 0
    # a single proposal for a period already in the run is refused too
    refused(CONFLICT, funds.propose, CASEWORKER, first, "living_relief", "2026", "government")
    funds.approve_run(APPROVER, one.run.id)
    give_accounts(session)
    funds.publish(TREASURER, one.run.id)
    assert len(funds.send_to_bank(TREASURER, one.run.id)) == 6
    assert len(funds.send_to_bank(TREASURER, one.run.id)) == 6  # the same six, not sent again
    rec = funds.reconcile(APPROVER, 2026)
    assert rec.balanced and rec.by_state == {"sent": (6, 6 * LIVING)}
    assert session.scalar(select(func.count()).select_from(FundPayment)) == 6


def test_an_approval_beyond_the_fund_is_refused_naming_the_shortfall(funds, cases, session):
    first = file_case(cases)
    clone_filed(session, first, 2)
    funds.record_receipt(TREASURER, 2026, "government", 2 * LIVING + 1, "doc-1")
    run = funds.run(CASEWORKER, "2026", "government")
    before = snapshot(session)
    error = refused(RULE_VIOLATION, funds.approve_run, APPROVER, run.run.id)
    assert "量入为出" in error.zh and "缺口789.99元" in error.zh
    assert error.details["shortfalls"] == [
        {
            "year": 2026,
            "source": "government",
            "needed": "2370.00",
            "available": "1580.01",
            "shortfall": "789.99",
        }
    ]
    assert snapshot(session) == before  # a refused request changes nothing
    [a, b, c] = [p.id for p in funds.payments(APPROVER, run_id=str(run.run.id))]
    funds.approve(APPROVER, [a, b])
    refused(RULE_VIOLATION, funds.approve, APPROVER, [c])
    funds.reject(APPROVER, c, "资金不足,下期再发")
    assert funds.reconcile(APPROVER, 2026).balanced
    [fund] = funds.balances(APPROVER, 2026)
    assert fund.available == 1


def test_four_eyes_roles_and_tenants(funds, cases, session):
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_000, "doc-1")
    own = funds.propose(APPROVER, first, "living_relief", "2026", "government")
    refused(FORBIDDEN, funds.approve, APPROVER, [own.id])  # four eyes
    refused(FORBIDDEN, funds.approve, CASEWORKER, [own.id])  # not an approver's role
    refused(FORBIDDEN, funds.record_receipt, CASEWORKER, 2026, "government", 1, "x")
    refused(FORBIDDEN, funds.balances, staff("national", "national"), 2026)
    from core.errors import UNAUTHENTICATED

    refused(UNAUTHENTICATED, funds.balances, None, 2026)
    # another tenant's payment answers like a missing one
    gansu = staff("gansu", "approver")
    refused(NOT_FOUND, funds.approve, gansu, [own.id])
    assert funds.payment(gansu, own.id) is None
    assert funds.payments(gansu) == [] and funds.balances(gansu, 2026) == []
    refused(
        NOT_FOUND,
        funds.propose,
        staff("gansu", "caseworker"),
        first,
        "living_relief",
        "2026",
        "government",
    )
    funds.approve(CHAIRMAN, [own.id])
    refused(CONFLICT, funds.approve, staff("hebei", "admin"), [own.id])  # already approved


def test_bad_input_is_refused_and_changes_nothing(funds, cases, session):
    first = file_case(cases)
    receipt = funds.record_receipt(TREASURER, 2026, "government", 1000_00, "doc-1")
    before = snapshot(session)
    refused(BAD_INPUT, funds.record_receipt, TREASURER, 2026, "lottery", 1, "doc")
    refused(BAD_INPUT, funds.record_receipt, TREASURER, 2026, "government", 0, "doc")
    refused(BAD_INPUT, funds.record_receipt, TREASURER, 2026, "government", 1, " ")
    refused(
        BAD_INPUT, funds.record_receipt, TREASURER, 2026, "government", 1, "doc", D("2027-01-01")
    )
    refused(BAD_INPUT, funds.run, CASEWORKER, "2026-13", "government")
    refused(BAD_INPUT, funds.propose, CASEWORKER, first, "no_such", "2026", "government")
    refused(NOT_FOUND, funds.approve, APPROVER, ["１"])
    refused(NOT_FOUND, funds.reverse, TREASURER, "nope", "x")
    assert snapshot(session) == before
    run = funds.run(CASEWORKER, "2026", "government")
    funds.approve_run(APPROVER, run.run.id)
    refused(RULE_VIOLATION, funds.send_to_bank, TREASURER, run.run.id)  # publish first
    give_accounts(session)
    funds.publish(TREASURER, run.run.id)
    [sent] = funds.send_to_bank(TREASURER, run.run.id)
    before = snapshot(session)
    error = refused(
        BAD_INPUT,
        funds.import_bank_result,
        TREASURER,
        [
            (str(sent["payment"]), "paid", "", sent["amount"]),
            ("999", "paid", "", "1.00"),
            (str(sent["payment"]), "returned", "", None),
        ],
    )
    assert len(error.details["problems"]) == 2
    assert snapshot(session) == before
    # a receipt whose money is spent cannot be reversed: the fund would go below zero
    error = refused(RULE_VIOLATION, funds.reverse, TREASURER, receipt, "录错")
    assert error.details["shortfalls"][0]["shortfall"] == "790.00"
    assert funds.reconcile(APPROVER, 2026).balanced


def test_the_ledger_is_append_only(funds, session, database_url):
    journal = funds.record_receipt(TREASURER, 2026, "government", 100_00, "doc-1")
    session.rollback()
    for statement in (
        "UPDATE fund_entries SET amount_fen = 1",
        "DELETE FROM fund_entries",
    ):
        with (
            pytest.raises((DBAPIError, IntegrityError)),
            session_factory(database_url)() as other,
            other.begin(),
        ):
            other.execute(text(statement))
    assert funds.balances(APPROVER, 2026)[0].raised == 100_00
    assert journal


def _race(database_url, registry, n: int, approve) -> list[str]:
    """n threads, each with its own session, approving at the same moment."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def one(i: int) -> None:
        with session_factory(database_url)() as s:
            service = FundsService(s, registry, today=lambda: TODAY)
            barrier.wait()
            try:
                approve(service, i)
                outcomes.append("ok")
            except BangfuError as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_racing_approvals_for_the_last_yuan_never_overspend(
    funds, cases, session, registry, database_url
):
    first = file_case(cases)
    clone_filed(session, first, 7)
    funds.record_receipt(TREASURER, 2026, "government", LIVING + 50, "doc-1")
    ids = [
        funds.propose(CASEWORKER, str(case), "living_relief", "2026", "government").id
        for case in [int(first), *range(int(first) + 1, int(first) + 8)]
    ]
    approvers = [staff("hebei", "approver", f"a{i}") for i in range(8)]
    outcomes = _race(database_url, registry, 8, lambda s, i: s.approve(approvers[i], [ids[i]]))
    assert sorted(outcomes) == ["RULE_VIOLATION"] * 7 + ["ok"], outcomes  # exactly one wins
    [fund] = funds.balances(APPROVER, 2026)
    assert fund.available == 50 and fund.spent == LIVING
    assert funds.reconcile(APPROVER, 2026).balanced


def test_racing_runs_and_approvals_of_one_run_pay_once(
    funds, cases, session, registry, database_url
):
    first = file_case(cases)
    clone_filed(session, first, 9)
    funds.record_receipt(TREASURER, 2026, "government", 100 * LIVING, "doc-1")
    runs = _race(database_url, registry, 4, lambda s, i: s.run(CASEWORKER, "2026", "government"))
    assert runs.count("ok") >= 1 and set(runs) <= {"ok", "CONFLICT"}
    [run] = funds.runs_of(APPROVER)
    outcomes = _race(
        database_url,
        registry,
        4,
        lambda s, i: s.approve_run(staff("hebei", "approver", f"a{i}"), run.id),
    )
    assert outcomes.count("ok") >= 1, outcomes
    rec = funds.reconcile(APPROVER, 2026)
    assert rec.balanced and rec.by_state == {"approved": (10, 10 * LIVING)}


def test_new_facts_waiting_for_a_second_person_pay_nothing_yet(funds, cases, session):
    """A caseworker's new facts on a filed file (medical relief 2,400 -> 8,000) wait for a
    second person: a payment proposed meanwhile, and a payment run, pay the determination
    in force and link to it, not to the waiting one."""
    first = file_case(cases)
    filed = cases.find_case(APPROVER, first)
    in_force = filed.history[-1]
    costly = {**ILL, "annualMedicalOutOfPocket": "100000"}
    waiting = cases.transition(
        CASEWORKER, first, "update_facts", filed.version, TODAY, "复查", household=costly
    )
    assert waiting.pending_facts is not None and waiting.history[-1].pending
    one = funds.propose(CASEWORKER, first, "medical_relief", "2026-12", "union_budget")
    assert one.amount_fen == MEDICAL  # 2,400.00, not 8,000.00
    record = funds.determination_of(APPROVER, one)
    assert record == in_force.determination
    due = runs.due_payments(session, cases.registry.get("hebei"), ["filed"], {"medical_relief"})
    [(case_id, event_id, _code, fen, _ruleset, _on)] = due
    assert str(case_id) == str(first)
    assert fen == MEDICAL and event_id == one.determination_id


def test_payments_name_the_file_by_its_number_within_the_tenant(funds, cases, session):
    """Files are numbered per tenant (issue 8): with another tenant's file in the database,
    a Hebei file's number and its row differ; payments are proposed, shown and found by
    the number people know."""
    cases.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-09-24"))
    first = file_case(cases)
    pay = funds.propose(CASEWORKER, first, "medical_relief", "2026-12", "union_budget")
    assert str(pay.case_number) == str(first) and pay.case_id != pay.case_number
    assert [p.id for p in funds.payments(APPROVER, case_id=first)] == [pay.id]
