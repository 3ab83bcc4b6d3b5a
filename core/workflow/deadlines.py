"""Deadlines of a file: which steps are due, by when, counted in working days.

A :class:`core.workflow.procedure.DeadlineRule` says "step S within N working days of
step F". It is pending while the file is in a status S can be taken from and S has not
been taken since the latest F. The due date is the N-th working day strictly after F's
date (:mod:`core.calendar`); ``provisional`` when it crossed a year whose holiday schedule
is not published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.calendar import WorkingCalendar
from core.parameters import Parameters
from core.workflow.procedure import Procedure
from core.workflow.state import CaseState


@dataclass(frozen=True)
class Deadline:
    """A step due by a date (the contract's ``Deadline``, with what it is counted from)."""

    step: str
    due: date
    provisional: bool
    counted_from: str
    since: date
    working_days: int
    zh: str
    en: str

    def overdue_on(self, on: date) -> bool:
        return on > self.due

    def as_record(self) -> dict[str, object]:
        return {
            "step": self.step,
            "due": self.due.isoformat(),
            "provisional": self.provisional,
            "countedFrom": self.counted_from,
            "since": self.since.isoformat(),
            "workingDays": self.working_days,
        }


#: The tenant's parameters on a date (``Tenant.parameters``).
ParametersOn = Callable[[date], Parameters]


def pending_deadlines(
    procedure: Procedure,
    case: CaseState,
    calendar: WorkingCalendar,
    parameters: ParametersOn | None = None,
) -> list[Deadline]:
    """The deadlines running on ``case``, earliest first.

    A rule whose days are parameters reads them on the date of the step the count starts
    from, through ``parameters`` (the tenant's :meth:`core.registry.Tenant.parameters`).
    """
    found = []
    for rule in procedure.deadlines:
        action = procedure.action(rule.step)
        if action is None or case.status not in action.from_statuses:
            continue
        start_index = None
        for i in range(len(case.history) - 1, -1, -1):
            if case.history[i].action in rule.counted_from:
                start_index = i
                break
        if start_index is None:
            continue
        if any(s.action == rule.step for s in case.history[start_index + 1 :]):
            continue
        start = case.history[start_index]
        params = parameters(start.on) if parameters is not None else None
        days = rule.days(case.urgent, params)
        since, provisional = start.on, False
        if rule.starts is not None and params is not None:
            since, provisional = rule.starts(params, calendar, start.on)
        due, late_year = calendar.add_working_days(since, days)
        provisional = provisional or late_year
        found.append(
            Deadline(
                step=rule.step,
                due=due,
                provisional=provisional,
                counted_from=start.action,
                since=start.on,
                working_days=days,
                zh=rule.zh,
                en=rule.en,
            )
        )
    return sorted(found, key=lambda d: (d.due, d.step))


def overdue_deadlines(
    procedure: Procedure,
    case: CaseState,
    calendar: WorkingCalendar,
    on: date,
    parameters: ParametersOn | None = None,
) -> list[Deadline]:
    """The deadlines of ``case`` that have passed by ``on`` (the due day itself is in time)."""
    return [d for d in pending_deadlines(procedure, case, calendar, parameters) if d.overdue_on(on)]
