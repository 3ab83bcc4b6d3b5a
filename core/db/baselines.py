"""Each file's status on its tenant's target baseline, kept (``target_baselines``,
``cases.baseline_status``, migration 0021).

A tenant's targets count the files admitted on its baseline day and, of them, those
exited on the day asked. The day is kept per tenant (:func:`keep`, when a file is
opened); triggers then keep every file's status on it, and the tallies count the files
by it, so that the counts are a sum over a few rows (or, for a day before the tenant's
last step, a look at the baseline's files alone), not a scan of every step ever taken.
For a baseline not kept (another registry's, or a tenant whose first file since has not
been opened), :func:`core.db.repositories.target_counts` counts from the history as
before: the answers are the same either way.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from core.db.models import CaseEvent, CaseFile, CaseTally, TargetBaseline


def kept(session: Session, tenant: str) -> date | None:
    """The baseline day kept for ``tenant`` (None when none is)."""
    return session.scalar(select(TargetBaseline.baseline).where(TargetBaseline.tenant == tenant))


def keep(session: Session, tenant: str, baseline: date) -> None:
    """Keep ``baseline`` as the tenant's (in the caller's transaction): the first time, or
    when it moved, every file of the tenant takes its status then from its history (a
    trigger). A read first, so that opening files takes no lock while it is unchanged."""
    now = kept(session, tenant)
    if now == baseline:
        return
    if now is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        session.execute(
            upsert(TargetBaseline)
            .values(tenant=tenant, baseline=baseline)
            .on_conflict_do_nothing(index_elements=["tenant"])
        )
        if kept(session, tenant) == baseline:
            return
    session.execute(
        update(TargetBaseline).where(TargetBaseline.tenant == tenant).values(baseline=baseline)
    )


def counts(
    session: Session,
    tenant: str,
    on: date,
    admitted: Collection[str],
    exited: Collection[str],
) -> tuple[int, int]:
    """(files admitted on the kept baseline, of them exited on ``on``), for a baseline
    kept and ``on`` not before it (SQLite; PostgreSQL: ``bangfu_target_figures``)."""
    files = session.scalar(
        select(func.coalesce(func.sum(CaseTally.n), 0)).where(
            CaseTally.tenant == tenant, CaseTally.baseline_status.in_(list(admitted))
        )
    )
    later = session.scalar(
        select(exists().where(CaseEvent.tenant == tenant, CaseEvent.taken_on > on))
    )
    if not later:  # every file is at its newest step on ``on``: the tallies answer
        gone = session.scalar(
            select(func.coalesce(func.sum(CaseTally.n), 0)).where(
                CaseTally.tenant == tenant,
                CaseTally.baseline_status.in_(list(admitted)),
                CaseTally.status.in_(list(exited)),
            )
        )
    else:  # the baseline's files alone, each at its latest step on ``on``
        then = (
            select(CaseEvent.to_status)
            .where(CaseEvent.case_id == CaseFile.id, CaseEvent.taken_on <= on)
            .order_by(CaseEvent.seq.desc())
            .limit(1)
            .scalar_subquery()
        )
        gone = session.scalar(
            select(func.count()).where(
                CaseFile.tenant == tenant,
                CaseFile.baseline_status != "",
                CaseFile.baseline_status.in_(list(admitted)),
                then.in_(list(exited)),
            )
        )
    return int(files or 0), int(gone or 0)
