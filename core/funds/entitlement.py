"""What a file is entitled to be paid now: the determination in force, and whether a
payment still rests on it.

The determination *in force* is the latest step of the file's history whose new facts do
not wait for a second person. A programme's grant began at the earliest step of the
unbroken run of steps, ending with the one in force, that admit the file, grant the
programme the same amount and rest on the same facts: new approved facts, or a lapse of
the grant, begin a new one (a one-off is paid once per grant, :mod:`core.funds.periods`).

A payment is still *entitled* when its file is admitted (not exited, not handed over),
the determination in force grants its programme exactly its amount, and, for a one-off,
the grant it was proposed under is still the one in force. The step that ends or lowers
an entitlement stops what is not yet sent (:mod:`core.funds.lapsing`); approval and
sending check it again (:func:`not_entitled`); what is no longer entitled is stopped with
its reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models import CaseEvent, CaseFile
from core.funds.models import FundPayment
from core.money import format_yuan


@dataclass(frozen=True)
class Grant:
    """A programme's amount in the determination in force, and where the grant began."""

    amount_fen: int | None  #: None when in kind ("*")
    in_force: int  #: the case event id of the determination in force
    granted_by: int  #: the case event id where this grant began
    took_effect: date  #: the date of the determination in force (its asOf)


@functools.lru_cache(maxsize=4096)
def _summary(text: str) -> dict[str, int]:
    from core.funds.runs import parse_entitlements

    return parse_entitlements(text)


def _amount(record: dict[str, Any], programme: str) -> str | None:
    for code, amount in (record.get("outcome") or {}).get("entitlements") or []:
        if code == programme:
            return str(amount)
    return None


def _fen(amount: str) -> int | None:
    if amount == "*":
        return None
    whole, _, cents = amount.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def grant_of(
    events: Sequence[tuple[int, str, dict[str, Any], date]],
    programme: str,
    admitted: Iterable[str],
) -> Grant | None:
    """The grant of ``programme`` in a file's history, ``events`` being (event id,
    status it moved to, determination record, date) oldest first; None when the
    determination in force does not grant it or the file is not admitted."""
    admitted = set(admitted)
    steps = [e for e in events if not (e[2] or {}).get("pending")]
    if not steps:
        return None
    last_id, last_status, last, last_on = steps[-1]
    amount = _amount(last, programme)
    if amount is None or last_status not in admitted:
        return None
    granted_by = last_id
    for event_id, status, record, _on in reversed(steps[:-1]):
        same = (
            status in admitted
            and _amount(record, programme) == amount
            and record.get("facts") == last.get("facts")
        )
        if not same:
            break
        granted_by = event_id
    took_effect = date.fromisoformat(last.get("asOf") or last_on.isoformat())
    return Grant(_fen(amount), last_id, granted_by, took_effect)


def history(session: Session, tenant: str, case_ids: Iterable[int]) -> dict[int, list[Any]]:
    """(event id, status moved to, determination, date) of each file's steps, oldest first."""
    out: dict[int, list[Any]] = {}
    rows = session.execute(
        select(
            CaseEvent.case_id,
            CaseEvent.id,
            CaseEvent.to_status,
            CaseEvent.determination,
            CaseEvent.taken_on,
        )
        .where(CaseEvent.tenant == tenant, CaseEvent.case_id.in_(list(case_ids)))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    for case_id, *event in rows:
        out.setdefault(case_id, []).append(tuple(event))
    return out


def not_entitled(
    session: Session,
    tenant: str,
    where: Any,
    admitted: Iterable[str],
) -> dict[int, tuple[str, str]]:
    """The payments matching ``where`` that their file is no longer entitled to, with the
    reason (中文, English). The files' status and summary of entitlements (that of the
    determination in force) are read in one statement, so that a run of 100,000 payments
    is checked at once; a one-off's grant is read from its file's history."""
    admitted = set(admitted)
    rows = session.execute(
        select(
            FundPayment.id,
            FundPayment.case_id,
            FundPayment.programme,
            FundPayment.amount_fen,
            FundPayment.period_key,
            CaseFile.status,
            CaseFile.entitlements,
        )
        .join(CaseFile, CaseFile.id == FundPayment.case_id)
        .where(FundPayment.tenant == tenant, where)
    ).all()
    out: dict[int, tuple[str, str]] = {}
    once: list[Any] = []
    for pid, case_id, programme, amount, key, status, summary in rows:
        if status not in admitted:
            out[pid] = (
                f"档案已不在册({status}),停止发放",
                f"the file is no longer admitted ({status}): stopped",
            )
            continue
        now = _summary(summary or "").get(programme)
        if now is None:
            out[pid] = (
                "现行认定结果已不再给予该项目,停止发放",
                "the determination in force no longer grants this programme: stopped",
            )
        elif now != amount:
            out[pid] = (
                f"现行认定金额为{format_yuan(now)}元,与支付金额{format_yuan(amount)}元不符,停止发放",
                f"the determination in force grants {format_yuan(now)}, "
                f"not {format_yuan(amount)}: stopped",
            )
        elif key.startswith("once:"):
            once.append((pid, case_id, programme, key))
    if once:
        steps = history(session, tenant, {c for _, c, _, _ in once})
        for pid, case_id, programme, key in once:
            grant = grant_of(steps.get(case_id, []), programme, admitted)
            if grant is None or f"once:{grant.granted_by}" != key:
                out[pid] = (
                    "一次性救助所依据的认定已被新的认定取代,停止发放",
                    "the determination that granted this one-off is no longer in force: stopped",
                )
    return out
