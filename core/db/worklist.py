"""The worklist's queries: views, search, order, counts and pages, all in SQL.

Every query names its tenant and reads only the summary columns of ``cases`` (never the
household), so that its cost follows the page and the index ranges it reads, not the
tenant's whole caseload: a name's beginning is one range of ``member_names``' (tenant,
name) index, an ID number one key of ``member_identities``' hash index, "my files" the
(tenant, user) index of ``assignments``, and the views the (tenant, turn) and (tenant,
due_on) indexes of ``cases``. The tabs' numbers come from counts kept with the files
(:mod:`core.db.tallies`, :mod:`core.db.deadlines`) wherever they can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.db import deadlines, tallies
from core.db.models import TURN_UNKNOWN, Assignment, CaseFile, MemberIdentity, MemberName

#: the columns of a worklist line
LINE_COLUMNS = (
    CaseFile.id,
    CaseFile.number,
    CaseFile.status,
    CaseFile.opened_on,
    CaseFile.opened_by,
    CaseFile.urgent,
    CaseFile.eligible,
    CaseFile.category,
    CaseFile.due_step,
    CaseFile.due_on,
    CaseFile.due_provisional,
    CaseFile.applicant,
    CaseFile.turn,
)


@dataclass(frozen=True)
class MyTurn:
    """Which files wait for the asking person: those whose turn is one of ``steps``, and
    those whose turn is one of ``assigned_steps`` when ``user`` is responsible for them
    (一帮一: the helper's steps are the helper's own files). ``every_turn``: any file
    that waits for someone (an administrator)."""

    user: str
    steps: tuple[str, ...] = ()
    assigned_steps: tuple[str, ...] = ()
    every_turn: bool = False


@dataclass(frozen=True)
class Filter:
    """What a worklist is asked for, as the queries need it."""

    tenant: str
    view: str  #: "mine", "week", "overdue" or "all"
    today: date
    week_end: date
    my_turn: MyTurn
    status: str = ""
    name_range: tuple[str, str] | None = None  #: name keys low <= key < high
    id_hash: str | None = None


def _responsible(tenant: str, user: str) -> ColumnElement[bool]:
    return exists().where(
        Assignment.tenant == tenant,
        Assignment.user == user,
        Assignment.case_id == CaseFile.id,
        Assignment.until.is_(None),
    )


def _mine(tenant: str, turn: MyTurn) -> ColumnElement[bool]:
    if turn.every_turn:
        return and_(CaseFile.turn != "", CaseFile.turn != TURN_UNKNOWN)
    parts: list[ColumnElement[bool]] = []
    if turn.steps:
        parts.append(CaseFile.turn.in_(turn.steps))
    if turn.assigned_steps:
        parts.append(and_(CaseFile.turn.in_(turn.assigned_steps), _responsible(tenant, turn.user)))
    return or_(*parts) if parts else false()


def view_condition(f: Filter, view: str) -> ColumnElement[bool]:
    if view == "mine":
        return _mine(f.tenant, f.my_turn)
    if view == "week":
        return and_(CaseFile.due_on >= f.today, CaseFile.due_on <= f.week_end)
    if view == "overdue":
        return CaseFile.due_on < f.today
    return true()


def _conditions(f: Filter) -> list[ColumnElement[bool]]:
    """The filter and the search, without the view."""
    where: list[ColumnElement[bool]] = [CaseFile.tenant == f.tenant]
    if f.status:
        where.append(CaseFile.status == f.status)
    if f.id_hash is not None:
        where.append(
            CaseFile.id.in_(
                select(MemberIdentity.case_id).where(
                    MemberIdentity.tenant == f.tenant, MemberIdentity.id_hash == f.id_hash
                )
            )
        )
    if f.name_range is not None:
        low, high = f.name_range
        where.append(
            CaseFile.id.in_(
                select(MemberName.case_id).where(
                    MemberName.tenant == f.tenant,
                    MemberName.name_key >= low,
                    MemberName.name_key < high,
                )
            )
        )
    return where


def order_by(sort: str, desc: bool, statuses: Sequence[str]) -> list[Any]:
    """The order of a sort column (ties by number); ``desc`` reverses every key."""
    if sort == "applicant":
        keys: list[Any] = [CaseFile.applicant]
    elif sort == "status":  # in the procedure's order
        keys = [case({s: i for i, s in enumerate(statuses)}, value=CaseFile.status, else_=-1)]
    elif sort == "opened":
        keys = [CaseFile.opened_on]
    elif sort == "due":  # files without a deadline last: the (tenant, due_on, number)
        # index's own order, so that the first page of every file reads only its lines
        due = CaseFile.due_on.desc().nulls_first() if desc else CaseFile.due_on.asc().nulls_last()
        return [due, CaseFile.number.desc() if desc else CaseFile.number.asc()]
    else:
        keys = []
    keys.append(CaseFile.number)
    return [k.desc() if desc else k.asc() for k in keys]


def lines(
    session: Session,
    f: Filter,
    sort: str,
    desc: bool,
    statuses: Sequence[str],
    offset: int,
    limit: int,
) -> list[Row[Any]]:
    """A page of the view's lines, in order."""
    query = (
        select(*LINE_COLUMNS)
        .where(*_conditions(f), view_condition(f, f.view))
        .order_by(*order_by(sort, desc, statuses))
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(query))


def count(session: Session, f: Filter) -> int:
    """How many lines the view has, filtered and searched (every page). Every file, or
    every file in a status, unsearched: from the tallies kept with the files
    (:mod:`core.db.tallies`), not by counting them."""
    if f.name_range is None and f.id_hash is None:
        if f.view == "all":
            return tallies.files(session, f.tenant, [f.status] if f.status else None)
        if not f.status:
            kept = _kept_count(session, f, f.view)
            if kept is not None:
                return kept
    query = select(func.count()).select_from(CaseFile)
    return int(session.scalar(query.where(*_conditions(f), view_condition(f, f.view))) or 0)


def view_counts(session: Session, f: Filter, views: Sequence[str]) -> dict[str, int]:
    """How many files each view holds, unfiltered (the tabs' numbers): every file, due
    this week, overdue and my roles' steps from the counts kept (a sum over a few rows
    each); a helper's own files counted, over an index range of their own."""
    base = select(func.count()).select_from(CaseFile).where(CaseFile.tenant == f.tenant)
    counts = {}
    for v in views:
        kept = _kept_count(session, f, v)
        counts[v] = (
            kept if kept is not None else int(session.scalar(base.where(view_condition(f, v))) or 0)
        )
    return counts


def _kept_count(session: Session, f: Filter, view: str) -> int | None:
    """Every file, or my tasks by my roles' steps (an administrator's: every step), from
    the tallies (:mod:`core.db.tallies`); due this week and overdue from the deadlines
    kept by day (:mod:`core.db.deadlines`); None when the count needs the files (a
    helper's own files)."""
    if view == "all":
        return tallies.files(session, f.tenant)
    if view == "week":
        return deadlines.due_between(session, f.tenant, f.today, f.week_end)
    if view == "overdue":
        return deadlines.due_before(session, f.tenant, f.today)
    if view != "mine" or f.my_turn.assigned_steps:
        return None
    if f.my_turn.every_turn:
        waiting = tallies.files(session, f.tenant)
        idle = tallies.files(session, f.tenant, turns=["", TURN_UNKNOWN])
        return waiting - idle
    return tallies.files(session, f.tenant, turns=f.my_turn.steps)


def responsible_among(session: Session, tenant: str, case_ids: Sequence[int]) -> dict[int, str]:
    """Who is responsible (一帮一) for each of these files, by row key."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(Assignment.case_id, Assignment.user)
        .where(
            Assignment.tenant == tenant,
            Assignment.case_id.in_(list(case_ids)),
            Assignment.until.is_(None),
        )
        .order_by(Assignment.since, Assignment.id)
    )
    return {case_id: user for case_id, user in rows}


def unknown_turns(session: Session, tenant: str) -> bool:
    """Whether some file of the tenant has its turn still to be worked out (migration 0015)."""
    found = session.scalar(
        select(CaseFile.id).where(CaseFile.tenant == tenant, CaseFile.turn == TURN_UNKNOWN).limit(1)
    )
    return found is not None
