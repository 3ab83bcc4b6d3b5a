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
