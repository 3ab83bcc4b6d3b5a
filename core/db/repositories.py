"""The queries of case files: every one names its tenant.

Case rows are always selected with their tenant in the WHERE clause (a file of another
tenant is indistinguishable from a missing one), and changed with an explicit
``WHERE id = :id AND version = :expected`` so that a concurrent change makes the update
match nothing and the caller answers CONFLICT.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    Integer,
    TextClause,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from core import metrics
from core.db import baselines, tallies
from core.db.models import (
    AUDIT_TARGET,
    AccessAudit,
    Assignment,
    CaseEvent,
    CaseFile,
    CaseRead,
    MemberIdentity,
    MemberName,
    TenantReport,
)
from core.db.session import tenant_scope
from core.logmask import mask_ids

log = logging.getLogger("bangfu.audit")


def find_case(session: Session, tenant: str, number: int) -> CaseFile | None:
    """The file numbered ``number`` in ``tenant`` (the API's ``Case.id``)."""
    return session.scalars(
        select(CaseFile)
        .where(CaseFile.number == number, CaseFile.tenant == tenant)
        .execution_options(populate_existing=True)
    ).first()


def event_dict(row: CaseEvent) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in CaseEvent.__table__.columns}


def _from_json_event(e: dict[str, Any]) -> dict[str, Any]:
    """An event as PostgreSQL's ``to_jsonb`` gives it, with Python dates and instants."""
    e = dict(e)
    e["taken_on"] = date.fromisoformat(e["taken_on"])
    e["recorded_at"] = datetime.fromisoformat(e["recorded_at"])
    return e


_EVENTS_JSON: ColumnClause[Any] = literal_column(
    "(select coalesce(json_agg(to_jsonb(e) order by e.seq), '[]'::json) from case_events e"
    " where e.case_id = cases.id and e.tenant = cases.tenant)"
)
_MASKED_JSON: ColumnClause[Any] = literal_column(
    "(select coalesce(json_object_agg(m.member_index, m.id_masked), '{}'::json)"
    " from member_identities m where m.case_id = cases.id and m.tenant = cases.tenant)"
)


#: An event's columns a change of the file does not read: the determination record (a
#: snapshot of facts, outcome and parameters, kilobytes a step) and the step's details.
RECORD_COLUMNS = ("determination", "details")
_STEPS_JSON: ColumnClause[Any] = literal_column(
    "(select coalesce(json_agg(to_jsonb(e) - 'determination' - 'details' order by e.seq),"
    " '[]'::json) from case_events e where e.case_id = cases.id and e.tenant = cases.tenant)"
)


def _load_pg(events: Any) -> Any:
    return (
        select(CaseFile, events.label("events"), _MASKED_JSON.label("masked"))
        .where(CaseFile.number == bindparam("number"), CaseFile.tenant == bindparam("tenant"))
        .execution_options(populate_existing=True)
    )


_LOAD_PG = {True: _load_pg(_EVENTS_JSON), False: _load_pg(_STEPS_JSON)}


def load_case(
    session: Session, tenant: str, number: int, records: bool = True
) -> tuple[CaseFile, list[dict[str, Any]], dict[int, str]] | None:
    """The file numbered ``number`` with its history (events as dicts, oldest first) and
    its members' masked ID numbers: one round trip on PostgreSQL.

    ``records`` false: the events without :data:`RECORD_COLUMNS` (what a change of the
    file reads: the steps, and the last one's hash), several times less to read."""
    if session.get_bind().dialect.name == "postgresql":
        query = _LOAD_PG[records]
        found = session.execute(query, {"number": number, "tenant": tenant}).first()
        if found is None:
            return None
        row, events, masked = found
        return (
            row,
            [_from_json_event(e) for e in events],
            {int(k): v for k, v in masked.items()},
        )
    row = find_case(session, tenant, number)
    if row is None:
        return None
    events = [event_dict(e) for e in events_of(session, tenant, [row.id])[row.id]]
    if not records:
        events = [{k: v for k, v in e.items() if k not in RECORD_COLUMNS} for e in events]
    return row, events, masked_ids_of(session, tenant, [row.id])[row.id]


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


@functools.cache
def _add_case_pg(keys: tuple[str, ...]) -> TextClause:
    """Bump the tenant's counter and insert the file with that number: one statement,
    built once per set of columns."""
    cases = CaseFile.__table__
    columns = ", ".join(f'"{k}"' for k in keys)
    sql = (
        "WITH bumped AS (INSERT INTO case_counters (tenant, last) VALUES (:tenant, 1) "
        "ON CONFLICT (tenant) DO UPDATE SET last = case_counters.last + 1 RETURNING last) "
        f"INSERT INTO cases ({columns}, number) "
        f"SELECT {', '.join(f':v_{k}' for k in keys)}, bumped.last FROM bumped "
        "RETURNING id, number"
    )
    return text(sql).bindparams(*(bindparam(f"v_{k}", type_=cases.c[k].type) for k in keys))


def add_case(session: Session, values: dict[str, Any]) -> tuple[int, int]:
    """Insert a file with the tenant's next number: (internal id, number). The tenant's
    counter row is bumped in the same statement (PostgreSQL) or transaction (SQLite)."""
    tenant = values["tenant"]
    cases = CaseFile.__table__
    if session.get_bind().dialect.name == "postgresql":
        statement = _add_case_pg(tuple(values))
        parameters = {f"v_{k}": v for k, v in values.items()} | {"tenant": tenant}
        case_id, number = session.execute(statement, parameters).one()
        return case_id, number
    number = session.execute(
        text(
            "INSERT INTO case_counters (tenant, last) VALUES (:t, 1) ON CONFLICT (tenant) "
            "DO UPDATE SET last = last + 1 RETURNING last"
        ),
        {"t": tenant},
    ).scalar_one()
    case_id = session.execute(
        insert(cases).values(**values, number=number).returning(cases.c.id)
    ).scalar_one()
    return case_id, number


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
    metrics.step_written(session, values["tenant"], values["action"])


def in_force(event: dict[str, Any]) -> bool:
    """Whether a step's record is the file's determination in force from then on: a
    determination (not the empty record of, say, a document added), and not new facts
    waiting for a second person."""
    record = event.get("determination") or {}
    return bool(record) and not record.get("pending")


def apply_step(
    session: Session,
    tenant: str,
    case_id: int,
    expected_version: int,
    values: dict[str, Any],
    event: dict[str, Any],
) -> bool:
    """Change the file (only if still at ``expected_version``) and append its event; False
    when someone else changed it first (then nothing is written). PostgreSQL: one
    statement (the update in a CTE, the insert selecting from it)."""
    cases, events = CaseFile.__table__, CaseEvent.__table__
    # the file keeps its newest event's hash and its number of events (its head)
    values = {**values, "history_head": event["hash"], "history_events": event["seq"]}
    if in_force(event):  # and which step's determination is in force (migration 0020b)
        values["determination_seq"] = event["seq"]
    changed = (
        update(cases)
        .where(cases.c.id == case_id, cases.c.tenant == tenant, cases.c.version == expected_version)
        .values(**values, version=expected_version + 1, updated_at=func.now())
    )
    if session.get_bind().dialect.name != "postgresql":
        if getattr(session.execute(changed), "rowcount", 0) != 1:
            return False
        session.execute(insert(events), [event])
        metrics.step_written(session, tenant, event["action"])
        return True
    statement = _apply_step_pg(tuple(values), tuple(event))
    parameters = {f"v_{k}": v for k, v in values.items()} | {f"e_{k}": v for k, v in event.items()}
    parameters |= {"case_id": case_id, "tenant": tenant, "expected": expected_version}
    written = len(session.execute(statement, parameters).all()) == 1
    if written:
        metrics.step_written(session, tenant, event["action"])
    return written


@functools.cache
def _apply_step_pg(value_keys: tuple[str, ...], event_keys: tuple[str, ...]) -> TextClause:
    """The update of a file and the insert of its event as one statement (a data-modifying
    CTE), built once per set of columns: building SQLAlchemy constructs per call cost more
    than the round trip it saved."""
    cases, events = CaseFile.__table__, CaseEvent.__table__
    sets = ", ".join(f'"{k}" = :v_{k}' for k in value_keys)
    columns = ", ".join(f'"{k}"' for k in event_keys)
    sql = (
        f"WITH changed AS (UPDATE cases SET {sets}, version = :expected + 1, "
        "updated_at = now() WHERE id = :case_id AND tenant = :tenant "
        "AND version = :expected RETURNING id) "
        f"INSERT INTO case_events ({columns}) "
        f"SELECT {', '.join(f':e_{k}' for k in event_keys)} FROM changed RETURNING id"
    )
    return text(sql).bindparams(
        *(bindparam(f"v_{k}", type_=cases.c[k].type) for k in value_keys),
        *(bindparam(f"e_{k}", type_=events.c[k].type) for k in event_keys),
        bindparam("case_id", type_=Integer()),
        bindparam("expected", type_=Integer()),
    )


def record_reads(
    session: Session, tenant: str, user: str, role: str, action: str, numbers: Sequence[int]
) -> None:
    """Who read which files (case numbers only, no personal data)."""
    if numbers:
        session.execute(
            insert(CaseRead),
            [
                {
                    "tenant": tenant,
                    "case_number": n,
                    "user": user[:100],
                    "role": role,
                    "action": action,
                }
                for n in numbers
            ],
        )


def history_heads(session: Session, tenant: str) -> Iterable[tuple[int, str, int]]:
    """Every file's head (internal id, newest event's hash, number of events) of
    ``tenant``, ordered by id, for :func:`core.db.chain.verify`."""
    query = (
        select(CaseFile.id, CaseFile.history_head, CaseFile.history_events)
        .where(CaseFile.tenant == tenant)
        .order_by(CaseFile.id)
    )
    return session.execute(query.execution_options(yield_per=5000))


def chain_rows(session: Session, tenant: str | None = None) -> Iterable[CaseEvent]:
    """Every event (of ``tenant``), ordered for :func:`core.db.chain.verify`."""
    query = select(CaseEvent).order_by(CaseEvent.tenant, CaseEvent.case_id, CaseEvent.seq)
    if tenant is not None:
        query = query.where(CaseEvent.tenant == tenant)
    return session.scalars(query.execution_options(yield_per=1000))


def open_rest(
    session: Session,
    tenant: str,
    case_id: int,
    event: dict[str, Any],
    identities: Sequence[tuple[int, str, str]],
    user: str,
    duty: str,
    since: date,
    names: Sequence[tuple[int, str]] = (),
) -> None:
    """A new file's first event, its members' identities and names (as the search compares
    them) and its responsible person: one statement on PostgreSQL (data-modifying CTEs),
    four elsewhere."""
    members = [
        {"tenant": tenant, "case_id": case_id, "member_index": i, "id_hash": h, "id_masked": m}
        for i, h, m in identities
    ]
    keys = [
        {"tenant": tenant, "case_id": case_id, "member_index": i, "name_key": k} for i, k in names
    ]
    assignment = {"tenant": tenant, "case_id": case_id, "user": user, "duty": duty, "since": since}
    metrics.step_written(session, tenant, event["action"])
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(CaseEvent.__table__), [event])
        session.execute(
            update(CaseFile.__table__)
            .where(CaseFile.__table__.c.id == case_id)
            .values(history_head=event["hash"], history_events=event["seq"])
        )
        if members:
            session.execute(insert(MemberIdentity.__table__), members)
        if keys:
            session.execute(insert(MemberName.__table__), keys)
        session.execute(insert(Assignment.__table__), [assignment])
        return
    statement = _open_rest_pg(tuple(event), len(members), len(keys))
    parameters = {f"e_{k}": v for k, v in event.items()}
    for n, member in enumerate(members):
        parameters |= {f"m{n}_{k}": v for k, v in member.items()}
    for n, key in enumerate(keys):
        parameters |= {f"n{n}_{k}": v for k, v in key.items()}
    parameters |= {f"a_{k}": v for k, v in assignment.items()}
    session.execute(statement, parameters)


_MEMBER_KEYS = ("tenant", "case_id", "member_index", "id_hash", "id_masked")
_NAME_KEYS = ("tenant", "case_id", "member_index", "name_key")
_ASSIGNMENT_KEYS = ("tenant", "case_id", "user", "duty", "since")


@functools.cache
def _open_rest_pg(event_keys: tuple[str, ...], members: int, names: int = 0) -> TextClause:
    """The first event, the identities, the names and the assignment of a new file as one
    statement (data-modifying CTEs), built once per set of columns and number of members:
    building the SQLAlchemy inserts on every opening cost more than the statement's round
    trip."""
    events, ids, duties = CaseEvent.__table__, MemberIdentity.__table__, Assignment.__table__
    keyed = MemberName.__table__

    def columns(keys: Sequence[str]) -> str:
        return ", ".join(f'"{k}"' for k in keys)

    def values(prefix: str, keys: Sequence[str]) -> str:
        return "(" + ", ".join(f":{prefix}{k}" for k in keys) + ")"

    parts = [
        f"first_event AS (INSERT INTO case_events ({columns(event_keys)}) "
        f"VALUES {values('e_', event_keys)})",
        # the file's head: its newest event's hash and its number of events
        "head AS (UPDATE cases SET history_head = :e_hash, history_events = :e_seq "
        "WHERE id = :e_case_id AND tenant = :e_tenant)",
    ]
    if members:
        rows = ", ".join(values(f"m{n}_", _MEMBER_KEYS) for n in range(members))
        parts.append(
            f"members AS (INSERT INTO member_identities ({columns(_MEMBER_KEYS)}) VALUES {rows})"
        )
    if names:
        rows = ", ".join(values(f"n{n}_", _NAME_KEYS) for n in range(names))
        parts.append(f"names AS (INSERT INTO member_names ({columns(_NAME_KEYS)}) VALUES {rows})")
    sql = (
        f"WITH {', '.join(parts)} "
        f"INSERT INTO assignments ({columns(_ASSIGNMENT_KEYS)}) VALUES {values('a_', _ASSIGNMENT_KEYS)}"
    )
    return text(sql).bindparams(
        *(bindparam(f"e_{k}", type_=events.c[k].type) for k in event_keys),
        *(
            bindparam(f"m{n}_{k}", type_=ids.c[k].type)
            for n in range(members)
            for k in _MEMBER_KEYS
        ),
        *(bindparam(f"n{n}_{k}", type_=keyed.c[k].type) for n in range(names) for k in _NAME_KEYS),
        *(bindparam(f"a_{k}", type_=duties.c[k].type) for k in _ASSIGNMENT_KEYS),
    )


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


def replace_names(
    session: Session, tenant: str, case_id: int, names: Iterable[tuple[int, str]]
) -> None:
    """A file's members' names as the search compares them, after its facts changed."""
    session.execute(
        delete(MemberName).where(MemberName.tenant == tenant, MemberName.case_id == case_id)
    )
    rows = [
        {"tenant": tenant, "case_id": case_id, "member_index": i, "name_key": k} for i, k in names
    ]
    if rows:
        session.execute(insert(MemberName), rows)


def assign(session: Session, tenant: str, case_id: int, user: str, duty: str, since: date) -> None:
    session.add(Assignment(tenant=tenant, case_id=case_id, user=user, duty=duty, since=since))


def count_on_sole_ground(
    session: Session, tenant: str, ground: str, statuses: Sequence[str]
) -> int:
    """Files of ``tenant`` in ``statuses`` whose only ground is ``ground`` (from the
    tallies, :mod:`core.db.tallies`: a few rows whatever the caseload)."""
    return tallies.files(session, tenant, statuses, ground, sole=True)


def count_including_ground(
    session: Session, tenant: str, ground: str, statuses: Sequence[str]
) -> int:
    """Files of ``tenant`` in ``statuses`` whose grounds include ``ground`` (``grounds``
    is a sorted comma-separated list)."""
    return tallies.files(session, tenant, statuses, ground, sole=False)


def page_of_cases(
    session: Session, tenant: str, status: str | None, first: int, after: int | None
) -> list[CaseFile]:
    query = select(CaseFile).where(CaseFile.tenant == tenant)
    if status:
        query = query.where(CaseFile.status == status)
    if after is not None:
        query = query.where(CaseFile.number > after)
    query = query.order_by(CaseFile.number).limit(first).execution_options(populate_existing=True)
    return list(session.scalars(query))


def overdue_cases(session: Session, tenant: str, on: date, limit: int) -> list[CaseFile]:
    """Files with a running deadline before ``on``, the most overdue first."""
    return list(
        session.scalars(
            select(CaseFile)
            .where(CaseFile.tenant == tenant, CaseFile.due_on.is_not(None), CaseFile.due_on < on)
            .order_by(CaseFile.due_on, CaseFile.number)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )


def find_by_id_hash(session: Session, tenant: str, id_hash: str) -> list[int]:
    """The numbers of the tenant's files with a member of this ID hash."""
    return [number for number, _status in id_statuses_here(session, tenant, id_hash)]


def id_statuses_here(session: Session, tenant: str, id_hash: str) -> list[tuple[int, str]]:
    """(number, status) of the tenant's files with a member of this ID hash, by number."""
    rows = session.execute(
        select(CaseFile.number, CaseFile.status)
        .join(MemberIdentity, MemberIdentity.case_id == CaseFile.id)
        .where(
            MemberIdentity.tenant == tenant,
            CaseFile.tenant == tenant,
            MemberIdentity.id_hash == id_hash,
        )
        .distinct()
        .order_by(CaseFile.number)
    )
    return [(int(n), str(s)) for n, s in rows]


def id_hashes_of(session: Session, tenant: str, case_id: int) -> set[str]:
    """The keyed ID hashes of a file's members (by the file's row id)."""
    return set(
        session.scalars(
            select(MemberIdentity.id_hash).where(
                MemberIdentity.tenant == tenant, MemberIdentity.case_id == case_id
            )
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
    _take_turns(session, QUOTA_LOCK_CLASS, [tenant])


#: The namespace of :func:`lock_id_hashes`'s advisory locks.
ID_LOCK_CLASS = 20_261_124


def lock_id_hashes(session: Session, id_hashes: Iterable[str]) -> None:
    """Serialize the openings of files for these keyed ID hashes until the transaction
    ends, so that two openings for one ID number at the same moment cannot both find no
    open file. As :func:`lock_tenant_quota`, one lock per hash, taken in sorted order (two
    openings sharing hashes never each hold one the other waits for)."""
    _take_turns(session, ID_LOCK_CLASS, sorted(id_hashes))


def _take_turns(session: Session, lock_class: int, keys: Sequence[str]) -> None:
    """PostgreSQL: a transaction-level advisory lock in ``lock_class`` for each of ``keys``.
    SQLite: its one write lock, taken now (an UPDATE that matches nothing still opens the
    write transaction); other writers wait for it (``busy_timeout``)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for key in keys:
            connection.execute(
                text("select pg_advisory_xact_lock(:class, hashtext(:key))"),
                {"class": lock_class, "key": key},
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

    On PostgreSQL through ``bangfu_case_counts`` (migration 0002), which since 0018d
    answers only for the transaction's own tenant (a tenant's report): the national
    level's statistics come through :func:`case_figures`, suppressed.
    """
    rows: Iterable[Any]
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("select status, category, groups, n from bangfu_case_counts(:tenant, :as_of)"),
            {"tenant": tenant, "as_of": as_of},
        )
    elif as_of is None:  # the tallies kept with the files (migration 0020)
        rows = [(t.status, t.category, t.groups, t.n) for t in tallies.tallies(session, tenant)]
    else:
        latest = (
            select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(
                CaseEvent.tenant == tenant,
                CaseEvent.taken_on <= as_of,
                # not a step whose new facts were still waiting for a second person
                func.coalesce(func.json_extract(CaseEvent.determination, "$.pending"), 0) == 0,
            )
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


@dataclass(frozen=True)
class CaseFigures:
    """The statistics' figures of one tenant, each None below 5, and only the categories
    and groups counted 5 times or more (no file named, no small count)."""

    open: int | None
    filed: int | None
    exited: int | None
    by_category: dict[str, int]
    by_group: dict[str, int]


def case_figures(
    session: Session,
    tenant: str,
    as_of: date | None,
    open_statuses: Collection[str],
    admitted: Collection[str],
    exited: Collection[str],
) -> CaseFigures:
    """The tenant's files open, admitted and exited, and its open files by category and
    national group (``as_of``: as in :func:`case_counts`), suppressed below 5 before they
    leave the database on PostgreSQL (``bangfu_case_figures``, migration 0018d)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "select figure, key, n from bangfu_case_figures(:tenant, :as_of, "
                "cast(:open as text[]), cast(:admitted as text[]), cast(:exited as text[]))"
            ),
            {
                "tenant": tenant,
                "as_of": as_of,
                "open": sorted(open_statuses),
                "admitted": sorted(admitted),
                "exited": sorted(exited),
            },
        )
        found: dict[str, dict[str, int | None]] = {}
        for figure, key, n in rows:
            found.setdefault(figure, {})[key] = None if n is None else int(n)
        return CaseFigures(
            found.get("open", {}).get(""),
            found.get("filed", {}).get(""),
            found.get("exited", {}).get(""),
            {k: n for k, n in found.get("category", {}).items() if n is not None},
            {k: n for k, n in found.get("group", {}).items() if n is not None},
        )
    totals: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for row in case_counts(session, tenant, as_of):
        totals["open"] += row.n if row.status in open_statuses else 0
        totals["filed"] += row.n if row.status in admitted else 0
        totals["exited"] += row.n if row.status in exited else 0
        if row.status in open_statuses:
            if row.category:
                categories[row.category] += row.n
            for group in row.groups:
                groups[group] += row.n

    def shown(n: int) -> int | None:
        return n if n >= SMALLEST_SHOWN else None

    return CaseFigures(
        shown(totals["open"]),
        shown(totals["filed"]),
        shown(totals["exited"]),
        {k: n for k, n in categories.items() if n >= SMALLEST_SHOWN},
        {k: n for k, n in groups.items() if n >= SMALLEST_SHOWN},
    )


#: Counts below this are not shown, so that no household can be singled out.
SMALLEST_SHOWN = 5


def _latest_before(tenant: str, on: date):
    return (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(CaseEvent.tenant == tenant, CaseEvent.taken_on <= on)
        .group_by(CaseEvent.case_id)
        .subquery()
    )


def status_pairs(
    session: Session, tenant: str, baseline: date, on: date
) -> list[tuple[str, str, int]]:
    """How many of the tenant's files were in status A on ``baseline`` and are in status B
    on ``on`` (each file at its latest step on or before each date); files opened after
    ``baseline`` are left out. Counts only, as :func:`case_counts`; on PostgreSQL through
    ``bangfu_status_pairs`` (migration 0005), which the national level may call."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("select before, after, n from bangfu_status_pairs(:tenant, :baseline, :on)"),
            {"tenant": tenant, "baseline": baseline, "on": on},
        )
        return [(b, a, int(n)) for b, a, n in rows]
    first, then = _latest_before(tenant, baseline), _latest_before(tenant, on)
    before = CaseEvent.__table__.alias("before")
    after = CaseEvent.__table__.alias("after")
    rows = session.execute(
        select(before.c.to_status, after.c.to_status, func.count())
        .select_from(first)
        .join(before, (before.c.case_id == first.c.case_id) & (before.c.seq == first.c.seq))
        .join(then, then.c.case_id == first.c.case_id)
        .join(after, (after.c.case_id == then.c.case_id) & (after.c.seq == then.c.seq))
        .where(before.c.tenant == tenant, after.c.tenant == tenant)
        .group_by(before.c.to_status, after.c.to_status)
    )
    return [(b, a, int(n)) for b, a, n in rows]


def target_counts(
    session: Session,
    tenant: str,
    baseline: date,
    on: date,
    admitted: Collection[str],
    exited: Collection[str],
) -> tuple[int | None, int | None]:
    """Of the tenant's files admitted on ``baseline`` (at their latest step then), how
    many there were and how many of them had exited by ``on``. On PostgreSQL through
    ``bangfu_target_figures`` (migrations 0018e, 0021), which gives another tenant's
    figures below 5 as None, so the national level never holds a small count; the
    tenant's own come whole (its rows are its own to count). For the baseline the tenant
    keeps (:mod:`core.db.baselines`) the counts are kept ones; for another, from the
    history."""
    if session.get_bind().dialect.name == "postgresql":
        files, gone = session.execute(
            text(
                "select files, gone from bangfu_target_figures(:tenant, :baseline, :on, "
                "cast(:admitted as text[]), cast(:exited as text[]))"
            ),
            {
                "tenant": tenant,
                "baseline": baseline,
                "on": on,
                "admitted": sorted(admitted),
                "exited": sorted(exited),
            },
        ).one()
        return (None if files is None else int(files), None if gone is None else int(gone))
    if on >= baseline and baselines.kept(session, tenant) == baseline:
        return baselines.counts(session, tenant, on, admitted, exited)
    files = gone = 0
    for before, after, n in status_pairs(session, tenant, baseline, on):
        if before in admitted:
            files += n
            if after in exited:
                gone += n
    return files, gone


def step_counts(session: Session, tenant: str, start: date, end: date) -> list[tuple[str, int]]:
    """How many steps of each action the tenant's files took from ``start`` to ``end``
    (both included). Counts only; on PostgreSQL through ``bangfu_step_counts``."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("select action, n from bangfu_step_counts(:tenant, :start, :end)"),
            {"tenant": tenant, "start": start, "end": end},
        )
    else:
        rows = session.execute(
            select(CaseEvent.action, func.count())
            .where(
                CaseEvent.tenant == tenant,
                CaseEvent.taken_on >= start,
                CaseEvent.taken_on <= end,
            )
            .group_by(CaseEvent.action)
        )
    return [(action, int(n)) for action, n in rows]


def submitted_reports(
    session: Session, tenant: str, report: str, periods: Sequence[str]
) -> dict[str, TenantReport]:
    """The submitted reports of the tenant among ``periods``, by period."""
    if not periods:
        return {}
    rows = session.scalars(
        select(TenantReport).where(
            TenantReport.tenant == tenant,
            TenantReport.report == report,
            TenantReport.period.in_(list(periods)),
        )
    )
    return {r.period: r for r in rows}


def reports_of(
    session: Session, tenant: str, report: str
) -> list[tuple[str, date, date, date, date, dict[str, Any]]]:
    """The reports a tenant sent up, oldest period first: (period, start, end, due,
    submitted on, counts). Counts only; on PostgreSQL through ``bangfu_tenant_reports``,
    which the national level may call."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "select period, period_start, period_end, due_on, submitted_on, counts "
                "from bangfu_tenant_reports(:tenant, :report)"
            ),
            {"tenant": tenant, "report": report},
        )
        return [(*row[:5], json.loads(row[5])) for row in rows]
    rows = session.execute(
        select(
            TenantReport.period,
            TenantReport.period_start,
            TenantReport.period_end,
            TenantReport.due_on,
            TenantReport.submitted_on,
            TenantReport.counts,
        )
        .where(TenantReport.tenant == tenant, TenantReport.report == report)
        .order_by(TenantReport.period_start)
    )
    return [tuple(row) for row in rows]


def add_report(session: Session, values: dict[str, Any]) -> None:
    session.add(TenantReport(**values))
    session.flush()


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
