"""Counts of a tenant's files kept, not counted (``case_tallies``, migration 0020).

Triggers on ``cases`` keep one row per tenant, status, category, national groups and
grounds (and turn, and status on the target baseline), in the transaction of every change. Statistics, the quota guards and the
worklist's totals read these few rows, so that what they cost does not grow with the
caseload. :func:`recount` counts the files themselves, to check the tallies against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from core.db.models import CaseFile, CaseTally


@dataclass(frozen=True)
class Tally:
    """How many of a tenant's files are in ``status`` with this outcome."""

    status: str
    category: str | None
    groups: str  #: "a,b", as in ``cases.groups``
    grounds: str  #: "a,f", as in ``cases.grounds``
    turn: str  #: the step the files wait for, as in ``cases.turn``
    baseline_status: str  #: the status on the target baseline, as in ``cases.baseline_status``
    n: int


KEY = (
    CaseTally.status,
    CaseTally.category,
    CaseTally.groups,
    CaseTally.grounds,
    CaseTally.turn,
    CaseTally.baseline_status,
)


def tallies(session: Session, tenant: str) -> list[Tally]:
    """The tenant's tallies (none of 0), in order."""
    rows = session.execute(
        select(*KEY, CaseTally.n).where(CaseTally.tenant == tenant, CaseTally.n != 0).order_by(*KEY)
    )
    return [Tally(s, c or None, g, r, t, b, int(n)) for s, c, g, r, t, b, n in rows]


def recount(session: Session, tenant: str) -> list[Tally]:
    """The same counts from the files themselves (a scan of every file: for checks)."""
    category = func.coalesce(CaseFile.category, "")
    columns = (
        CaseFile.status,
        category,
        CaseFile.groups,
        CaseFile.grounds,
        CaseFile.turn,
        CaseFile.baseline_status,
    )
    rows = session.execute(
        select(*columns, func.count()).where(CaseFile.tenant == tenant).group_by(*columns)
    )
    found = [Tally(s, c or None, g, r, t, b, int(n)) for s, c, g, r, t, b, n in rows]
    return sorted(
        found,
        key=lambda t: (t.status, t.category or "", t.groups, t.grounds, t.turn, t.baseline_status),
    )


def files(
    session: Session,
    tenant: str,
    statuses: Sequence[str] | None = None,
    ground: str | None = None,
    sole: bool = True,
    turns: Sequence[str] | None = None,
) -> int:
    """How many files the tenant has (in ``statuses``; resting on ``ground`` alone, or
    with ``sole`` False on ``ground`` among others; waiting for one of ``turns``)."""
    where: list[ColumnElement[bool]] = [CaseTally.tenant == tenant]
    if turns is not None:
        if not turns:
            return 0
        where.append(CaseTally.turn.in_(list(turns)))
    if statuses is not None:
        if not statuses:
            return 0
        where.append(CaseTally.status.in_(list(statuses)))
    if ground is not None:
        exactly = CaseTally.grounds == ground
        where.append(
            exactly
            if sole
            else or_(
                exactly,
                CaseTally.grounds.like(f"{ground},%"),
                CaseTally.grounds.like(f"%,{ground}"),
                CaseTally.grounds.like(f"%,{ground},%"),
            )
        )
    return int(session.scalar(select(func.coalesce(func.sum(CaseTally.n), 0)).where(*where)) or 0)
