"""An exit, a hand-over, or new approved facts that end or lower the entitlement stop what
is not yet sent, in the same step, with the reason recorded: a proposed payment is
stopped, an approved one withdrawn (its approval reversed in the ledger), a line of goods
not handed over stopped; what was sent to the bank is the bank's."""

from __future__ import annotations

from core.cases.service import CaseService
from core.db.session import session_factory
from core.errors import CONFLICT
from tests.casefile_samples import COMFORTABLE, D
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
from tests.funds.test_ledger import LIVING, MEDICAL, refused

PAYMENTS = "query { payments { caseId programme status statusZh stopReason } }"
FUNDS = "query { funds(year: 2026) { source spent available payable } }"
CASE = "query($id: ID!) { case(id: $id) { version status } }"
EXIT = """mutation($id: ID!, $v: Int!) { transition(caseId: $id, action: "exit",
  expectedVersion: $v, on: "2026-11-16", comment: "已解困,生活稳定") { status } }"""


def test_the_exit_stops_what_is_not_yet_sent_through_the_api(caller, database_url, registry):
    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
        [other] = clone_filed(session, first, 1)
        give_accounts(session)
    worker, approver = caller("hebei", "caseworker"), caller("hebei", "approver")
    admin = caller("hebei", "admin")
    admin.ok(
        """mutation { recordReceipt(year: 2026, source: "government", amount: "10000.00",
        document: "doc") }"""
    )
    run = worker.ok("""mutation { runPayments(period: "2026", source: "government") { id } }""")
    assert approver.ok("mutation($r: ID!) { approveRun(runId: $r) }", r=run["id"]) == 2
    worker.ok(
        """mutation($c: ID!) { proposePayment(caseId: $c, programme: "medical_relief",
        period: "2026", source: "government") { id } }""",
        c=first,
    )
    [fund] = approver.ok(FUNDS)
    assert fund["available"] == "8420.00"  # two living reliefs approved; medical proposed
    admin.ok("mutation($r: ID!) { publishRun(runId: $r) { payment } }", r=run["id"])

    version = approver.ok(CASE, id=first)["version"]
    assert approver.ok(EXIT, id=first, v=version)["status"] == "exited"

    mine = [p for p in approver.ok(PAYMENTS) if p["caseId"] == str(first)]
    assert sorted((p["programme"], p["status"]) for p in mine) == [
        ("living_relief", "stopped"),
        ("medical_relief", "stopped"),
    ]
    for p in mine:
        assert p["stopReason"].startswith("办理退出:档案已不在册"), p["stopReason"]
    [fund] = approver.ok(FUNDS)
    assert (fund["spent"], fund["available"], fund["payable"]) == ("790.00", "9210.00", "790.00")
    sent = admin.ok("mutation($r: ID!) { sendToBank(runId: $r) { caseId amount } }", r=run["id"])
    assert [line["caseId"] for line in sent] != [] and str(first) not in {
        line["caseId"] for line in sent
    }
    assert len(sent) == 1 and other
    rec = approver.ok("query { reconciliation(year: 2026) { balanced } }")
    assert rec["balanced"]


def test_new_facts_approved_that_end_the_entitlement_withdraw_the_approved_payment(
    funds, cases, session
):
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    pay = funds.propose(CASEWORKER, first, "medical_relief", "2026", "government")
    funds.approve(APPROVER, [pay.id])
    assert funds.balances(APPROVER, 2026)[0].available == 10_000_00 - MEDICAL
    filed = cases.find_case(APPROVER, first)
    waiting = cases.transition(
        CASEWORKER, first, "update_facts", filed.version, TODAY, "复查", household=COMFORTABLE
    )
    # waiting for a second person: nothing is stopped yet
    assert funds.payment(APPROVER, pay.id).status == "approved"
    cases.decide_facts(APPROVER, first, waiting.version, True, "已核实")
    stopped = funds.payment(APPROVER, pay.id)
    assert stopped.status == "stopped"
    assert stopped.stop_reason.startswith("审批家庭情况变更:现行认定结果已不再给予该项目")
    [fund] = funds.balances(APPROVER, 2026)
    assert (fund.spent, fund.available, fund.payable) == (0, 10_000_00, 0)
    assert funds.reconcile(APPROVER, 2026).balanced
    # the approval's last look is still there, and a stopped payment is not approved again
    refused(CONFLICT, funds.approve, CHAIRMAN, [pay.id])


def test_what_was_sent_is_the_banks_and_lines_not_handed_over_are_stopped(funds, cases, session):
    first = file_case(cases)
    give_accounts(session)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    funds.record_receipt(TREASURER, 2026, "donation", 1_000_00, "捐赠1号")
    run = funds.run(CASEWORKER, "2026", "government")
    funds.approve_run(APPROVER, run.run.id)
    funds.publish(TREASURER, run.run.id)
    [line] = funds.send_to_bank(TREASURER, run.run.id)
    rice = funds.receive_stock(
        TREASURER, 2026, "donation", "goods", "大米", "袋", 5, 50_00, "粮油公司", "发票1"
    )
    made = funds.make_distribution(
        CASEWORKER, "medical_relief", "2026", "名册", [(first, rice.id, 2)]
    )
    case = cases.find_case(APPROVER, first)
    cases.transition(APPROVER, first, "exit", case.version, D("2026-12-01"), "已解困")
    assert funds.payment(APPROVER, line["payment"]).status == "sent"  # the bank's now
    _list, [given] = funds.distribution(APPROVER, made.id)
    assert given["status"] == "stopped" and given["stopReason"].startswith("办理退出:")
    [balance] = funds.stock(APPROVER)
    assert (balance.on_hand, balance.free) == (5, 5)
    assert funds.reconcile(APPROVER, 2026).balanced and LIVING
