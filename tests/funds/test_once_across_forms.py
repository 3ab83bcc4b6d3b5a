"""Relief given once per period across its forms, refused by the database: a bank payment
and a distribution line (goods, vouchers) of the same file, programme and period cannot
both be live, whatever path writes them (raw SQL as the serving role on PostgreSQL, and
on SQLite); cancelled ones do not count; a race past the service's own look is answered
with the same clear error."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from core.db.session import dispose_engine, session_factory
from core.errors import CONFLICT
from core.funds.models import DistributionLine, FundPayment
from core.funds.once import given_in_another_form
from tests.funds.conftest import APPROVER, CASEWORKER, TODAY, TREASURER, file_case
from tests.funds.test_ledger import refused


@pytest.fixture
def writer(database_url):
    """Who writes the raw SQL: PostgreSQL's serving role ``bangfu_app``, or SQLite."""
    if not database_url.startswith("postgresql"):
        yield database_url
        return
    from core.db.testing import postgres_app_url

    url = postgres_app_url(database_url)
    yield url
    dispose_engine(url)


def _scoped(session) -> None:
    session.execute(text("select 1"))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("select set_config('app.tenant', 'hebei', true)"))


def _columns(row, table) -> dict:
    return {c.key: getattr(row, c.key) for c in table.columns if c.key != "id"}


def _line_and_payment(funds, cases, session):
    """A file given its 2026 living relief in kind (a live line), and the row a bank
    payment of the same would be (the same file, programme and key)."""
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "song_wennuan", 1_000_00, "送温暖1号")
    rice = funds.receive_stock(
        TREASURER, 2026, "song_wennuan", "goods", "大米", "袋", 5, 50_00, "粮油公司", "发票1"
    )
    made = funds.make_distribution(
        CASEWORKER, "living_relief", "2026", "名册", [(first, rice.id, 2)]
    )
    line = session.scalar(select(DistributionLine).where(DistributionLine.list_id == made.id))
    return first, line


def _payment_values(session, line) -> dict:
    return {
        "tenant": "hebei",
        "case_id": line.case_id,
        "determination_id": line.determination_id,
        "determined_on": TODAY,
        "ruleset": "hebei",
        "programme": line.programme,
        "period": "2026",
        "period_key": line.period_key,
        "year": 2026,
        "source": "government",
        "amount_fen": 79_000,
        "status": "proposed",
        "proposed_by": "raw@hebei",
        "proposed_on": TODAY,
        "sendings": 0,
        "version": 1,
    }


def test_a_payment_of_a_period_given_in_kind_is_refused_by_the_database(
    funds, cases, session, writer
):
    _first, line = _line_and_payment(funds, cases, session)
    values = _payment_values(session, line)
    session.commit()
    with session_factory(writer)() as raw:
        _scoped(raw)
        with pytest.raises(IntegrityError) as error:
            raw.execute(insert(FundPayment.__table__).values(values))
        assert given_in_another_form(error.value)
        raw.rollback()
        # a cancelled payment does not count
        _scoped(raw)
        raw.execute(insert(FundPayment.__table__).values({**values, "status": "rejected"}))
        # another period is another entitlement
        raw.execute(
            insert(FundPayment.__table__).values({**values, "period": "2025", "period_key": "2025"})
        )
        raw.commit()


def test_a_line_of_a_period_paid_in_cash_is_refused_by_the_database(funds, cases, session, writer):
    first, line = _line_and_payment(funds, cases, session)
    payment_values = _payment_values(session, line)
    line_values = _columns(line, DistributionLine.__table__)
    session.commit()
    with session_factory(writer)() as raw:
        _scoped(raw)
        # the line is stopped (it no longer counts), and the file paid by the bank instead
        raw.execute(
            update(DistributionLine.__table__)
            .where(DistributionLine.id == line.id)
            .values(status="stopped", stop_reason="改为现金发放")
        )
        raw.execute(insert(FundPayment.__table__).values(payment_values))
        raw.commit()
        # a new line of the same period: refused
        _scoped(raw)
        with pytest.raises(IntegrityError) as error:
            raw.execute(insert(DistributionLine.__table__).values(line_values))
        assert given_in_another_form(error.value)
        raw.rollback()
        # the stopped line made live again: refused
        _scoped(raw)
        with pytest.raises(IntegrityError) as error:
            raw.execute(
                update(DistributionLine.__table__)
                .where(DistributionLine.id == line.id)
                .values(status="listed")
            )
        assert given_in_another_form(error.value)
        raw.rollback()
    # the service's own check says it first, clearly
    refused(CONFLICT, funds.propose, CASEWORKER, first, "living_relief", "2026", "government")


def test_a_race_past_the_services_check_gets_the_same_clear_error(
    funds, cases, session, monkeypatch
):
    """The service's look is skipped (as when two requests pass it together): the
    database refuses, and the answer is the service's clear error, not INTERNAL."""
    first, _line = _line_and_payment(funds, cases, session)
    monkeypatch.setattr("core.funds.approvals.given_in_kind", lambda *_: set())
    error = refused(
        CONFLICT, funds.propose, CASEWORKER, first, "living_relief", "2026", "government"
    )
    assert "实物" in error.zh and "不重复发放" in error.zh
    funds.record_receipt(TREASURER, 2026, "government", 10_000_00, "doc")
    monkeypatch.setattr("core.funds.in_kind.given_in_kind", lambda *_: set())
    error = refused(CONFLICT, funds.run, CASEWORKER, "2026", "government")
    assert "实物" in error.zh
    assert funds.payments(APPROVER) == []  # nothing was written


def test_a_line_racing_a_payment_is_refused_by_the_database(funds, cases, session, monkeypatch):
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "song_wennuan", 1_000_00, "送温暖1号")
    rice = funds.receive_stock(
        TREASURER, 2026, "song_wennuan", "goods", "大米", "袋", 5, 50_00, "粮油公司", "发票1"
    )
    funds.propose(CASEWORKER, first, "living_relief", "2026", "government")
    monkeypatch.setattr("core.funds.in_kind.paid_in_cash", lambda *_: False)
    error = refused(
        CONFLICT, funds.make_distribution, CASEWORKER, "living_relief", "2026", "名册",
        [(first, rice.id, 2)],
    )  # fmt: skip
    assert "现金" in error.zh and "不重复发放" in error.zh


def test_two_transactions_at_once_cannot_both_give_it(funds, cases, session, database_url):
    """PostgreSQL: a payment and a line written at the same moment in two transactions,
    each before the other commits: the second waits for the first, then is refused."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    _first, line = _line_and_payment(funds, cases, session)
    payment_values = _payment_values(session, line)
    line_values = _columns(line, DistributionLine.__table__)
    session.execute(
        update(DistributionLine.__table__)
        .where(DistributionLine.id == line.id)
        .values(status="stopped", stop_reason="测试")
    )
    session.commit()
    outcome: list[BaseException | None] = []
    first = session_factory(database_url)()
    _scoped(first)
    first.execute(insert(FundPayment.__table__).values(payment_values))  # not committed

    def second() -> None:
        with session_factory(database_url)() as other:
            _scoped(other)
            try:
                other.execute(insert(DistributionLine.__table__).values(line_values))
                other.commit()
                outcome.append(None)
            except IntegrityError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # it waits for the first transaction
    first.commit()
    first.close()
    thread.join(10.0)
    assert outcome and outcome[0] is not None and given_in_another_form(outcome[0])
