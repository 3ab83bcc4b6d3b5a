"""A tenant's year of money (issue 19, done when): cash, goods and vouchers, tax
certificates; a period proposed twice in every form; an exit between proposal and
approval; a payment whose amount was altered in the database. Nobody is paid twice or
after the exit; the altered amount never reaches the bank file; everything balances to
the fen and to the unit. The city (demo_city, under Hebei) has every form."""

from __future__ import annotations

from sqlalchemy import func, select, text

from core.errors import BAD_INPUT, CONFLICT, RULE_VIOLATION
from core.funds import bank, ledger
from core.funds.in_kind import stock_matches_ledger
from core.funds.models import CANCELLED, DistributionLine, FundPayment
from tests.casefile_samples import ILL, D, staff
from tests.funds.conftest import clone_filed, file_case, give_accounts
from tests.funds.test_forms import file_city_case
from tests.funds.test_ledger import refused

T = "demo_city"
WORKER = staff(T, "caseworker")
APPROVER = staff(T, "approver")
CHAIRMAN = staff(T, "chairman")
TREASURER = staff(T, "admin", f"treasurer@{T}")
LIVING, MEDICAL = 820_00, 2_400_00  #: the city's amounts for the ILL household


def _alter(session, sql: str) -> None:
    """As someone with the owner's rights would (on PostgreSQL the triggers must be set
    aside, which only a superuser can)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # SET LOCAL: ends with the transaction, so no pooled connection keeps triggers off
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(text(f"select set_config('app.tenant', '{T}', true)"))
    session.execute(text(sql))
    session.commit()


def test_a_tenants_year_of_money(funds, cases, session):
    a = file_case(cases, ILL, tenant=T)
    b, c = (str(i) for i in clone_filed(session, a, 2, tenant=T))
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "市财社1号", D("2026-01-10"))
    funds.record_receipt(TREASURER, 2026, "song_wennuan", 5_000_00, "送温暖1号", D("2026-11-30"))

    # ---- cash: the yearly run; the same period again, in every spelling, is refused
    run = funds.run(WORKER, "2026", "government")
    assert (run.created, run.total_fen) == (3, 3 * LIVING)
    assert funds.run(WORKER, "2026", "government").created == 0
    refused(CONFLICT, funds.propose, WORKER, a, "living_relief", "2026", "government")
    refused(BAD_INPUT, funds.propose, WORKER, a, "living_relief", "2026-12", "government")
    one_off = funds.propose(WORKER, a, "medical_relief", "2026", "government")
    refused(CONFLICT, funds.propose, WORKER, a, "medical_relief", "2026-12", "government")

    # ---- an exit between proposal and approval: stopped, never sent
    case = cases.find_case(APPROVER, c)
    cases.transition(APPROVER, c, "exit", case.version, D("2026-12-01"), "已解困,生活稳定")
    assert funds.approve_run(APPROVER, run.run.id) == 2
    funds.approve(CHAIRMAN, [one_off.id])

    # ---- goods and vouchers: b's one-off medical relief is given in kind
    rice = funds.receive_stock(
        TREASURER, 2026, "song_wennuan", "goods", "大米10公斤", "袋", 40, 45_50, "粮油公司", "票1"
    )
    cards = funds.receive_stock(
        TREASURER, 2026, "song_wennuan", "voucher", "购物券100元", "张", 20, 100_00, "超市",
        "票2", first_serial=1, serial_prefix="DC",
    )  # fmt: skip
    made = funds.make_distribution(
        WORKER, "medical_relief", "2026", "医疗救助(实物)", [(b, cards.id, 20)]
    )
    refused(  # the same one-off again: in kind, or in cash
        CONFLICT, funds.make_distribution, WORKER, "medical_relief", "2026-12", "再发",
        [(b, rice.id, 2)],
    )  # fmt: skip
    refused(CONFLICT, funds.propose, WORKER, b, "medical_relief", "2026", "government")
    refused(  # a's yearly relief, already in the cash run, is not given in kind too
        RULE_VIOLATION,
        funds.make_distribution,
        WORKER,
        "living_relief",
        "2026",
        "再发",
        [(a, rice.id, 2)],
    )
    _list, [line] = funds.distribution(APPROVER, made.id)
    funds.hand_over(WORKER, line["line"], signed_by="张三")
    refused(CONFLICT, funds.hand_over, WORKER, line["line"], witness="王五")

    # ---- tax certificates: a document, once, never fund money (d filed after the run)
    d = file_city_case(cases)
    certificate = funds.issue_document(WORKER, d, "demo_city.tax_relief", "2026")
    assert certificate.amount_fen == 8_000_00 and "不发放现金" in certificate.text
    refused(CONFLICT, funds.issue_document, WORKER, d, "demo_city.tax_relief", "2026")
    refused(RULE_VIOLATION, funds.propose, WORKER, d, "demo_city.tax_relief", "2026", "government")

    # ---- an amount altered in the database never reaches the bank file
    give_accounts(session, T)
    funds.publish(TREASURER, run.run.id)
    altered = session.scalar(
        select(FundPayment.id).where(
            FundPayment.tenant == T,
            FundPayment.run_id == run.run.id,
            FundPayment.status == "approved",
        )
    )
    _alter(session, f"UPDATE fund_payments SET amount_fen = 82000000 WHERE id = {altered}")
    error = refused(RULE_VIOLATION, funds.send_to_bank, TREASURER, run.run.id)
    assert str(altered) in error.details["payments"]
    _alter(session, f"UPDATE fund_payments SET amount_fen = {LIVING} WHERE id = {altered}")
    sent = funds.send_to_bank(TREASURER, run.run.id)
    assert sorted(line["amount"] for line in sent) == ["820.00", "820.00"]
    assert "820000.00" not in bank.to_csv(sent).decode("utf-8-sig")
    result = "付款编号,结果,金额\n" + "".join(f"{s['payment']},成功,{s['amount']}\n" for s in sent)
    assert funds.import_bank_result(TREASURER, bank.read_result(result.encode())) == {
        "paid": 2,
        "returned": 0,
    }

    # ---- nobody paid twice, in any form; nobody after the exit
    live = session.execute(
        select(FundPayment.case_id, FundPayment.programme, FundPayment.period_key).where(
            FundPayment.tenant == T, FundPayment.status.not_in(CANCELLED)
        )
    ).all()
    given = session.execute(
        select(
            DistributionLine.case_id, DistributionLine.programme, DistributionLine.period_key
        ).where(DistributionLine.tenant == T, DistributionLine.status != "stopped")
    ).all()
    assert len(set(live) | set(given)) == len(live) + len(given) == 4
    stopped = funds.payments(APPROVER, status="stopped")
    assert [p.case_number for p in stopped] == [int(c)]
    assert session.scalar(
        select(func.count()).select_from(FundPayment).where(
            FundPayment.tenant == T, FundPayment.case_id == stopped[0].case_id,
            FundPayment.status.in_(("sent", "paid")),
        )
    ) == 0  # fmt: skip

    # ---- to the fen and to the unit
    rec = funds.reconcile(APPROVER, 2026)
    assert rec.balanced, rec.problems
    stock = funds.stock(APPROVER)
    by_item = {s.item.id: s for s in stock}
    assert (by_item[cards.id].handed, by_item[cards.id].on_hand) == (20, 0)
    assert (by_item[rice.id].handed, by_item[rice.id].on_hand) == (0, 40)
    ledger_stock = {(x.year, x.source): x.stock for x in ledger.balances(session, T)}
    assert stock_matches_ledger(stock, ledger_stock)
    funds_by_source = {x.source: x for x in funds.balances(APPROVER, 2026)}
    cash, kind = funds_by_source["government"], funds_by_source["song_wennuan"]
    assert cash.spent == 2 * LIVING + MEDICAL and cash.bank == 10_000_00 - 2 * LIVING
    assert cash.payable == MEDICAL  # approved, not yet in a run sent to the bank
    assert (kind.spent, kind.stock) == (20 * 100_00, 40 * 45_50)
    assert kind.raised == kind.spent + kind.stock + kind.available

    # ---- the report shows each form apart: the funds' spending, and what is not fund money
    report = funds.annual_report(APPROVER, 2026)
    assert report.by_form == {
        "FUND_CASH": 2 * LIVING + MEDICAL,
        "FUND_IN_KIND": 20 * 100_00,
        "TAX_RELIEF": 8_000_00,
        "FEE_WAIVER": 0,
        "REFERRAL": 0,
    }
    assert report.total_used == report.by_form["FUND_CASH"] + report.by_form["FUND_IN_KIND"]
