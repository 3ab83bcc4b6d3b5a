"""The queries of case files: every one names its tenant.

Case rows are always selected with their tenant in the WHERE clause (a file of another
tenant is indistinguishable from a missing one), and changed with an explicit
``WHERE id = :id AND version = :expected`` so that a concurrent change makes the update
match nothing and the caller answers CONFLICT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core.db.models import Assignment, CaseEvent, CaseFile, MemberIdentity


def find_case(session: Session, tenant: str, case_id: int) -> CaseFile | None:
    return session.scalars(
        select(CaseFile)
        .where(CaseFile.id == case_id, CaseFile.tenant == tenant)
        .execution_options(populate_existing=True)
    ).first()


def events_of(session: Session, tenant: str, case_ids: Sequence[int]) -> dict[int, list[CaseEvent]]:
    """The history of each case, oldest step first."""
    found: dict[int, list[CaseEvent]] = {i: [] for i in case_ids}
    if not case_ids:
        return found
    rows = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.tenant == tenant, CaseEvent.case_id.in_(list(case_ids)))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    for row in rows:
        found[row.case_id].append(row)
    return found


def masked_ids_of(
    session: Session, tenant: str, case_ids: Sequence[int]
) -> dict[int, dict[int, str]]:
    found: dict[int, dict[int, str]] = {i: {} for i in case_ids}
    if not case_ids:
        return found
    rows = session.execute(
        select(MemberIdentity.case_id, MemberIdentity.member_index, MemberIdentity.id_masked).where(
            MemberIdentity.tenant == tenant, MemberIdentity.case_id.in_(list(case_ids))
        )
    )
    for case_id, index, masked in rows:
        found[case_id][index] = masked
    return found


def add_case(session: Session, values: dict[str, Any]) -> int:
    row = CaseFile(**values)
    session.add(row)
    session.flush()
    return row.id


def update_case(
    session: Session, tenant: str, case_id: int, expected_version: int, values: dict[str, Any]
) -> bool:
    """Apply ``values`` and bump the version, only if the case is still at
    ``expected_version``; False when someone else changed it first."""
    result = session.execute(
        update(CaseFile)
        .where(
            CaseFile.id == case_id,
            CaseFile.tenant == tenant,
            CaseFile.version == expected_version,
        )
        .values(**values, version=expected_version + 1, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def add_event(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(CaseEvent), [values])


def replace_identities(
    session: Session, tenant: str, case_id: int, identities: Iterable[tuple[int, str, str]]
) -> None:
    session.query(MemberIdentity).filter(
        MemberIdentity.tenant == tenant, MemberIdentity.case_id == case_id
    ).delete(synchronize_session=False)
    rows = [
        {"tenant": tenant, "case_id": case_id, "member_index": i, "id_hash": h, "id_masked": m}
        for i, h, m in identities
    ]
    if rows:
        session.execute(insert(MemberIdentity), rows)


def assign(session: Session, tenant: str, case_id: int, user: str, duty: str, since: date) -> None:
    session.add(Assignment(tenant=tenant, case_id=case_id, user=user, duty=duty, since=since))


def count_on_sole_ground(
    session: Session, tenant: str, ground: str, statuses: Sequence[str]
) -> int:
    """Files of ``tenant`` in ``statuses`` whose only ground is ``ground``."""
    if not statuses:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(CaseFile)
            .where(
                CaseFile.tenant == tenant,
                CaseFile.status.in_(list(statuses)),
                CaseFile.grounds == ground,
            )
        )
        or 0
    )


def page_of_cases(
    session: Session, tenant: str, status: str | None, first: int, after: int | None
) -> list[CaseFile]:
    query = select(CaseFile).where(CaseFile.tenant == tenant)
    if status:
        query = query.where(CaseFile.status == status)
    if after is not None:
        query = query.where(CaseFile.id > after)
    query = query.order_by(CaseFile.id).limit(first).execution_options(populate_existing=True)
    return list(session.scalars(query))


def overdue_cases(session: Session, tenant: str, on: date, limit: int) -> list[CaseFile]:
    """Files with a running deadline before ``on``, the most overdue first."""
    return list(
        session.scalars(
            select(CaseFile)
            .where(CaseFile.tenant == tenant, CaseFile.due_on.is_not(None), CaseFile.due_on < on)
            .order_by(CaseFile.due_on, CaseFile.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )


def find_by_id_hash(session: Session, tenant: str, id_hash: str) -> list[int]:
    return list(
        session.scalars(
            select(MemberIdentity.case_id)
            .where(MemberIdentity.tenant == tenant, MemberIdentity.id_hash == id_hash)
            .distinct()
        )
    )


def status_counts(session: Session, tenant: str) -> Counter[str]:
    rows = session.execute(
        select(CaseFile.status, func.count())
        .where(CaseFile.tenant == tenant)
        .group_by(CaseFile.status)
    )
    return Counter({status: n for status, n in rows})


def category_and_group_counts(
    session: Session, tenant: str, statuses: Sequence[str]
) -> tuple[Counter[str], Counter[str]]:
    """Open files by hardship category and by national target group."""
    categories: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    if not statuses:
        return categories, groups
    rows = session.execute(
        select(CaseFile.category, CaseFile.groups).where(
            CaseFile.tenant == tenant, CaseFile.status.in_(list(statuses))
        )
    )
    for category, group_list in rows:
        if category:
            categories[category] += 1
        for g in filter(None, (group_list or "").split(",")):
            groups[g] += 1
    return categories, groups


def has_cases(session: Session) -> bool:
    return session.scalar(select(CaseFile.id).limit(1)) is not None
