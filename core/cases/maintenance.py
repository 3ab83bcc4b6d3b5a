"""Upkeep of files that no principal asks for: the system does it, and records nothing.

A deadline computed across a year whose holiday schedule was not yet published is
provisional (Monday to Friday assumed). Once an administrator loads that year's schedule
(:mod:`core.calendar`), :func:`refresh_provisional_deadlines` recomputes those files'
running deadlines. The deadline columns are derived from the history and the calendar,
not a change to the file, so the version does not move. The periodic review runs it
first, so that what it reports as overdue follows the published calendar.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.cases.service import case_state
from core.db import repositories as repo
from core.db.models import CaseFile
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
    events = repo.events_of(session, tenant, [r.id for r in rows])
    changed = 0
    for row in rows:
        pending = workflow.deadlines(case_state(row, events[row.id]))
        first = pending[0] if pending else None
        values = {
            "due_step": first.step if first else None,
            "due_on": first.due if first else None,
            "due_provisional": first.provisional if first else False,
        }
        if values != {k: getattr(row, k) for k in values}:
            session.execute(
                update(CaseFile)
                .where(CaseFile.id == row.id, CaseFile.tenant == tenant)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += 1
    return changed
