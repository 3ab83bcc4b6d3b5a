"""The payee's bank account (一卡通): kept encrypted at rest, shown masked, written only
into the bank file; the bank's result file carries the amount paid, and a mismatch is
refused, naming it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.errors import BAD_INPUT
from core.funds import bank
from tests.funds.conftest import APPROVER, CASEWORKER, TREASURER, file_case
from tests.funds.test_ledger import refused

ACCOUNT = "6222 0212 3456 7890 123"
DIGITS = ACCOUNT.replace(" ", "")


def _sent(funds, cases):
    first = file_case(cases)
    assert funds.set_payee_account(CASEWORKER, first, ACCOUNT, "工商银行") == "6222***********0123"
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    run = funds.run(CASEWORKER, "2026", "government")
    funds.approve_run(APPROVER, run.run.id)
    funds.publish(TREASURER, run.run.id)
    return first, funds.send_to_bank(TREASURER, run.run.id)


def test_the_account_is_sealed_masked_and_only_in_the_bank_file(funds, cases, session):
    first, [line] = _sent(funds, cases)
    assert funds.payee_account(APPROVER, first) == "6222***********0123"
    stored = session.execute(text("select sealed, masked from payee_accounts")).one()
    assert DIGITS not in stored[0] and stored[0].startswith("v1.") and DIGITS not in stored[1]
    assert line["account"] == DIGITS  # the bank file: in full
    assert DIGITS in bank.to_csv([line]).decode("utf-8-sig")
    refused(BAD_INPUT, funds.set_payee_account, CASEWORKER, first, "12ab")


def test_graphql_shows_the_account_masked(caller, database_url, registry):
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from tests.funds.conftest import TODAY

    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
    worker = caller("hebei", "caseworker")
    masked = worker.ok(
        "mutation($c: ID!, $a: String!) { setPayeeAccount(caseId: $c, account: $a) }",
        c=first,
        a=ACCOUNT,
    )
    assert masked == "6222***********0123"
    shown = worker.ok("query($c: ID!) { payeeAccount(caseId: $c) }", c=first)
    assert shown == masked
    caller("gansu", "caseworker").refused(
        "NOT_FOUND", "query($c: ID!) { payeeAccount(caseId: $c) }", c=first
    )


@pytest.mark.parametrize(
    ("amount", "problem"), [("7900.00", "实付金额与报送金额不符"), (None, "未写明实付金额")]
)
def test_a_bank_result_paying_another_amount_is_refused(funds, cases, amount, problem):
    _first, [line] = _sent(funds, cases)
    answer = f"付款编号,结果,金额\n{line['payment']},成功,{amount or ''}\n".encode()
    error = refused(
        BAD_INPUT, funds.import_bank_result, TREASURER, bank.read_result(answer, "r.csv")
    )
    assert problem in error.zh or problem in " ".join(error.details["problems"])
    assert funds.payments(APPROVER, status="sent")  # nothing changed
    right = f"付款编号,结果,金额\n{line['payment']},成功,{line['amount']}\n".encode()
    assert funds.import_bank_result(TREASURER, bank.read_result(right)) == {
        "paid": 1,
        "returned": 0,
    }


RUN = """mutation { runPayments(period: "2026", source: "government") { id total } }"""
SEND = """mutation($r: ID!) { sendToBank(runId: $r) { payment caseId account amount } }"""
FUNDS = "query { funds(year: 2026) { available bank payable } }"
STATES = "query { payments { caseId status } }"


def test_a_payee_without_an_account_is_not_sent_to_the_bank(
    caller, database_url, registry, tmp_path
):
    """The run's bank file would carry a line with no account: the whole send is refused,
    naming the file in Chinese first, and nothing changes; once the account is recorded
    the run goes, every line with its account."""
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from tests.funds.conftest import TODAY, clone_filed
    from tests.funds.test_cli_and_files import bangfu

    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
        [second] = clone_filed(session, first, 1)
        second_number = session.scalar(
            text("select number from cases where id = :i"), {"i": second}
        )
    worker, admin = caller("hebei", "caseworker"), caller("hebei", "admin")
    approver = caller("hebei", "approver")
    worker.ok(
        "mutation($c: ID!, $a: String!) { setPayeeAccount(caseId: $c, account: $a) }",
        c=first,
        a=ACCOUNT,
    )
    admin.ok(
        """mutation { recordReceipt(year: 2026, source: "government", amount: "10000.00",
        document: "doc") }"""
    )
    run = worker.ok(RUN)
    assert approver.ok("mutation($r: ID!) { approveRun(runId: $r) }", r=run["id"]) == 2
    admin.ok("mutation($r: ID!) { publishRun(runId: $r) { payment } }", r=run["id"])
    before = (approver.ok(FUNDS), approver.ok(STATES))
    error = admin.refused("RULE_VIOLATION", SEND, r=run["id"])
    assert error["message"].startswith("以下1户档案未登记一卡通账号"), error["message"]
    assert error["extensions"]["details"]["cases"] == [str(second_number)]
    assert (approver.ok(FUNDS), approver.ok(STATES)) == before  # nothing changed
    assert {p["status"] for p in before[1]} == {"approved"}
    worker.ok(
        "mutation($c: ID!, $a: String!) { setPayeeAccount(caseId: $c, account: $a) }",
        c=str(second_number),
        a="6217 0000 1111 2222 333",
    )
    sent = admin.ok(SEND, r=run["id"])
    assert sorted(line["account"] for line in sent) == [
        "6217***********2333",
        "6222***********0123",
    ]
    # the bank file (sending again sends nobody twice): every line with its account
    out = tmp_path / "bank.csv"
    bangfu(
        database_url, "payments", "send", "--tenant", "hebei", "--run", run["id"], "--out", str(out)
    )
    lines = out.read_bytes().decode("utf-8-sig").splitlines()[1:]
    assert len(lines) == 2
    assert sorted(line.split(",")[4].strip("'\"") for line in lines) == [
        "6217000011112222333",
        DIGITS,
    ]
