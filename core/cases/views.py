"""Case files as the service hands them out: plain, read-only values.

The API layer maps them onto its GraphQL types; the staff pages and the CLI read them
directly. Resident ID numbers appear masked, never in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.evaluation import Evaluation
from core.workflow.deadlines import Deadline


@dataclass(frozen=True)
class EventView:
    """One step of a file's history (``CaseEvent``), with its determination record."""

    seq: int
    action: str
    from_status: str
    to_status: str
    on: date
    actor: str
    role: str
    comment: str | None
    late: bool  #: taken after its deadline
    details: dict[str, Any]
    determination: dict[str, Any]
    recorded_at: datetime | None = None  #: when it was entered (server time)
    #: entered more working days after ``on`` than the tenant's ``procedure.late_entry_days``
    entered_late: bool = False
    #: its determination waits for a second person (new facts on an approved or filed file)
    pending: bool = False

    @property
    def warnings(self) -> list[str]:
        """What the step was allowed despite (a quota passed under the ``warn`` reading)."""
        notes = self.details.get("notes") or {}
        return [str(v) for k, v in sorted(notes.items()) if k.endswith("_warning")]


@dataclass(frozen=True)
class PendingFacts:
    """New facts entered on an approved or filed file, not in effect until a second person
    approves them (``decideFacts``); the file's evaluation stays the approved one."""

    entered_by: str
    entered_on: date
    seq: int  #: the history entry that recorded them
    evaluation: Evaluation  #: the household under the new facts, today
    household: dict[str, Any]  #: the new facts, ID numbers masked


@dataclass(frozen=True)
class Turn:
    """Whose turn a file is: the step it waits for and who takes it."""

    step: str  #: the step's code, e.g. "review"
    zh: str  #: the step, e.g. "基层工会审核"
    en: str
    who_zh: str  #: who takes it: the roles (审核人), or the person responsible (一帮一)
    who_en: str


class Later:
    """A value of a :class:`CaseView` worked out when first read, at most once.

    An answer reads only the fields it selects: a ``transition`` answered with
    ``{ id version status }`` never needs the file's evaluation under today's rules, nor
    the actions its caller could take next (each a run of the tenant's rules), and a page
    of ``cases { id status }`` needs neither for any of its files."""

    __slots__ = ("work",)

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work


_LAZY = (
    "evaluation",
    "available_actions",
    "history",
    "deadlines",
    "household",
    "pending_facts",
    "turn",
)


class CaseView:
    """A hardship file (``Case``), as the principal who asked may see it.

    Read-only. ``evaluation``, ``available_actions``, ``history``, ``deadlines``,
    ``household``, ``pending_facts`` and ``turn`` may be given as :class:`Later`: then they are
    worked out when first read (and kept)."""

    id: str
    tenant: str
    status: str
    status_zh: str
    status_en: str
    version: int
    opened_on: date
    urgent: bool
    opened_by: str
    evaluation: Evaluation  #: the household under the rules in force today
    available_actions: tuple[str, ...]  #: the steps the asking principal may take today
    history: tuple[EventView, ...]
    deadlines: tuple[Deadline, ...]
    household: dict[str, Any]  #: the recorded facts, ID numbers masked
    number: str  #: the file number shown to people, e.g. HEBEI-2026-000123
    pending_facts: PendingFacts | None
    turn: Turn | None  #: whose turn the file is; None when it waits for nobody

    def __init__(
        self,
        id: str,
        tenant: str,
        status: str,
        status_zh: str,
        status_en: str,
        version: int,
        opened_on: date,
        urgent: bool,
        opened_by: str,
        evaluation: Evaluation | Later,
        available_actions: tuple[str, ...] | Later,
        history: tuple[EventView, ...] | Later,
        deadlines: tuple[Deadline, ...] | Later,
        household: dict[str, Any] | Later,
        number: str = "",
        pending_facts: PendingFacts | Later | None = None,
        turn: Turn | Later | None = None,
    ) -> None:
        fields = self.__dict__
        fields.update(
            id=id,
            tenant=tenant,
            status=status,
            status_zh=status_zh,
            status_en=status_en,
            version=version,
            opened_on=opened_on,
            urgent=urgent,
            opened_by=opened_by,
            number=number,
        )
        later = {}
        for name, value in zip(
            _LAZY,
            (evaluation, available_actions, history, deadlines, household, pending_facts, turn),
            strict=True,
        ):
            if isinstance(value, Later):
                later[name] = value
            else:
                fields[name] = value
        fields["_later"] = later

    def __getattr__(self, name: str) -> Any:
        # only called for a field not worked out yet
        later = self.__dict__.get("_later")
        if not later or name not in later:
            raise AttributeError(name)
        value = later[name].work()
        if name in ("available_actions", "history", "deadlines"):
            value = tuple(value)
        self.__dict__[name] = value
        del later[name]
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a CaseView is read-only ({name})")

    def __repr__(self) -> str:
        return f"CaseView(id={self.id!r}, tenant={self.tenant!r}, status={self.status!r}, version={self.version!r})"

    def overdue_on(self, on: date) -> tuple[Deadline, ...]:
        return tuple(d for d in self.deadlines if d.overdue_on(on))


@dataclass(frozen=True)
class Count:
    key: str
    count: int | None  #: None when suppressed as too small


@dataclass(frozen=True)
class TenantStatistics:
    """Counts of one tenant's files (``TenantStatistics``); counts below 5 are None."""

    tenant: str
    open_cases: int | None
    filed_cases: int | None
    exited_cases: int | None
    by_category: tuple[Count, ...]
    by_group: tuple[Count, ...]


@dataclass(frozen=True)
class WorkItem:
    """A file as a line of a worklist: its summary columns only (no evaluation is run)."""

    id: str  #: the file's number in its tenant (``Case.id``), never the row key
    status: str
    status_zh: str
    status_en: str
    open: bool  #: the status is an open one (not exited, not refused)
    opened_on: date
    opened_by: str
    urgent: bool
    eligible: bool
    category: str | None
    due_step: str | None
    due_on: date | None
    due_provisional: bool
    applicant: str
    responsible: str  #: the person responsible for it (一帮一), "" when nobody is
    turn: Turn | None  #: whose turn it is; None when it waits for nobody
    mine: bool  #: the asking user is responsible for it (一帮一)
    my_step: bool  #: it waits for the asking person (their role's step, their file)


@dataclass(frozen=True)
class WorklistPage:
    """A page of a worklist, with what the page around it shows."""

    lines: tuple[WorkItem, ...]
    total: int  #: the lines of the view, filtered and searched, on every page
    counts: dict[str, int]  #: the files of each view, unfiltered (the tabs)
    today: date
    week_end: date  #: the last day of "due this week"
    offset: int  #: where this page starts among the ``total`` lines

    @property
    def more(self) -> bool:
        return self.offset + len(self.lines) < self.total
