"""Upkeep of files that no principal asks for: the system does it, and records nothing.

A deadline computed across a year whose holiday schedule was not yet published is
provisional (Monday to Friday assumed). Once an administrator loads that year's schedule
(:mod:`core.calendar`), :func:`refresh_provisional_deadlines` recomputes those files'
running deadlines. The deadline columns are derived from the history and the calendar,
not a change to the file, so the version does not move. The periodic review runs it
first, so that what it reports as overdue follows the published calendar.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.cases.steps import case_state, waiting_columns
from core.db import repositories as repo
from core.db.models import TURN_UNKNOWN, CaseFile
from core.workflow.engine import Workflow


def refresh_provisional_deadlines(session: Session, workflow: Workflow) -> int:
    """Recompute the provisional deadlines of the workflow's tenant; how many changed."""
    tenant = workflow.tenant.code
    rows = list(
        session.scalars(
            select(CaseFile).where(CaseFile.tenant == tenant, CaseFile.due_provisional.is_(True))
        )
    )
    if not rows:
        return 0
    return _rework(session, workflow, rows)


#: files whose turn is worked out in one go
TURNS_AT_ONCE = 500


def work_out_turns(session: Session, workflow: Workflow) -> int:
    """Work out whose turn each file of the workflow's tenant opened before migration 0015
    is (``cases.turn`` still :data:`core.db.models.TURN_UNKNOWN`), from its history; how
    many were. The worklist does it before it lists the tenant's files."""
    tenant = workflow.tenant.code
    done = 0
    while True:
        rows = list(
            session.scalars(
                select(CaseFile)
                .where(CaseFile.tenant == tenant, CaseFile.turn == TURN_UNKNOWN)
                .order_by(CaseFile.id)
                .limit(TURNS_AT_ONCE)
            )
        )
        if not rows:
            return done
        _rework(session, workflow, rows)
        done += len(rows)


def _rework(session: Session, workflow: Workflow, rows: Sequence[CaseFile]) -> int:
    """Work out again what the files wait for (:func:`core.cases.steps.waiting_columns`);
    how many changed."""
    tenant = workflow.tenant.code
    events = repo.events_of(session, tenant, [r.id for r in rows])
    changed = 0
    for row in rows:
        values = waiting_columns(workflow, case_state(row, events[row.id]))
        if values != {k: getattr(row, k) for k in values}:
            session.execute(
                update(CaseFile)
                .where(CaseFile.id == row.id, CaseFile.tenant == tenant)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed
