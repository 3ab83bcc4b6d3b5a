"""A payment's states, the journal each move books, and what the ledger must hold for it.

::

    proposed --approve--> approved --send--> sent --bank: paid--> paid
        |                                      |
        +--reject--> rejected                  +--bank: returned--> returned
        +--stop--> stopped (no longer entitled; from approved too: "withdraw")
                                                                      |  |
                                         sent <--reissue (补发)-------+  +--recover (追回)--> recovered

Each move is one balanced journal of the payment's fund (amount A, fen):

* approve: expense +A (by programme), payable -A      (the money is committed)
* send:    payable +A, bank -A                         (it leaves the dedicated account)
* return:  bank +A, payable -A                         (the bank sent it back, 退票)
* reissue: payable +A, bank -A                         (补发: sent again)
* recover: payable +A, expense -A                      (追回: not paid after all)
* withdraw: payable +A, expense -A                     (停发: approved, no longer entitled)

A payment is in exactly one state, and by its state the sum of its lines per account is
known (:data:`EXPECTED`): reconciliation checks every payment against it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.db.session import rows_changed
from core.funds import ledger
from core.funds.ledger import (
    APPROVAL,
    BANK,
    EXPENSE,
    PAYABLE,
    RECOVERY,
    RETURN,
    SENDING,
    WITHDRAWAL,
    Line,
)
from core.funds.models import FundPayment

PROPOSED, APPROVED, SENT, PAID = "proposed", "approved", "sent", "paid"
RETURNED, RECOVERED, REJECTED = "returned", "recovered", "rejected"
STOPPED = "stopped"
STATES = {
    PROPOSED: ("待审批", "waiting for approval"),
    APPROVED: ("已审批待发放", "approved, not yet sent"),
    SENT: ("已送银行", "sent to the bank"),
    PAID: ("已发放", "paid"),
    RETURNED: ("退票", "returned by the bank"),
    RECOVERED: ("已追回", "recovered"),
    REJECTED: ("未批准", "rejected"),
    STOPPED: ("已停发", "stopped: no longer entitled"),
}
#: The moves: (from, to, journal kind).
MOVES = {
    "approve": (PROPOSED, APPROVED, APPROVAL),
    "reject": (PROPOSED, REJECTED, None),
    "send": (APPROVED, SENT, SENDING),
    "paid": (SENT, PAID, None),
    "return": (SENT, RETURNED, RETURN),
    "reissue": (RETURNED, SENT, SENDING),
    "recover": (RETURNED, RECOVERED, RECOVERY),
    "stop": (PROPOSED, STOPPED, None),
    "withdraw": (APPROVED, STOPPED, WITHDRAWAL),
}


def lines(kind: str, amount: int, programme: str, payment_id: int) -> tuple[Line, Line]:
    """The lines of the journal ``kind`` for one payment."""
    if kind == APPROVAL:
        pairs = ((EXPENSE, amount), (PAYABLE, -amount))
    elif kind == SENDING:
        pairs = ((PAYABLE, amount), (BANK, -amount))
    elif kind == RETURN:
        pairs = ((BANK, amount), (PAYABLE, -amount))
    elif kind in (RECOVERY, WITHDRAWAL):
        pairs = ((PAYABLE, amount), (EXPENSE, -amount))
    else:
        raise ValueError(kind)
    debit, credit = (
        Line(account, value, programme if account == EXPENSE else None, payment_id)
        for account, value in pairs
    )
    return debit, credit


#: By state, the sum of a payment's lines per account, as a multiple of its amount.
EXPECTED: dict[str, dict[str, int]] = {
    PROPOSED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
    REJECTED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
    APPROVED: {EXPENSE: 1, PAYABLE: -1, BANK: 0},
    SENT: {EXPENSE: 1, PAYABLE: 0, BANK: -1},
    PAID: {EXPENSE: 1, PAYABLE: 0, BANK: -1},
    RETURNED: {EXPENSE: 1, PAYABLE: -1, BANK: 0},
    RECOVERED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
    STOPPED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
}
#: States whose amount counts as spent (量入为出 counts them against the fund).
COMMITTED = (APPROVED, SENT, PAID, RETURNED)


def rows_of(session: Session, tenant: str, where: Any, status: str | None) -> list[Any]:
    """The columns the moves need of the tenant's payments matching ``where`` (and in
    ``status`` when given), by id."""
    query = select(
        FundPayment.id,
        FundPayment.year,
        FundPayment.source,
        FundPayment.amount_fen,
        FundPayment.programme,
        FundPayment.status,
        FundPayment.proposed_by,
    ).where(FundPayment.tenant == tenant, where)
    if status is not None:
        query = query.where(FundPayment.status == status)
    return list(session.execute(query.order_by(FundPayment.id)))


def apply_move(
    session: Session,
    principal: Principal,
    rows: list[Any],
    move: str,
    where: Any,
    booked_on: date,
    **values: Any,
) -> None:
    """Move ``rows`` (all in the move's start state, selected by ``where``) to its end
    state, and book its journal for each: one INSERT ... SELECT of the journals (two
    lines per payment, made by the database from the payments' own rows, so that
    100,000 payments cost one statement), then one conditional UPDATE whose count must
    be the rows' (else someone moved one meanwhile: ``CONFLICT``, nothing changes)."""
    from core.funds.desk import conflict

    start, end, kind = MOVES[move]
    selected = and_(FundPayment.tenant == principal.tenant, FundPayment.status == start, where)
    if kind is not None:
        ledger.post_from_payments(
            session,
            selected,
            kind,
            lines(kind, 1, "", 0),
            booked_on,
            principal.user,
            principal.role,
        )
    if move in ("send", "reissue"):
        values["sendings"] = FundPayment.sendings + 1
    changed = rows_changed(
        session.execute(
            update(FundPayment)
            .where(selected)
            .values(status=end, version=FundPayment.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != len(rows):
        raise conflict(
            "the payments were changed by someone else meanwhile; reload and try again",
            "支付已被他人修改,请刷新后重试",
        )
