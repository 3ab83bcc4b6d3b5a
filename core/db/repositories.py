"""The queries of case files: every one names its tenant.

Case rows are always selected with their tenant in the WHERE clause (a file of another
tenant is indistinguishable from a missing one), and changed with an explicit
``WHERE id = :id AND version = :expected`` so that a concurrent change makes the update
match nothing and the caller answers CONFLICT.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from core.db.models import (
    AUDIT_TARGET,
    AccessAudit,
    Assignment,
    CaseEvent,
    CaseFile,
    MemberIdentity,
)
from core.db.session import tenant_scope
from core.logmask import mask_ids

log = logging.getLogger("bangfu.audit")


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


#: The namespace of :func:`lock_tenant_quota`'s advisory locks (any constant of our own).
QUOTA_LOCK_CLASS = 20_261_122


def lock_tenant_quota(session: Session, tenant: str) -> None:
    """Serialize the quota checks of ``tenant`` until the transaction ends.

    Two approvals checking a quota at the same time would both see room for one more
    file. Whoever takes this lock first counts, decides and commits; the other counts
    after that commit. PostgreSQL: a transaction-level advisory lock per tenant (released
    by commit or rollback). SQLite: its one write lock, taken now rather than at the first
    write (an UPDATE that matches nothing still opens the write transaction); other
    writers wait for it (``busy_timeout``).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("select pg_advisory_xact_lock(:class, hashtext(:tenant))"),
            {"class": QUOTA_LOCK_CLASS, "tenant": tenant},
        )
    else:
        connection.execute(text("UPDATE cases SET version = version WHERE 0 = 1"))


@dataclass(frozen=True)
class StatusCount:
    """How many files of a tenant are in one status with one outcome (no file named)."""

    status: str
    category: str | None
    groups: tuple[str, ...]
    n: int


def _groups(value: Any) -> tuple[str, ...]:
    """The national groups as stored: "a,b" (case summary) or a JSON list (a record)."""
    if not value:
        return ()
    if isinstance(value, str) and value.startswith("["):
        value = json.loads(value)
    if isinstance(value, str):
        return tuple(g for g in value.split(",") if g)
    return tuple(str(g) for g in value)


def case_counts(session: Session, tenant: str, as_of: date | None = None) -> list[StatusCount]:
    """The tenant's files counted by status, category and national groups; aggregates
    only, no row of a file leaves the database.

    ``as_of`` None: the files as they stand. A date: each file opened by then, in the
    status and with the outcome of its latest step on or before that date.

    On PostgreSQL through ``bangfu_case_counts`` (migration 0002), which may count under
    row-level security without the tenant's setting: that is how the national level,
    whose transactions see no tenant's rows, gets its statistics.
    """
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("select status, category, groups, n from bangfu_case_counts(:tenant, :as_of)"),
            {"tenant": tenant, "as_of": as_of},
        )
    elif as_of is None:
        rows = session.execute(
            select(CaseFile.status, CaseFile.category, CaseFile.groups, func.count())
            .where(CaseFile.tenant == tenant)
            .group_by(CaseFile.status, CaseFile.category, CaseFile.groups)
        )
    else:
        latest = (
            select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(CaseEvent.tenant == tenant, CaseEvent.taken_on <= as_of)
            .group_by(CaseEvent.case_id)
            .subquery()
        )
        outcome = CaseEvent.determination["outcome"]
        category = outcome["category"].as_string()
        groups = func.json_extract(CaseEvent.determination, "$.outcome.groups")
        rows = session.execute(
            select(CaseEvent.to_status, category, groups, func.count())
            .join(latest, (latest.c.case_id == CaseEvent.case_id) & (latest.c.seq == CaseEvent.seq))
            .where(CaseEvent.tenant == tenant)
            .group_by(CaseEvent.to_status, category, groups)
        )
    return [
        StatusCount(status, category, _groups(groups), int(n))
        for status, category, groups, n in rows
    ]


def has_cases(session: Session) -> bool:
    """Whether any tenant has a file (PostgreSQL: through ``bangfu_has_cases``, which
    answers under row-level security without reading a row out)."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(text("select bangfu_has_cases()")))
    return session.scalar(select(CaseFile.id).limit(1)) is not None


# --------------------------------------------------------------------------- audit
def record_refusal(
    session: Session, tenant: str, user: str, role: str, action: str, target: str, outcome: str
) -> None:
    """Record a refused access in a transaction of its own (a new session on the same
    engine), so the rollback of the refused request leaves the record. A failure to
    record is logged and does not change the refusal."""
    target = mask_ids(str(target))[:AUDIT_TARGET]
    try:
        with Session(session.get_bind()) as own, tenant_scope(own, tenant):
            own.add(
                AccessAudit(
                    tenant=tenant,
                    user=user[:100],
                    role=role,
                    action=action,
                    target=target,
                    outcome=outcome,
                )
            )
            own.commit()
    except Exception:
        log.exception(
            "could not record a refused %s by %s (%s, %s) of %r", action, user, role, tenant, target
        )


# --------------------------------------------------------------------------- staff pages
def identities_of(session: Session, tenant: str, case_id: int) -> list[tuple[int, str, str]]:
    """A file's identities as (member index, keyed hash, masked number)."""
    rows = session.execute(
        select(MemberIdentity.member_index, MemberIdentity.id_hash, MemberIdentity.id_masked)
        .where(MemberIdentity.tenant == tenant, MemberIdentity.case_id == case_id)
        .order_by(MemberIdentity.member_index)
    )
    return [(i, h, m) for i, h, m in rows]


def all_cases(session: Session, tenant: str, limit: int) -> list[CaseFile]:
    """The tenant's files, newest first, at most ``limit`` (the worklist's summary rows)."""
    return list(
        session.scalars(
            select(CaseFile)
            .where(CaseFile.tenant == tenant)
            .order_by(CaseFile.id.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )


def responsible_for(session: Session, tenant: str, user: str) -> set[int]:
    """The files ``user`` is responsible for (一帮一) and still holds."""
    return set(
        session.scalars(
            select(Assignment.case_id).where(
                Assignment.tenant == tenant, Assignment.user == user, Assignment.until.is_(None)
            )
        )
    )


def id_statuses_elsewhere(session: Session, tenant: str, id_hash: str) -> list[tuple[str, str]]:
    """(tenant, status) of the files of *other* tenants with a member of this keyed ID
    hash: nothing else, no personal data. On PostgreSQL through the function
    ``bangfu_id_elsewhere`` (migration 0008), which reads under row-level security."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("select tenant, status from bangfu_id_elsewhere(:t, :h)"),
            {"t": tenant, "h": id_hash},
        )
    else:
        rows = session.execute(
            text(
                "select c.tenant, c.status from member_identities m "
                "join cases c on c.id = m.case_id "
                "where m.id_hash = :h and m.tenant <> :t"
            ),
            {"t": tenant, "h": id_hash},
        )
    return [(str(t), str(s)) for t, s in rows]
