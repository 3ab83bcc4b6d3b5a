"""What a tenant declares about its case procedure; :mod:`core.workflow.engine` enforces it.

A tenant's plugin answers ``bangfu_procedure`` with a :class:`Procedure`: the statuses a
file passes through, the actions that move it, who may take each, the guards that must
hold, the deadlines in working days, and what each step records. It declares; it never
re-implements the engine. Guards come from the core library :mod:`core.workflow.guards`
(small, named, documented functions with bilingual refusals), so the same rule reads the
same way in every region and is tested once.

A minimal procedure::

    from core.auth.roles import APPROVER, CASEWORKER
    from core.workflow import guards
    from core.workflow.procedure import Action, DeadlineRule, Procedure, Status

    PROCEDURE = Procedure(
        name="example",
        zh="示例程序", en="example procedure", basis="policy 2.1",
        statuses=(Status("applied", "已申请", "applied"),
                  Status("approved", "已批准", "approved", final=True)),
        opening=Action.opening("applied", roles={CASEWORKER}),
        actions=(Action("approve", "批准", "approve", ("applied",), "approved",
                        roles={APPROVER}, four_eyes=("open",)),),
        deadlines=(DeadlineRule("approve", ("open",), working_days=7,
                                zh="7个工作日内批准", en="approve within 7 working days"),),
    )

The procedure is checked when it is built (unknown statuses, duplicate names, a guard
that is not a :class:`Guard` ...); :func:`core.workflow.conformance.check_procedure`
checks the graph (every status reachable, no dead end).
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from core.auth.roles import ROLES

if TYPE_CHECKING:
    from core.calendar import WorkingCalendar
    from core.errors import BangfuError
    from core.evaluation import BatchEvaluation
    from core.parameters import Parameters
    from core.workflow.state import StepContext

OPEN = "open"  #: the name of the opening step in every procedure's history


class ProcedureError(ValueError):
    """A procedure that cannot be enforced; the message names the procedure and the fix."""


@dataclass(frozen=True)
class Status:
    """A status a file can be in (``Case.status``)."""

    code: str  #: e.g. "in_public_notice"
    zh: str  #: e.g. "公示中"
    en: str  #: e.g. "in public notice"
    open: bool = True  #: an open file: re-reviewed periodically, counted as open
    final: bool = False  #: deliberately left by no action (the conformance kit accepts it)


@dataclass(frozen=True)
class Guard:
    """A condition an action needs, with a refusal a caseworker can act on.

    Build guards with the factories of :mod:`core.workflow.guards`; ``kind`` names the
    factory so the conformance kit can tell which library guards a procedure relies on.
    ``check`` returns None when the condition holds, else the refusal (never raises).
    """

    name: str  #: e.g. "notice_period_elapsed(5)"
    kind: str  #: the library factory, e.g. "notice_period_elapsed"
    description: str  #: what it checks and why, for the plugin guide and the staff pages
    check: Callable[[StepContext], BangfuError | None]
    needs_input: bool = False  #: depends on what the caller sends (a comment): not checked
    #: when listing the actions available to someone
    parameters: tuple[str, ...] = ()  #: the parameters it reads (``bangfu check`` resolves them)
    #: the steps it needs taken first in the current round (whose turn comes before)
    needs_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """A step that moves a file, or records something on it without moving it.

    ``to_status`` None means the status stays (a recorded step such as the chairman's
    signature or a follow-up visit). ``four_eyes`` names earlier steps whose actors may not
    take this one ("nobody approves a case they opened or reviewed"). A step that
    ``records_facts`` may carry the household's updated facts; the case is re-evaluated.
    ``starts_round`` marks steps after which the procedure starts over (opening, re-entry):
    guards on earlier steps look at the current round only. A step that ``records_ground``
    puts that ground on the file (Hebei's (g), chosen by a reviewer with a written reason:
    the step needs a comment), one that ``removes_ground`` takes it off (with a reason);
    the file's evaluations carry the recorded grounds. A new round starts without them.
    """

    name: str
    zh: str
    en: str
    from_statuses: tuple[str, ...]
    to_status: str | None = None
    roles: frozenset[str] = frozenset()
    guards: tuple[Guard, ...] = ()
    four_eyes: tuple[str, ...] = ()
    requires_comment: bool = False
    records_facts: bool = False
    starts_round: bool = False
    basis: str = ""  #: the clause it comes from
    records_ground: str | None = None
    removes_ground: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "from_statuses", tuple(self.from_statuses))
        object.__setattr__(self, "guards", tuple(self.guards))
        object.__setattr__(self, "four_eyes", tuple(self.four_eyes))
        if (self.records_ground or self.removes_ground) and not self.requires_comment:
            raise ProcedureError(
                f"step {self.name!r} records or removes a ground: it needs the written "
                "reason (requires_comment=True)"
            )

    def grounds_after(self, recorded: str) -> str:
        """The file's recorded grounds ("g,h") once this step is taken."""
        codes = [] if self.starts_round else [c for c in recorded.split(",") if c]
        if self.removes_ground in codes:
            codes.remove(self.removes_ground)
        if self.records_ground and self.records_ground not in codes:
            codes.append(self.records_ground)
        return ",".join(sorted(codes))

    @classmethod
    def opening(
        cls,
        to_status: str,
        roles: Iterable[str],
        zh: str = "建档申请",
        en: str = "open a file",
        guards: Iterable[Guard] = (),
        basis: str = "",
    ) -> Action:
        """The step that opens a file (``openCase``): from nothing to ``to_status``."""
        return cls(
            OPEN,
            zh,
            en,
            (),
            to_status,
            frozenset(roles),
            tuple(guards),
            records_facts=True,
            starts_round=True,
            basis=basis,
        )


#: A number of working days: a figure, or the name of an ``integer`` parameter read on the
#: date of the step the count starts from (``"procedure.review_working_days"``).
DayCount = int | str

#: Where a deadline's count starts, given the tenant's parameters on the counted-from
#: step's date, the working-day calendar and that step's date: the start date and whether
#: it is provisional. Built by the factories of :mod:`core.workflow.readings`.
StartRule = Callable[["Parameters", "WorkingCalendar", date], tuple[date, bool]]


def day_count(value: DayCount, parameters: Parameters | None) -> int:
    """The working days ``value`` stands for: itself, or its parameter read through
    ``parameters`` (which records the read for the determination record)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ProcedureError(
            f"a number of working days must be an int or a parameter name: {value!r}"
        )
    if isinstance(value, int):
        return value
    if parameters is None:
        raise ProcedureError(f"the working days come from parameter {value!r}: no parameters given")
    return parameters.integer(value)


@dataclass(frozen=True)
class DeadlineRule:
    """A step that must happen within N working days of another.

    The count starts at the latest step named in ``counted_from`` and runs while the file
    is in a status the due step can be taken from and the step has not been taken since.
    ``urgent_working_days`` applies to files opened as urgent (0 = the same day).

    ``working_days`` and ``urgent_working_days`` are a figure or, better, the name of an
    ``integer`` parameter (a dated, cited figure the tenant can change without code); it is
    read on the date of the step the count starts from. ``starts`` moves the start of the
    count (Hebei: the county's 7 days start when the minimum notice has run, a reading of
    the text; see :mod:`core.workflow.readings`).
    """

    step: str  #: the action that is due, e.g. "review"
    counted_from: tuple[str, ...]  #: e.g. ("open",); the latest of them starts the count
    working_days: DayCount
    zh: str
    en: str
    urgent_working_days: DayCount | None = None
    basis: str = ""
    starts: StartRule | None = None

    def __post_init__(self) -> None:
        if isinstance(self.counted_from, str):
            object.__setattr__(self, "counted_from", (self.counted_from,))
        object.__setattr__(self, "counted_from", tuple(self.counted_from))

    def days(self, urgent: bool, parameters: Parameters | None = None) -> int:
        """The working days allowed; parameters are read through ``parameters``."""
        if urgent and self.urgent_working_days is not None:
            return day_count(self.urgent_working_days, parameters)
        return day_count(self.working_days, parameters)

    def parameter_names(self) -> tuple[str, ...]:
        """The parameters this rule reads (those its ``starts`` reads included)."""
        names = [v for v in (self.working_days, self.urgent_working_days) if isinstance(v, str)]
        names += list(getattr(self.starts, "parameter_names", ()))
        return tuple(dict.fromkeys(names))


#: Which files of a batch no longer need a hardship file (proposed exits at a review).
ResolvedTest = Callable[["BatchEvaluation"], np.ndarray]


def resolved_when_not_eligible(batch: BatchEvaluation) -> np.ndarray:
    """A file is resolved when the household no longer meets the tenant's eligibility test
    (Hebei 003 三.5: 对已经解困、生活稳定的要及时办理退出)."""
    return ~np.asarray(batch.eligible, dtype=bool)


def served_populations(
    parameters: Parameters, name: str, known: Collection[str]
) -> tuple[str, ...]:
    """The population codes the ``text`` parameter ``name`` lists (comma-separated): the
    populations a procedure serves on the parameters' date (Hebei's ``procedure.populations``:
    特困; the city adds its own 困难职工 file, 001 二, and keeps Hebei's). A list naming no
    population, or a code not among the tenant's populations (``known``), is refused."""
    codes = tuple(dict.fromkeys(c.strip() for c in parameters.text(name).split(",") if c.strip()))
    unknown = [c for c in codes if c not in known]
    if codes and not unknown:
        return codes
    p = parameters.get(name)
    raise ValueError(
        f"参数{name}({p.defined_by})须列明本程序认定的人群,"
        + (f"未知人群:{'、'.join(unknown)}" if unknown else "当前为空")
        + f" / parameter {name} ({p.defined_by}) must list the populations the procedure "
        + "serves"
        + (f"; unknown: {', '.join(unknown)}" if unknown else "; it lists none")
        + f" (the tenant's populations: {', '.join(sorted(known))})"
    )


def resolved_when_not_in(population: str) -> ResolvedTest:
    """A file is resolved when the household is no longer in ``population`` (Hebei: 特困,
    whatever national target group it may still be in)."""

    def resolved(batch: BatchEvaluation) -> np.ndarray:
        return ~np.asarray(batch.populations[population], dtype=bool)

    resolved.__name__ = f"resolved_when_not_in_{population}"
    return resolved


def resolved_when_in_none_of(parameter: str) -> ResolvedTest:
    """A file is resolved when the household is in none of the populations the ``text``
    parameter ``parameter`` lists on the review's date (Hebei: 特困; in the city, 特困 or the
    city's own 困难职工 file): a file is kept while it is in any of them."""

    def resolved(batch: BatchEvaluation) -> np.ndarray:
        parameters = batch.tenant.parameters(batch.as_of)
        kept = np.zeros(batch.size, dtype=bool)
        for code in served_populations(parameters, parameter, batch.populations):
            kept |= np.asarray(batch.populations[code], dtype=bool)
        return ~kept

    resolved.__name__ = f"resolved_when_in_none_of_{parameter}"
    return resolved


def resolved_when_checklist_met(batch: BatchEvaluation) -> np.ndarray:
    """A file is resolved when every item of the tenant's checklist is met (Gansu 002:
    两有五保障, 应退即退)."""
    met = np.ones(batch.size, dtype=bool)
    for check in batch.checklist:
        met &= np.asarray(check.met, dtype=bool)
    return met if batch.checklist else np.zeros(batch.size, dtype=bool)


@dataclass(frozen=True)
class Procedure:
    """A tenant's case procedure: statuses, the opening step, actions and deadlines."""

    name: str
    zh: str
    en: str
    basis: str
    statuses: tuple[Status, ...]
    opening: Action
    actions: tuple[Action, ...]
    deadlines: tuple[DeadlineRule, ...] = ()
    resolved: ResolvedTest = resolved_when_not_eligible
    #: statuses of an admitted file (counted against quotas; "filed" in statistics)
    admitted: tuple[str, ...] = ()
    #: statuses of a file that has left hardship ("exited" in statistics)
    exited: tuple[str, ...] = ()
    #: reports the tenant's union sends up every period: tenant-level deadlines
    reports: tuple[PeriodicReport, ...] = ()
    _by_status: dict[str, Status] = field(init=False, repr=False, compare=False)
    _by_action: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statuses", tuple(self.statuses))
        object.__setattr__(self, "actions", tuple(self.actions))
        object.__setattr__(self, "deadlines", tuple(self.deadlines))
        object.__setattr__(self, "admitted", tuple(self.admitted))
        object.__setattr__(self, "exited", tuple(self.exited))
        object.__setattr__(self, "reports", tuple(self.reports))
        object.__setattr__(self, "_by_status", {s.code: s for s in self.statuses})
        object.__setattr__(self, "_by_action", {a.name: a for a in (self.opening, *self.actions)})
        problems = self.problems()
        if problems:
            raise ProcedureError(f"procedure {self.name!r}: " + "; ".join(problems))

    # ------------------------------------------------------------------ lookups
    @property
    def initial_status(self) -> str:
        return self.opening.to_status or ""

    @property
    def open_statuses(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.statuses if s.open)

    def status(self, code: str) -> Status | None:
        return self._by_status.get(code)

    def is_open(self, code: str) -> bool:
        """Whether a file in status ``code`` is still open (not exited, not refused); a
        status this procedure does not know counts as open."""
        found = self._by_status.get(code)
        return found is None or found.open

    def action(self, name: str) -> Action | None:
        return self._by_action.get(name)

    def actions_from(self, status: str) -> list[Action]:
        return [a for a in self.actions if status in a.from_statuses]

    def next_step(self, status: str, taken: Collection[str] = ()) -> Action | None:
        """The step a file in ``status`` waits for: whose turn it is. ``taken``: the steps
        taken in the file's current round.

        The first declared step that moves the file on to an open status (a refusal or an
        exit never is; once admitted, only a move to another admitted status, such as
        filing, is); but a step it needs first (:func:`core.workflow.guards.
        requires_prior_action`) that can be taken now and was not taken this round comes
        before it (Gansu: the chairman signs, then the file is opened). None when the file
        waits for nobody: it is closed, or admitted and waits only for its deadlines (a
        periodic review, a follow-up).
        """
        if not self.is_open(status) or status not in self._by_status:
            return None
        admitted = set(self.admitted)
        here = {a.name: a for a in self.actions_from(status)}
        for action in here.values():
            onward = action.to_status
            if onward is None or onward == status or not self.is_open(onward):
                continue
            if status in admitted and onward not in admitted:
                continue
            for guard in action.guards:
                for need in guard.needs_steps:
                    if need in here and need not in taken:
                        return here[need]
            return action
        return None

    def deadline_rules_for(self, step: str) -> list[DeadlineRule]:
        return [d for d in self.deadlines if d.step == step]

    def guards(self) -> list[tuple[Action, Guard]]:
        """Every guard of every step, with its step."""
        return [(a, g) for a in (self.opening, *self.actions) for g in a.guards]

    def parameter_names(self) -> tuple[str, ...]:
        """Every parameter the procedure reads: its guards', deadlines' and reports'."""
        names = [n for _, g in self.guards() for n in g.parameters]
        names += [n for d in self.deadlines for n in d.parameter_names()]
        names += [n for r in self.reports for n in r.parameter_names()]
        return tuple(dict.fromkeys(names))

    def describe(self) -> dict[str, Any]:
        """The procedure as data, for documentation and the staff pages."""
        return {
            "name": self.name,
            "zh": self.zh,
            "en": self.en,
            "basis": self.basis,
            "statuses": [
                {"code": s.code, "zh": s.zh, "en": s.en, "open": s.open, "final": s.final}
                for s in self.statuses
            ],
            "actions": [
                {
                    "name": a.name,
                    "zh": a.zh,
                    "en": a.en,
                    "from": list(a.from_statuses),
                    "to": a.to_status,
                    "roles": sorted(a.roles),
                    "guards": [{"name": g.name, "description": g.description} for g in a.guards],
                    "fourEyes": list(a.four_eyes),
                    "requiresComment": a.requires_comment,
                    "recordsFacts": a.records_facts,
                    "basis": a.basis,
                }
                for a in (self.opening, *self.actions)
            ],
            "deadlines": [
                {
                    "step": d.step,
                    "countedFrom": list(d.counted_from),
                    "workingDays": d.working_days,
                    "urgentWorkingDays": d.urgent_working_days,
                    "parameters": list(d.parameter_names()),
                    "zh": d.zh,
                    "en": d.en,
                    "basis": d.basis,
                }
                for d in self.deadlines
            ],
            "reports": [
                {
                    "code": r.code,
                    "zh": r.zh,
                    "en": r.en,
                    "periodStarts": list(r.months),
                    "workingDays": r.working_days,
                    "basis": r.basis,
                }
                for r in self.reports
            ],
        }

    # ------------------------------------------------------------------ checks
    def problems(self) -> list[str]:
        """What makes this procedure unenforceable (empty when it is sound)."""
        found: list[str] = []
        codes = [s.code for s in self.statuses]
        if len(codes) != len(set(codes)):
            found.append("a status code is declared twice")
        names = [a.name for a in (self.opening, *self.actions)]
        if len(names) != len(set(names)):
            found.append(f"an action name is declared twice (or an action is named {OPEN!r})")
        if self.opening.name != OPEN or self.opening.from_statuses:
            found.append("the opening step must be built with Action.opening(...)")
        known = set(codes)
        for a in (self.opening, *self.actions):
            for s in a.from_statuses:
                if s not in known:
                    found.append(f"action {a.name!r} starts from unknown status {s!r}")
            if a.to_status is not None and a.to_status not in known:
                found.append(f"action {a.name!r} leads to unknown status {a.to_status!r}")
            if a is not self.opening and not a.from_statuses:
                found.append(f"action {a.name!r} has no status it can be taken from")
            if not a.roles:
                found.append(f"action {a.name!r} names no role that may take it")
            for role in a.roles:
                if role not in ROLES:
                    found.append(
                        f"action {a.name!r}: unknown role {role!r} (roles: {', '.join(ROLES)})"
                    )
            for step in a.four_eyes:
                if step not in self._by_action:
                    found.append(f"action {a.name!r}: four eyes names unknown step {step!r}")
            for g in a.guards:
                if not isinstance(g, Guard):
                    found.append(
                        f"action {a.name!r}: guard {g!r} is not a core.workflow.guards guard"
                    )
        for r in self.reports:
            found.extend(f"report {r.code!r}: {p}" for p in r.problems())
        if len({r.code for r in self.reports}) != len(self.reports):
            found.append("a report code is declared twice")
        for code in (*self.admitted, *self.exited):
            if code not in known:
                found.append(f"admitted/exited names unknown status {code!r}")
        if self.opening.to_status is None:
            found.append("the opening step must lead to the first status")
        for d in self.deadlines:
            if d.step not in self._by_action:
                found.append(f"deadline for unknown step {d.step!r}")
            for step in d.counted_from:
                if step not in self._by_action:
                    found.append(f"deadline for {d.step!r} counted from unknown step {step!r}")
            for days in (d.working_days, d.urgent_working_days):
                if days is None or (isinstance(days, str) and days.strip()):
                    continue
                if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                    found.append(
                        f"deadline for {d.step!r}: working days must be a number >= 0 or a "
                        f"parameter name, not {days!r}"
                    )
        return found


@dataclass(frozen=True)
class PeriodicReport:
    """A report the tenant's union sends up at the start of every period: a tenant-level
    deadline, shown in the overdue lists until the report is submitted.

    Hebei 003 三.4: 每个季度进行一次统计、分析……每季度初7个工作日内逐级上报. The report
    covers the period that has just ended; it is due on the ``working_days``-th working
    day of the new period (the period's first day counts when it is a working day).
    """

    code: str  #: e.g. "quarterly_report"
    zh: str
    en: str
    months: tuple[int, ...] = (1, 4, 7, 10)  #: the months a period starts in
    working_days: DayCount = 7
    basis: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "months", tuple(sorted(int(m) for m in self.months)))

    def problems(self) -> list[str]:
        found = []
        if not self.months or any(not 1 <= m <= 12 for m in self.months):
            found.append("months must be months of the year (1-12), at least one")
        if isinstance(self.working_days, int) and (
            isinstance(self.working_days, bool) or self.working_days < 0
        ):
            found.append("working days may not be negative")
        return found

    def parameter_names(self) -> tuple[str, ...]:
        return (self.working_days,) if isinstance(self.working_days, str) else ()

    def period_start(self, on: date) -> date:
        """The first day of the period ``on`` falls in."""
        starts = [date(on.year, m, 1) for m in self.months if date(on.year, m, 1) <= on]
        return starts[-1] if starts else date(on.year - 1, self.months[-1], 1)

    def previous_start(self, start: date) -> date:
        """The first day of the period before the one starting on ``start``."""
        return self.period_start(start - timedelta(days=1))

    def period_code(self, start: date) -> str:
        """The code of the period starting on ``start``: "2026-Q3" for quarters, else
        "2026-07" (the month it starts)."""
        if self.months == (1, 4, 7, 10):
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if self.months == (1,):
            return str(start.year)
        return f"{start.year}-{start.month:02d}"

    def due(
        self, calendar: WorkingCalendar, parameters: Parameters | None, start: date
    ) -> tuple[date, bool]:
        """When the report on the period before ``start`` is due (the period ``start``
        begins is the one it is sent in)."""
        days = day_count(self.working_days, parameters)
        return calendar.add_working_days(start - timedelta(days=1), days)


@dataclass(frozen=True)
class ReviewSchedule:
    """When a tenant re-reviews every open file: the dates, each year, by which a periodic
    review must be done (Hebei: by 30 April; Gansu: by the end of every quarter)."""

    due: tuple[tuple[int, int], ...]  #: (month, day) pairs, e.g. ((4, 30),)
    zh: str
    en: str
    basis: str = ""

    def __post_init__(self) -> None:
        due = tuple(sorted((int(m), int(d)) for m, d in self.due))
        if not due:
            raise ProcedureError("a review schedule needs at least one (month, day)")
        for month, day in due:
            if not 1 <= month <= 12 or not 1 <= day <= _months.monthrange(2001, month)[1]:
                raise ProcedureError(f"review schedule: ({month}, {day}) is not a day of a year")
        object.__setattr__(self, "due", due)

    def next_due(self, on: date) -> date:
        """The first review deadline on or after ``on``."""
        for year in (on.year, on.year + 1):
            for month, day in self.due:
                due = date(year, month, day)
                if due >= on:
                    return due
        raise AssertionError("unreachable: every year has a due date")  # pragma: no cover

    def period(self, on: date) -> str:
        """The review period a run on ``on`` belongs to: "2026" for a yearly review, else
        the due date it serves, e.g. "2026-06-30"."""
        due = self.next_due(on)
        return str(due.year) if len(self.due) == 1 else due.isoformat()
