"""The double-entry ledger: funds, accounts, journals, balances.

A *fund* is a tenant's money of one year from one source (seed 003 part 6: government
allocation, the union's budget, donations, 送温暖). Each fund has four accounts:

==========  =====================================  ===================================
account     what it holds                          sign of its balance
==========  =====================================  ===================================
``bank``    money in the dedicated account (专户)   debit (positive)
``income``  what was raised (收入)                   credit (negative)
``expense`` what was spent, by programme (支出)      debit (positive)
``payable`` approved and not yet paid out (应付)     credit (negative)
==========  =====================================  ===================================

Every movement is a *journal*: lines whose signed amounts (fen; debit positive, credit
negative) sum to zero, written in one INSERT statement (on PostgreSQL a statement trigger
refuses a journal that does not balance). Nothing is ever updated or deleted: a correction
is a reversing journal. Balances are sums of lines, never stored.

What may still be spent (量入为出) is ``income - expense - stock`` of the fund: the money
raised, less what has been approved (paid or not) and the goods bought into stock
(``stock``, at cost: a purchase is bank to stock, a hand-over stock to expense).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, literal, null, select, text, union_all
from sqlalchemy.orm import Session

from core.funds.models import FundEntry

BANK, INCOME, EXPENSE, PAYABLE = "bank", "income", "expense", "payable"
STOCK = "stock"
ACCOUNTS = {
    BANK: ("专户存款", "bank account"),
    INCOME: ("资金收入", "funds raised"),
    EXPENSE: ("帮扶支出", "assistance paid"),
    PAYABLE: ("应付帮扶款", "approved, not yet paid"),
    STOCK: ("帮扶物资库存", "goods and vouchers in stock"),
}
#: The sources of a tenant's funds (seed 003 part 6, 资金的筹集).
SOURCES = {
    "government": ("财政拨款", "government allocation"),
    "union_budget": ("工会经费预算", "union budget"),
    "donation": ("社会捐赠", "donations"),
    "song_wennuan": ("送温暖资金", "送温暖 (winter warmth) funds"),
}
#: Journal kinds.
RECEIPT, REVERSAL = "receipt", "reversal"
APPROVAL, SENDING, RETURN, RECOVERY = "approval", "sending", "return", "recovery"
WITHDRAWAL = "withdrawal"
PURCHASE, HANDOVER = "purchase", "handover"
KINDS = {
    RECEIPT: ("收入", "receipt"),
    REVERSAL: ("冲销", "reversal"),
    APPROVAL: ("审批支出", "approved payment"),
    SENDING: ("银行代发", "sent to the bank"),
    RETURN: ("退票", "returned by the bank"),
    RECOVERY: ("追回", "recovered"),
    WITHDRAWAL: ("停发撤销", "approval withdrawn: no longer entitled"),
    PURCHASE: ("购入物资", "goods or vouchers bought into stock"),
    HANDOVER: ("实物发放", "goods or vouchers handed over, signed for"),
}
#: Rows per INSERT statement; a journal is never split across two.
CHUNK = 2_000


@dataclass(frozen=True)
class Line:
    """One line of a journal before it is posted."""

    account: str
    amount_fen: int
    programme: str | None = None
    payment_id: int | None = None


@dataclass(frozen=True)
class Journal:
    """A balanced movement of one fund."""

    tenant: str
    year: int
    source: str
    kind: str
    booked_on: date
    actor: str
    role: str
    lines: tuple[Line, ...]
    document: str | None = None
    memo: str | None = None
    reverses: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        if sum(line.amount_fen for line in self.lines) != 0:
            raise ValueError(f"a {self.kind} journal does not balance: {self.lines}")
        if not self.id:
            object.__setattr__(self, "id", uuid.uuid4().hex)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "tenant": self.tenant,
                "journal": self.id,
                "line": i,
                "year": self.year,
                "source": self.source,
                "account": line.account,
                "programme": line.programme,
                "amount_fen": line.amount_fen,
                "kind": self.kind,
                "booked_on": self.booked_on,
                "document": self.document,
                "payment_id": line.payment_id,
                "reverses": self.reverses,
                "memo": self.memo,
                "actor": self.actor,
                "role": self.role,
            }
            for i, line in enumerate(self.lines, 1)
        ]


def post(session: Session, journals: Iterable[Journal]) -> int:
    """Write journals, each whole in one INSERT statement; the number of lines written."""
    table = FundEntry.__table__
    batch: list[dict[str, Any]] = []
    written = 0
    for journal in journals:
        rows = journal.rows()
        if batch and len(batch) + len(rows) > CHUNK:
            session.execute(insert(table).values(batch))
            written += len(batch)
            batch = []
        batch += rows
    if batch:
        session.execute(insert(table).values(batch))
        written += len(batch)
    return written


# The driver's own date adapter (ISO text, what SQLAlchemy writes too), registered
# explicitly: Python 3.12 deprecates the implicit one.
sqlite3.register_adapter(date, date.isoformat)

#: The columns :func:`post_from_payments` writes, in order.
BULK_COLUMNS = (
    "tenant",
    "journal",
    "line",
    "year",
    "source",
    "account",
    "programme",
    "amount_fen",
    "kind",
    "booked_on",
    "payment_id",
    "actor",
    "role",
)


def sqlite_executemany(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    verb: str = "INSERT",
) -> None:
    """The SQLite driver's ``executemany`` on the session's connection (in its transaction):
    SQLAlchemy's per-row parameter processing costs more than the insert. Dates go in as
    ISO text, as SQLAlchemy stores them (the adapter registered above)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None  # a connection in use has its driver's connection
    marks = ", ".join("?" * len(columns))
    raw.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def post_from_payments(
    session: Session,
    selected: Any,
    kind: str,
    pair: tuple[Line, Line],
    booked_on: date,
    actor: str,
    role: str,
) -> None:
    """One journal of ``kind`` per payment matching ``selected``: the two lines of
    ``pair`` (accounts and signs for an amount of 1) times the payment's amount, written
    by one INSERT ... SELECT (each journal whole in the one statement). Journal ids are a
    random prefix and the payment id."""
    from core.funds.models import FundPayment

    payments = FundPayment.__table__.c
    prefix = uuid.uuid4().hex[:20]
    if session.connection().dialect.name == "postgresql":
        number = func.lpad(func.to_hex(payments.id), 12, "0")
    else:
        number = func.printf("%012x", payments.id)
    journal = literal(prefix) + number

    def line(n: int, part: Line) -> Any:
        return select(
            payments.tenant,
            journal,
            literal(n),
            payments.year,
            payments.source,
            literal(part.account),
            payments.programme if part.account == EXPENSE else null(),
            payments.amount_fen * part.amount_fen,
            literal(kind),
            literal(booked_on),
            payments.id,
            literal(actor),
            literal(role),
        ).where(selected)

    session.execute(
        insert(FundEntry.__table__).from_select(
            list(BULK_COLUMNS), union_all(line(1, pair[0]), line(2, pair[1]))
        )
    )


# --------------------------------------------------------------------------- balances
@dataclass(frozen=True)
class FundBalance:
    """A fund's balances, derived from its entries (fen)."""

    tenant: str
    year: int
    source: str
    raised: int  #: income
    spent: int  #: expense (approved, paid or not)
    bank: int  #: in the dedicated account
    payable: int  #: approved, not yet paid out
    stock: int = 0  #: goods and vouchers bought, not yet handed over (at cost)

    @property
    def available(self) -> int:
        """What may still be approved or bought (量入为出): goods in stock are spoken for."""
        return self.raised - self.spent - self.stock


def balances(session: Session, tenant: str, year: int | None = None) -> list[FundBalance]:
    """The balances of every fund of ``tenant`` (of ``year``), by year and source."""
    query = select(
        FundEntry.year, FundEntry.source, FundEntry.account, func.sum(FundEntry.amount_fen)
    ).where(FundEntry.tenant == tenant)
    if year is not None:
        query = query.where(FundEntry.year == year)
    sums: dict[tuple[int, str], dict[str, int]] = {}
    for y, source, account, total in session.execute(
        query.group_by(FundEntry.year, FundEntry.source, FundEntry.account)
    ):
        sums.setdefault((y, source), {})[account] = int(total or 0)
    return [
        FundBalance(
            tenant,
            y,
            source,
            raised=-s.get(INCOME, 0),
            spent=s.get(EXPENSE, 0),
            bank=s.get(BANK, 0),
            payable=-s.get(PAYABLE, 0),
            stock=s.get(STOCK, 0),
        )
        for (y, source), s in sorted(sums.items())
    ]


def available(session: Session, tenant: str, year: int, source: str) -> int:
    """``income - expense - stock`` of one fund, in fen (goods bought and not yet handed
    over are spoken for)."""
    total = session.scalar(
        select(func.coalesce(func.sum(FundEntry.amount_fen), 0)).where(
            FundEntry.tenant == tenant,
            FundEntry.year == year,
            FundEntry.source == source,
            FundEntry.account.in_((INCOME, EXPENSE, STOCK)),
        )
    )
    return -int(total or 0)


def spending_by_programme(session: Session, tenant: str, year: int) -> dict[str, int]:
    rows = session.execute(
        select(FundEntry.programme, func.sum(FundEntry.amount_fen))
        .where(FundEntry.tenant == tenant, FundEntry.year == year, FundEntry.account == EXPENSE)
        .group_by(FundEntry.programme)
    )
    return {str(p): int(t or 0) for p, t in rows}


def unbalanced_journals(session: Session, tenant: str) -> list[str]:
    """Journals of ``tenant`` whose lines do not sum to zero (none, when all is well)."""
    rows = session.execute(
        select(FundEntry.journal)
        .where(FundEntry.tenant == tenant)
        .group_by(FundEntry.journal)
        .having(func.sum(FundEntry.amount_fen) != 0)
    )
    return [r[0] for r in rows]


#: The namespace of the funds' advisory locks (a constant of our own).
FUND_LOCK_CLASS = 20_261_123


def lock_fund(session: Session, tenant: str, year: int, source: str) -> None:
    """Serialize approvals against one fund until the transaction ends.

    Two approvals for the last yuan would each see enough money. Whoever takes this lock
    first sums, decides and commits; the other sums after that commit. PostgreSQL: a
    transaction-level advisory lock per fund. SQLite: its one write lock, taken as the
    first statement of the transaction (an UPDATE that matches nothing), so that the sum
    read after it is the newest."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("select pg_advisory_xact_lock(:class, hashtext(:fund))"),
            {"class": FUND_LOCK_CLASS, "fund": f"{tenant}|{year}|{source}"},
        )
    else:
        connection.execute(text("UPDATE fund_runs SET id = id WHERE 0 = 1"))
