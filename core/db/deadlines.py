"""A tenant's files by the day of their next deadline, kept (``deadline_tallies``, 0022).

Triggers on ``cases`` keep one row per tenant and day with how many files have their next
deadline that day, in the transaction of every change. The worklist's "overdue" and "due
this week" are sums over these rows: their cost follows the days with a deadline, not the
files. :func:`recount` counts the files themselves, to check the tallies against.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db.models import CaseFile, DeadlineTally


def due_between(session: Session, tenant: str, first: date | None, last: date | None) -> int:
    """How many of the tenant's files have their next deadline from ``first`` to ``last``
    (both included; None: no bound)."""
    query = select(func.coalesce(func.sum(DeadlineTally.n), 0)).where(
        DeadlineTally.tenant == tenant
    )
    if first is not None:
        query = query.where(DeadlineTally.due_on >= first)
    if last is not None:
        query = query.where(DeadlineTally.due_on <= last)
    return int(session.scalar(query) or 0)


def due_before(session: Session, tenant: str, day: date) -> int:
    """How many of the tenant's files had their next deadline before ``day`` (overdue)."""
    query = select(func.coalesce(func.sum(DeadlineTally.n), 0)).where(
        DeadlineTally.tenant == tenant, DeadlineTally.due_on < day
    )
    return int(session.scalar(query) or 0)


def tallies(session: Session, tenant: str) -> dict[date, int]:
    """The tenant's kept days (none of 0)."""
    rows = session.execute(
        select(DeadlineTally.due_on, DeadlineTally.n).where(
            DeadlineTally.tenant == tenant, DeadlineTally.n != 0
        )
    )
    return {day: int(n) for day, n in rows}


def recount(session: Session, tenant: str) -> dict[date, int]:
    """The same from the files themselves (a scan of every file due: for checks)."""
    rows = session.execute(
        select(CaseFile.due_on, func.count())
        .where(CaseFile.tenant == tenant, CaseFile.due_on.is_not(None))
        .group_by(CaseFile.due_on)
    )
    return {day: int(n) for day, n in rows if day is not None}
