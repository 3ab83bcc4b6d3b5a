"""A payment's states, the journal each move books, and what the ledger must hold for it.

::

    proposed --approve--> approved --send--> sent --bank: paid--> paid
        |                                      |
        +--reject--> rejected                  +--bank: returned--> returned
                                                                      |  |
                                         sent <--reissue (补发)-------+  +--recover (追回)--> recovered

Each move is one balanced journal of the payment's fund (amount A, fen):

* approve: expense +A (by programme), payable -A      (the money is committed)
* send:    payable +A, bank -A                         (it leaves the dedicated account)
* return:  bank +A, payable -A                         (the bank sent it back, 退票)
* reissue: payable +A, bank -A                         (补发: sent again)
* recover: payable +A, expense -A                      (追回: not paid after all)

A payment is in exactly one state, and by its state the sum of its lines per account is
known (:data:`EXPECTED`): reconciliation checks every payment against it.
"""

from __future__ import annotations

from core.funds.ledger import (
    APPROVAL,
    BANK,
    EXPENSE,
    PAYABLE,
    RECOVERY,
    RETURN,
    SENDING,
    Line,
)

PROPOSED, APPROVED, SENT, PAID = "proposed", "approved", "sent", "paid"
RETURNED, RECOVERED, REJECTED = "returned", "recovered", "rejected"
STATES = {
    PROPOSED: ("待审批", "waiting for approval"),
    APPROVED: ("已审批待发放", "approved, not yet sent"),
    SENT: ("已送银行", "sent to the bank"),
    PAID: ("已发放", "paid"),
    RETURNED: ("退票", "returned by the bank"),
    RECOVERED: ("已追回", "recovered"),
    REJECTED: ("未批准", "rejected"),
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
}


def lines(kind: str, amount: int, programme: str, payment_id: int) -> tuple[Line, ...]:
    """The lines of the journal ``kind`` for one payment."""
    if kind == APPROVAL:
        pairs = ((EXPENSE, amount), (PAYABLE, -amount))
    elif kind == SENDING:
        pairs = ((PAYABLE, amount), (BANK, -amount))
    elif kind == RETURN:
        pairs = ((BANK, amount), (PAYABLE, -amount))
    elif kind == RECOVERY:
        pairs = ((PAYABLE, amount), (EXPENSE, -amount))
    else:
        raise ValueError(kind)
    return tuple(
        Line(account, value, programme if account == EXPENSE else None, payment_id)
        for account, value in pairs
    )


#: By state, the sum of a payment's lines per account, as a multiple of its amount.
EXPECTED: dict[str, dict[str, int]] = {
    PROPOSED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
    REJECTED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
    APPROVED: {EXPENSE: 1, PAYABLE: -1, BANK: 0},
    SENT: {EXPENSE: 1, PAYABLE: 0, BANK: -1},
    PAID: {EXPENSE: 1, PAYABLE: 0, BANK: -1},
    RETURNED: {EXPENSE: 1, PAYABLE: -1, BANK: 0},
    RECOVERED: {EXPENSE: 0, PAYABLE: 0, BANK: 0},
}
#: States whose amount counts as spent (量入为出 counts them against the fund).
COMMITTED = (APPROVED, SENT, PAID, RETURNED)
