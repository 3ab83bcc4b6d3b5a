"""Money paid once per entitlement: a programme's periodicity fixes its payable periods,
and the database refuses a second payment of the same normalised period, whatever path
(service, run, raw SQL) tries it. Then: only while entitled (an exit between proposal and
approval stops the payment, with its reason, and nothing reaches the bank)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from core.db.session import session_factory
from core.errors import BAD_INPUT, CONFLICT, RULE_VIOLATION
from core.funds.models import FundPayment
from core.funds.service import FundsService
from tests.casefile_samples import D
from tests.funds.conftest import (
    APPROVER,
    CASEWORKER,
    CHAIRMAN,
    TREASURER,
    clone_filed,
    file_case,
    give_accounts,
)
from tests.funds.test_ledger import LIVING, MEDICAL, refused

#: The issue's clock: November 2027, a year after the file was filed.
LATER = D("2027-11-20")


@pytest.fixture
def later(session, registry):
    return FundsService(session, registry, today=lambda: LATER)


def test_the_issues_example_pays_3190_not_7170(later, cases, session):
    """Yearly living relief (790.00) tried for "2027-11", "2027-12" and by the yearly run
    for "2027"; the one-off medical relief (2,400.00) tried for "2026" and "2026-06" (and
    "2026-11"): 3,190.00 goes out, not 7,170.00."""
    first = file_case(cases)
    later.record_receipt(TREASURER, 2027, "government", 10_000_00, "冀财社1号", D("2027-01-05"))
    later.record_receipt(TREASURER, 2026, "union_budget", 10_000_00, "冀工经1号", D("2026-11-01"))
    for month in ("2027-11", "2027-12"):
        error = refused(
            BAD_INPUT, later.propose, CASEWORKER, first, "living_relief", month, "government"
        )
        assert "按年发放" in error.zh and "2027" in error.zh
    run = later.run(CASEWORKER, "2027", "government")
    assert (run.created, run.total_fen) == (1, LIVING)
    refused(CONFLICT, later.propose, CASEWORKER, first, "living_relief", "2027", "government")
    one = later.propose(CASEWORKER, first, "medical_relief", "2026", "union_budget")
    assert one.period_key.startswith("once:")
    for period in ("2026-11", "2027", "2027-06"):
        error = refused(
            CONFLICT, later.propose, CASEWORKER, first, "medical_relief", period, "union_budget"
        )
        assert "不重复发放" in error.zh
    refused(
        RULE_VIOLATION,
        later.propose,
        CASEWORKER,
        first,
        "medical_relief",
        "2026-06",
        "union_budget",
    )
    later.approve_run(APPROVER, run.run.id)
    later.approve(CHAIRMAN, [one.id])
    spent = sum(b.spent for b in later.balances(APPROVER))
    assert spent == 319_000 == LIVING + MEDICAL


def test_periods_before_the_file_and_far_ahead_are_refused(funds, cases):
    first = file_case(cases)  # filed 2026-10-12; today 2026-12-10
    for period in ("2020", "2025"):
        error = refused(
            RULE_VIOLATION, funds.propose, CASEWORKER, first, "living_relief", period, "government"
        )
        assert error.details["guard"] == "period_after_determination"
    for period in ("2027", "2099"):
        error = refused(
            RULE_VIOLATION, funds.propose, CASEWORKER, first, "living_relief", period, "government"
        )
        assert error.details["guard"] == "period_not_ahead" and error.details["latest"] == "2026"
    refused(
        RULE_VIOLATION,
        funds.propose,
        CASEWORKER,
        first,
        "medical_relief",
        "2099-12",
        "union_budget",
    )
    refused(RULE_VIOLATION, funds.run, CASEWORKER, "2027", "government")
    assert funds.payments(APPROVER) == []


def test_a_tenant_parameter_allows_paying_ahead(funds, cases, monkeypatch):
    """``funds.periods_ahead`` (cited, switchable): one period ahead lets December's
    office pay next year's yearly relief; never two."""
    from core.parameters import Parameters

    real = Parameters.integer

    def ahead(self, name):
        return 1 if name == "funds.periods_ahead" else real(self, name)

    monkeypatch.setattr(Parameters, "integer", ahead)
    first = file_case(cases)
    made = funds.propose(CASEWORKER, first, "living_relief", "2027", "government")
    assert made.period_key == "2027"
    refused(RULE_VIOLATION, funds.propose, CASEWORKER, first, "living_relief", "2028", "government")


def test_a_rejected_period_may_be_proposed_again(funds, cases):
    first = file_case(cases)
    one = funds.propose(CASEWORKER, first, "living_relief", "2026", "government")
    funds.reject(APPROVER, one.id, "材料不全")
    again = funds.propose(CASEWORKER, first, "living_relief", "2026", "government")
    assert again.id != one.id and again.period_key == "2026"


def test_the_database_refuses_a_second_payment_of_a_period(funds, cases, session):
    """Whatever path writes it: a raw INSERT of the same normalised period fails."""
    first = file_case(cases)
    one = funds.propose(CASEWORKER, first, "medical_relief", "2026", "union_budget")
    values = {c.key: getattr(one, c.key) for c in FundPayment.__table__.columns if c.key != "id"}
    values["period"] = "2026-11"  # written otherwise, the same one-off
    session.execute(text("select 1"))  # in a transaction
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("select set_config('app.tenant', 'hebei', true)"))
    with pytest.raises(IntegrityError):
        session.execute(insert(FundPayment.__table__).values(values))
    session.rollback()


def test_an_exit_between_proposal_and_approval_stops_the_payment(funds, cases, session):
    """Proposed before the exit, the payments are stopped by the exit itself, with its
    reason; an approval after it is refused; nothing is sent to the bank."""
    first = file_case(cases)
    others = clone_filed(session, first, 2)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    single = funds.propose(CASEWORKER, first, "medical_relief", "2026", "government")
    run = funds.run(CASEWORKER, "2026", "government")
    assert run.created == 3
    case = cases.find_case(APPROVER, first)
    cases.transition(APPROVER, first, "exit", case.version, D("2026-12-01"), "已解困,生活稳定")
    stopped = funds.payments(APPROVER, status="stopped")
    assert sorted(p.case_number for p in stopped) == [int(first)] * 2
    assert all(p.stop_reason.startswith("办理退出:档案已不在册") for p in stopped)
    error = refused(CONFLICT, funds.approve, CHAIRMAN, [single.id])
    assert "已停发" in error.zh
    assert funds.approve_run(APPROVER, run.run.id) == 2
    give_accounts(session)
    funds.publish(TREASURER, run.run.id)
    sent = funds.send_to_bank(TREASURER, run.run.id)
    assert sorted(r["case"] for r in sent) == sorted(
        session.scalar(select(FundPayment.case_number).where(FundPayment.id == p.id))
        for p in funds.payments(APPROVER, status="sent")
    )
    assert len(sent) == len(others) and int(first) not in {r["case"] for r in sent}
    rec = funds.reconcile(APPROVER, 2026)
    assert rec.balanced and rec.by_state["stopped"] == (2, LIVING + MEDICAL)


def test_new_facts_approved_after_approval_withdraw_before_sending(funds, cases, session):
    """Approved, then the file exits before the bank file is made: the payment is stopped
    and its approval reversed in the ledger (the money is free again), not sent."""
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    run = funds.run(CASEWORKER, "2026", "government")
    funds.approve_run(APPROVER, run.run.id)
    give_accounts(session)
    funds.publish(TREASURER, run.run.id)
    case = cases.find_case(APPROVER, first)
    cases.transition(APPROVER, first, "exit", case.version, D("2026-12-05"), "已解困")
    assert funds.send_to_bank(TREASURER, run.run.id) == []
    [fund] = funds.balances(APPROVER, 2026)
    assert (fund.spent, fund.available, fund.payable) == (0, 10_000_00, 0)
    assert funds.reconcile(APPROVER, 2026).balanced


def test_the_serving_role_cannot_alter_a_payment(app_url, database_url, registry):
    """PostgreSQL as ``bangfu_app``: the amount, file, programme and period of a payment
    cannot be changed, nor its status moved where the service never moves it; the moves
    the service makes still work."""
    from core.cases.service import CaseService
    from tests.funds.conftest import TODAY

    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
    with session_factory(app_url)() as session:
        funds = FundsService(session, registry, today=lambda: TODAY)
        funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
        pay = funds.propose(CASEWORKER, first, "living_relief", "2026", "government")
    attacks = (
        "UPDATE fund_payments SET amount_fen = amount_fen * 100",
        "UPDATE fund_payments SET case_id = case_id + 1",
        "UPDATE fund_payments SET programme = 'medical_relief'",
        "UPDATE fund_payments SET period = '2025', period_key = '2025'",
        "UPDATE fund_payments SET status = 'paid'",
    )
    for attack in attacks:
        with session_factory(app_url)() as session:
            session.execute(text("select set_config('app.tenant', 'hebei', true)"))
            with pytest.raises(Exception, match=r"permission denied|never changed|not a move"):
                session.execute(text(attack))
    with session_factory(app_url)() as session:
        funds = FundsService(session, registry, today=lambda: TODAY)
        assert funds.approve(APPROVER, [pay.id]) == 1
        assert funds.payment(APPROVER, pay.id).amount_fen == LIVING


def test_an_amount_altered_in_the_database_never_reaches_the_bank(funds, cases, session):
    """Someone with the owner's rights alters an approved amount (on PostgreSQL with the
    triggers set aside, as only a superuser can): the bank file is refused, naming it."""
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    run = funds.run(CASEWORKER, "2026", "government")
    funds.approve_run(APPROVER, run.run.id)
    give_accounts(session)
    funds.publish(TREASURER, run.run.id)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # SET LOCAL: ends with the transaction, so no pooled connection keeps triggers off
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text("select set_config('app.tenant', 'hebei', true)"))
    session.execute(text("UPDATE fund_payments SET amount_fen = amount_fen * 100"))
    session.commit()
    error = refused(RULE_VIOLATION, funds.send_to_bank, TREASURER, run.run.id)
    assert error.details["guard"] == "amount_as_approved" and "金额与台账" in error.zh
    assert funds.payments(APPROVER, status="sent") == []
    assert first
