"""The funds ledger through GraphQL (the public API), on SQLite and PostgreSQL: roles,
four eyes, 量入为出 with the shortfall named, the run, publication, the bank, the report,
tenant isolation, and the national level's suppressed counts."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from core.db.session import session_factory
from core.funds.service import FundsService
from tests.funds.conftest import TODAY, clone_filed, file_case, give_accounts

RECEIPT = """mutation($y: Int!, $s: String!, $a: Decimal!, $d: String!) {
  recordReceipt(year: $y, source: $s, amount: $a, document: $d) }"""
RUN = """mutation($p: String!, $s: String!) {
  runPayments(period: $p, source: $s) { id period created payments total } }"""
APPROVE_RUN = "mutation($r: ID!) { approveRun(runId: $r) }"
PUBLISH = "mutation($r: ID!) { publishRun(runId: $r) { payment name amount } }"
SEND = "mutation($r: ID!) { sendToBank(runId: $r) { payment name idNumber amount sending } }"
IMPORT = """mutation($l: [BankResultInput!]!) { importBankResult(lines: $l) { paid returned } }"""
REISSUE = "mutation($id: ID!) { reissuePayment(id: $id) { id status sendings } }"
PAYMENTS = """query($c: ID) { payments(caseId: $c) {
  id caseId programme period amount status statusZh determinationId ruleset proposedBy } }"""
PAYMENT = "query($id: ID!) { payment(id: $id) { id status parameters } }"
FUNDS = "query($y: Int) { funds(year: $y) { source raised spent available bank payable } }"
RECONCILE = """query($y: Int!) { reconciliation(year: $y) {
  balanced states { status payments amount } problems } }"""
REPORT = """query($y: Int!) { fundReport(year: $y) {
  totalRaised totalUsed balance raised { key name amount } used { key name amount } } }"""
SPENDING = """query($y: Int!) { fundSpending(year: $y) { tenant programme spent households } }"""
ENTRIES = """query($y: Int!) { fundEntries(year: $y) { journal account amount kind actor } }"""


@pytest.fixture
def filed(database_url, registry):
    from core.cases.service import CaseService

    with session_factory(database_url)() as session:
        cases = CaseService(session, registry, today=lambda: TODAY)
        first = file_case(cases)
        filed = [int(first), *clone_filed(session, first, 5)]
        give_accounts(session)
        return filed


def test_a_run_through_the_api(caller, filed):
    admin, worker = caller("hebei", "admin"), caller("hebei", "caseworker")
    approver, gansu = caller("hebei", "approver"), caller("gansu", "approver")
    journal = admin.ok(RECEIPT, y=2026, s="government", a="5000.00", d="冀财社〔2026〕12号")
    assert len(journal) == 32
    worker.refused("FORBIDDEN", RECEIPT, y=2026, s="government", a="1", d="x")
    admin.refused("BAD_INPUT", RECEIPT, y=2026, s="government", a="1.001", d="x")
    run = worker.ok(RUN, p="2026", s="government")
    assert (run["created"], run["payments"], run["total"]) == (6, 6, "4740.00")
    assert worker.ok(RUN, p="2026", s="government")["created"] == 0  # nobody twice
    worker.refused("FORBIDDEN", APPROVE_RUN, r=run["id"])
    # 4,740.00 needed, 5,000.00 there: approved
    assert approver.ok(APPROVE_RUN, r=run["id"]) == 6
    gansu.refused("NOT_FOUND", APPROVE_RUN, r=run["id"])
    admin.refused("RULE_VIOLATION", SEND, r=run["id"])  # publish first
    public = admin.ok(PUBLISH, r=run["id"])
    assert {p["name"] for p in public} == {"张*"}
    sent = admin.ok(SEND, r=run["id"])
    assert [s["name"] for s in sent] == ["张三"] * 6
    lines = [
        {"payment": s["payment"], "result": "returned" if i == 0 else "paid", "amount": s["amount"]}
        for i, s in enumerate(sent)
    ]
    assert admin.ok(IMPORT, l=lines) == {"paid": 5, "returned": 1}
    assert admin.ok(REISSUE, id=sent[0]["payment"])["sendings"] == 2
    again = admin.ok(SEND, r=run["id"])
    assert [s["payment"] for s in again] == [sent[0]["payment"]]
    admin.ok(
        IMPORT,
        l=[{"payment": sent[0]["payment"], "result": "paid", "note": "补发", "amount": "790.00"}],
    )

    rec = approver.ok(RECONCILE, y=2026)
    assert rec["balanced"] and rec["states"] == [
        {"status": "paid", "payments": 6, "amount": "4740.00"}
    ]
    [fund] = approver.ok(FUNDS, y=2026)
    assert fund == {
        "source": "government",
        "raised": "5000.00",
        "spent": "4740.00",
        "available": "260.00",
        "bank": "260.00",
        "payable": "0.00",
    }
    report = admin.ok(REPORT, y=2026)
    assert (report["totalRaised"], report["totalUsed"], report["balance"]) == (
        "5000.00",
        "4740.00",
        "260.00",
    )
    assert report["used"][0]["key"] == "living_relief"
    entries = approver.ok(ENTRIES, y=2026)
    assert {e["kind"] for e in entries} == {"receipt", "approval", "sending", "return"}
    assert {e["actor"] for e in entries} >= {"admin.hebei", "approver.hebei"}

    # a case's payments, with the determination they were computed from
    [paid] = worker.ok(PAYMENTS, c=str(filed[0]))
    assert (paid["programme"], paid["status"], paid["statusZh"]) == (
        "living_relief",
        "paid",
        "已发放",
    )
    assert paid["determinationId"] and paid["ruleset"] and paid["proposedBy"] == "caseworker.hebei"
    assert worker.ok(PAYMENT, id=paid["id"])["parameters"]
    # another tenant sees nothing of it
    assert gansu.ok(PAYMENT, id=paid["id"]) is None
    assert gansu.ok(PAYMENTS, c=str(filed[0])) == [] and gansu.ok(FUNDS, y=2026) == []
    # the national level: spending per tenant and programme, 6 households shown
    national = caller("national", "national")
    assert national.ok(SPENDING, y=2026) == [
        {"tenant": "hebei", "programme": "living_relief", "spent": "4740.00", "households": 6}
    ]
    national.refused("FORBIDDEN", FUNDS, y=2026)
    caller().refused("UNAUTHENTICATED", FUNDS, y=2026)


START_RUN = """mutation($p: String!, $s: String!) {
  startPaymentRun(period: $p, source: $s) { id status total } }"""
RUN_JOB = (
    "query($id: ID!) { paymentRunJob(id: $id) { status progress done total runId created error } }"
)


def test_a_payment_run_made_by_a_jobs_worker(caller, filed, database_url, tmp_path):
    """On PostgreSQL a worker process makes it (as the serving role, with the asker's
    rights); on SQLite the server that queued it does."""
    from contextlib import nullcontext

    from tests.jobs.conftest import jobs_worker

    worker, gansu = caller("hebei", "caseworker"), caller("gansu", "caseworker")
    worker.refused("BAD_INPUT", START_RUN, p="2026-13", s="government")  # refused at once
    caller("hebei", "chairman").refused("FORBIDDEN", START_RUN, p="2026", s="government")
    postgres = database_url.startswith("postgresql")
    with jobs_worker(database_url, tmp_path / "worker.log") if postgres else nullcontext():
        started = worker.ok(START_RUN, p="2026", s="government")
        assert started["status"] in ("QUEUED", "RUNNING", "DONE")
        deadline = time.monotonic() + 60
        while (job := worker.ok(RUN_JOB, id=started["id"]))["status"] not in ("DONE", "FAILED"):
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
    assert job["status"] == "DONE", job
    assert (job["created"], job["done"], job["total"], job["progress"]) == (6, 6, 6, 1.0)
    assert gansu.ok(RUN_JOB, id=started["id"]) is None  # another tenant's job: not there
    again = worker.ok(RUN, p="2026", s="government")  # the same run: nobody paid twice
    assert again["id"] == job["runId"] and again["created"] == 0 and again["payments"] == 6


def test_the_shortfall_is_named_and_counts_below_five_are_suppressed(caller, filed):
    admin, worker, approver = (caller("hebei", r) for r in ("admin", "caseworker", "approver"))
    admin.ok(RECEIPT, y=2026, s="donation", a="3000.00", d="捐赠 No.1")
    run = worker.ok(RUN, p="2026", s="donation")
    error = approver.refused("RULE_VIOLATION", APPROVE_RUN, r=run["id"])
    assert "缺口1740.00元" in error["message"]
    [short] = error["extensions"]["details"]["shortfalls"]
    assert short == {
        "year": 2026,
        "source": "donation",
        "needed": "4740.00",
        "available": "3000.00",
        "shortfall": "1740.00",
    }
    # three approved one by one: the national level sees neither the count of 3 nor the
    # money (2,370.00 is 3 × 790.00: it would tell the count)
    ids = [p["id"] for p in worker.ok(PAYMENTS, c=None)][:3]
    assert approver.ok("mutation($i: [ID!]!) { approvePayments(ids: $i) }", i=ids) == 3
    national = caller("national", "national")
    assert national.ok(SPENDING, y=2026) == [
        {"tenant": "hebei", "programme": "living_relief", "spent": None, "households": None}
    ]


def test_the_serving_role_may_only_append_to_the_ledger(app_url, registry, database_url):
    """PostgreSQL as ``bangfu_app``: the whole flow works; entries cannot be changed or
    deleted; without a tenant no entry is visible; another tenant's rows are not."""
    from core.cases.service import CaseService
    from tests.casefile_samples import staff

    with session_factory(app_url)() as session:
        cases = CaseService(session, registry, today=lambda: TODAY)
        first = file_case(cases)
        funds = FundsService(session, registry, today=lambda: TODAY)
        funds.record_receipt(staff("hebei", "admin"), 2026, "government", 10_000_00, "doc")
        run = funds.run(staff("hebei", "caseworker"), "2026", "government")
        funds.approve_run(staff("hebei", "approver"), run.run.id)
        assert funds.reconcile(staff("hebei", "approver"), 2026).balanced
        assert funds.balances(staff("gansu", "approver"), 2026) == []
        assert first
    for statement in ("UPDATE fund_entries SET amount_fen = 0", "DELETE FROM fund_entries"):
        with session_factory(app_url)() as session:
            session.execute(text("select set_config('app.tenant', 'hebei', true)"))
            with pytest.raises(Exception, match="permission denied"):
                session.execute(text(statement))
    with session_factory(app_url)() as session:
        assert session.scalar(text("select count(*) from fund_entries")) == 0  # no tenant
        session.execute(text("select set_config('app.tenant', 'gansu', true)"))
        assert session.scalar(text("select count(*) from fund_payments")) == 0
        session.execute(text("select set_config('app.tenant', 'hebei', true)"))
        assert session.scalar(text("select count(*) from fund_entries")) == 4
        with pytest.raises(Exception, match="does not balance"):
            session.execute(
                text(
                    "insert into fund_entries (tenant, journal, line, year, source, account, "
                    "amount_fen, kind, booked_on, actor, role) values "
                    "('hebei', 'x', 1, 2026, 'government', 'bank', 5, 'receipt', "
                    "'2026-12-10', 'me', 'admin')"
                )
            )
