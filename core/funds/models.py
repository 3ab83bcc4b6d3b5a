"""The tables of the assistance funds ledger (帮扶资金台账), migration 0006.

* ``fund_entries``: the ledger. Append-only: the serving role may only INSERT and SELECT
  it on PostgreSQL, and on every database a trigger refuses UPDATE and DELETE. Every
  movement is one *journal* of lines whose signed amounts (fen; debit positive, credit
  negative) sum to zero. No balance is stored anywhere: balances are sums of lines.
* ``fund_payments``: a payment proposed from a filed case's determination, and the state
  it is in (proposed, approved, sent, paid, returned, recovered, rejected). Its money is
  in the ledger; the state says which lines it must have, and reconciliation checks that
  it has exactly those.
* ``fund_runs``: a payment run (清册) for a period, one per tenant, period and fund.

All three are :class:`core.db.models.TenantScoped`: the application's tenant filter and
PostgreSQL's row-level security apply to them as to case files.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.models import CODE, USER, Base, TenantScoped

JOURNAL = 32  #: a journal id: 32 hex digits
DOCUMENT = 100  #: a receipt's document reference (文号/凭证号)
PERIOD = 7  #: "2026-12" (a month) or "2026" (a year)
PERIOD_KEY = 40  #: "2026", "2026-12" or "once:<case event id>"
#: Cancelled payments (rejected, recovered, stopped) pay nothing: the period may be paid.
CANCELLED = ("rejected", "recovered", "stopped")
LIVE = "status NOT IN ('rejected', 'recovered', 'stopped')"


class FundEntry(TenantScoped, Base):
    """One line of a journal: an account of a fund (tenant, year, source) moved by a
    signed amount in fen (debit positive, credit negative)."""

    __tablename__ = "fund_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journal: Mapped[str] = mapped_column(String(JOURNAL))
    line: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(CODE))  #: the fund: government, union_budget ...
    account: Mapped[str] = mapped_column(String(CODE))  #: bank, income, expense, payable
    programme: Mapped[str | None] = mapped_column(String(CODE))  #: expense lines
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(CODE))  #: receipt, approval, sending, return ...
    booked_on: Mapped[date] = mapped_column(Date)  #: the server's date of the movement
    document: Mapped[str | None] = mapped_column(String(DOCUMENT))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("fund_payments.id"))
    reverses: Mapped[str | None] = mapped_column(String(JOURNAL))  #: the journal corrected
    memo: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(USER))
    role: Mapped[str] = mapped_column(String(CODE))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("journal", "line"),
        Index("ix_fund_entries_tenant_year_source", "tenant", "year", "source"),
        Index("ix_fund_entries_payment_id", "payment_id"),
    )


class FundRun(TenantScoped, Base):
    """A payment run (清册) of one period and fund: made once, re-run adds only the
    payments still missing."""

    __tablename__ = "fund_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(PERIOD))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(CODE))
    cadence: Mapped[str] = mapped_column(String(CODE))  #: MONTHLY or YEARLY
    started_by: Mapped[str] = mapped_column(String(USER))
    published_on: Mapped[date | None] = mapped_column(Date)  #: 公示 of the list
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("tenant", "period", "source"),)


class FundPayment(TenantScoped, Base):
    """A payment of one programme to one filed case for one period, and its state."""

    __tablename__ = "fund_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: the determination record (the case event) the amount was computed in
    determination_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    determined_on: Mapped[date] = mapped_column(Date)  #: the record's asOf
    ruleset: Mapped[str] = mapped_column(String(40))
    programme: Mapped[str] = mapped_column(String(CODE))
    period: Mapped[str] = mapped_column(String(PERIOD))
    #: the normalised period it pays (:mod:`core.funds.periods`): the year of a yearly
    #: programme, the month of a monthly one, ``once:<event>`` for a one-off
    period_key: Mapped[str] = mapped_column(String(PERIOD_KEY))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(CODE))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(CODE))
    #: why it was stopped (exit, hand-over, new facts): 中文 / English
    stop_reason: Mapped[str | None] = mapped_column(String(300))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("fund_runs.id"))
    proposed_by: Mapped[str] = mapped_column(String(USER))
    proposed_on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(USER))
    approved_on: Mapped[date | None] = mapped_column(Date)
    sendings: Mapped[int] = mapped_column(Integer, default=0)  #: times sent to the bank
    bank_note: Mapped[str | None] = mapped_column(String(200))  #: the bank's last answer
    version: Mapped[int] = mapped_column(Integer, default=1)
    if TYPE_CHECKING:
        case_number: Mapped[int]  #: the file's number in its tenant (_case_numbers below)

    __table_args__ = (
        # once per entitlement: one payment of a programme to a case per normalised period
        # among the payments not cancelled (migration 0016), whatever path proposes it
        Index(
            "uq_fund_payments_once_per_period",
            "tenant",
            "case_id",
            "programme",
            "period_key",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
        Index("ix_fund_payments_tenant_status", "tenant", "status"),
        Index("ix_fund_payments_run_id", "run_id"),
    )


class BenefitDocument(TenantScoped, Base):
    """A document issued for a benefit that is not fund money (migration 0016b)."""

    __tablename__ = "benefit_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    determination_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    programme: Mapped[str] = mapped_column(String(CODE))
    form: Mapped[str] = mapped_column(String(CODE))
    period: Mapped[str] = mapped_column(String(7))
    period_key: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)  #: a ceiling or a figure
    text: Mapped[str] = mapped_column(Text)  #: what is printed, in Chinese
    issued_by: Mapped[str] = mapped_column(String(USER))
    issued_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (UniqueConstraint("tenant", "case_id", "programme", "period_key"),)


class PayeeAccount(TenantScoped, Base):
    """The bank account (一卡通) a file's payments are paid into (migration 0016c): kept
    sealed (:mod:`core.sealing`), shown masked, opened only to write the bank file."""

    __tablename__ = "payee_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    sealed: Mapped[str] = mapped_column(String(200))  #: v1.<nonce and ciphertext>
    masked: Mapped[str] = mapped_column(String(40))  #: 6222********1234
    bank: Mapped[str | None] = mapped_column(String(100))  #: the bank's name, as typed
    recorded_by: Mapped[str] = mapped_column(String(USER))
    recorded_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("tenant", "case_id"),)


class StockItem(TenantScoped, Base):
    """Goods or vouchers bought from a fund into stock (003 五.9: 实物、超市购物券),
    migration 0016d: what, how many, at what unit cost, from whom, on which document."""

    __tablename__ = "stock_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(CODE))
    kind: Mapped[str] = mapped_column(String(CODE))  #: goods or voucher
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)  #: received
    unit_cost_fen: Mapped[int] = mapped_column(BigInteger)
    supplier: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(DOCUMENT))  #: the supplier's invoice
    journal: Mapped[str] = mapped_column(String(JOURNAL))  #: the purchase's journal
    received_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(USER))


class Voucher(TenantScoped, Base):
    """A voucher of a stock item, by serial number: issued once, to one line."""

    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    serial: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_lines.id"))

    __table_args__ = (
        UniqueConstraint("tenant", "serial"),
        Index("ix_vouchers_item_id", "item_id"),
    )


class DistributionList(TenantScoped, Base):
    """A distribution list (发放名册) of goods or vouchers for a programme and period."""

    __tablename__ = "distribution_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme: Mapped[str] = mapped_column(String(CODE))
    period: Mapped[str] = mapped_column(String(PERIOD))
    title: Mapped[str] = mapped_column(String(200))
    made_by: Mapped[str] = mapped_column(String(USER))
    made_on: Mapped[date] = mapped_column(Date)


class DistributionLine(TenantScoped, Base):
    """What one household receives on a list; closed by the recipient's signature (签收)
    or a witness, once."""

    __tablename__ = "distribution_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("distribution_lists.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    determination_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    programme: Mapped[str] = mapped_column(String(CODE))
    period_key: Mapped[str] = mapped_column(String(PERIOD_KEY))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  #: quantity x unit cost
    status: Mapped[str] = mapped_column(String(CODE))  #: listed, handed, stopped
    signed_by: Mapped[str | None] = mapped_column(String(100))  #: 签收 by the recipient
    witness: Mapped[str | None] = mapped_column(String(100))  #: or a witness
    handed_on: Mapped[date | None] = mapped_column(Date)
    handed_by: Mapped[str | None] = mapped_column(String(USER))
    stop_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        # once per entitlement, like a payment: one line of a programme per period key
        Index(
            "uq_distribution_lines_once_per_period",
            "tenant",
            "case_id",
            "programme",
            "period_key",
            unique=True,
            sqlite_where=text("status <> 'stopped'"),
            postgresql_where=text("status <> 'stopped'"),
        ),
        Index("ix_distribution_lines_list_id", "list_id"),
    )


def _case_numbers() -> None:
    """``FundPayment.case_number``: the file's number within its tenant (``Case.id``), the
    number people and the API know; ``case_id`` is the row's key (issue 8 numbers files per
    tenant, so the two differ once a database holds several tenants)."""
    from sqlalchemy import select
    from sqlalchemy.orm import column_property

    from core.db.models import CaseFile

    FundPayment.case_number = column_property(
        select(CaseFile.number)
        .where(CaseFile.id == FundPayment.case_id)
        .correlate_except(CaseFile)  # its own read of cases, even beside a join to them
        .scalar_subquery()
    )


_case_numbers()
