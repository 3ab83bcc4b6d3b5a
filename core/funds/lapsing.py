"""What a file is no longer entitled to is stopped by the step that ends or lowers it.

An exit, a hand-over (to the government's safety net, another union), or new facts
approved by a second person change the file's determination in force. In the same
transaction as that step (:mod:`core.cases.stepping`, :mod:`core.cases.new_facts`), the
file's money not yet on its way is checked against it (:func:`core.funds.entitlement.
not_entitled`, and :func:`core.funds.in_kind.line_lapsed` for goods and vouchers):

* a proposed payment is stopped (``stop``: nothing was booked);
* an approved payment is withdrawn (``withdraw``: its approval's journal is reversed, the
  fund's money is free again), under the fund's lock, so that a bank file being made at
  the same moment either sent it first (then it is the bank's) or never lists it;
* a distribution line not yet handed over is stopped;

each with its reason recorded, in Chinese first, naming the step. A payment sent to the
bank is not recalled here: the bank's answer and 追回 deal with it. Approval, sending and
the hand-over check again, as the last look before money moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.funds import entitlement, ledger
from core.funds.in_kind import LISTED, STOPPED, line_lapsed
from core.funds.models import CANCELLED, DistributionLine, FundPayment
from core.funds.payments import APPROVED, PROPOSED, apply_move, rows_of

#: The payments a step may still stop: not yet sent to the bank.
NOT_SENT = (PROPOSED, APPROVED)


def stop_what_lapsed(
    session: Session,
    principal: Principal,
    case_row: int,
    admitted: Sequence[str],
    step_zh: str,
    today: date,
) -> int:
    """Stop the file's payments not yet sent and its lines not yet handed over that its
    determination in force (as the step just written leaves it) no longer grants; how
    many. Runs inside the step's transaction, which commits or rolls back with it."""
    tenant = principal.tenant
    # (not cancelled, as the unique index over the file's payments is: read through it)
    mine = (
        (FundPayment.case_id == case_row)
        & FundPayment.status.in_(NOT_SENT)
        & FundPayment.status.not_in(CANCELLED)
    )
    holding = select(FundPayment.year, FundPayment.source).where(FundPayment.tenant == tenant, mine)
    funds = sorted({(year, source) for year, source in session.execute(holding)})
    for year, source in funds:  # as approval and sending do: the fund first
        ledger.lock_fund(session, tenant, year, source)
    stopped = 0
    if funds:
        lapsed = entitlement.not_entitled(session, tenant, mine, admitted)
        for state, move in ((PROPOSED, "stop"), (APPROVED, "withdraw")):
            rows = [r for r in rows_of(session, tenant, mine, state) if r.id in lapsed]
            by_reason: dict[tuple[str, str], list[int]] = {}
            for r in rows:
                by_reason.setdefault(lapsed[r.id], []).append(r.id)
            for (zh, en), ids in sorted(by_reason.items()):
                chosen = [r for r in rows if r.id in ids]
                apply_move(
                    session,
                    principal,
                    chosen,
                    move,
                    FundPayment.id.in_(ids),
                    today,
                    stop_reason=f"{step_zh}:{zh} / {en}"[:300],
                )
                stopped += len(chosen)
    lines = list(
        session.scalars(
            select(DistributionLine).where(
                DistributionLine.tenant == tenant,
                DistributionLine.case_id == case_row,
                DistributionLine.status == LISTED,
            )
        )
    )
    for line in lines:
        reason = line_lapsed(session, tenant, line, admitted)
        if reason is None:
            continue
        session.execute(
            update(DistributionLine)
            .where(DistributionLine.id == line.id, DistributionLine.status == LISTED)
            .values(status=STOPPED, stop_reason=f"{step_zh}:{reason}"[:300])
            .execution_options(synchronize_session=False)
        )
        stopped += 1
    if stopped:  # the rows were moved by statements: what this session holds is stale
        for held in list(session.identity_map.values()):
            if isinstance(held, (FundPayment, DistributionLine)):
                session.expire(held)
    return stopped
