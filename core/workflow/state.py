"""What the engine knows of a file when it decides a step: plain values, no database.

The persistence layer turns rows into a :class:`CaseState`; the engine and the guards
read it and answer. Keeping them apart lets the whole procedure of every tenant be tested
in memory, and lets a guard be reused by any tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from core.workflow.procedure import Action, Procedure

if TYPE_CHECKING:
    from core.calendar import WorkingCalendar
    from core.evaluation import Evaluation
    from core.parameters import Parameters, ResolvedParameter
    from core.registry import Tenant


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the user name and the role the token carries."""

    user: str
    role: str


@dataclass(frozen=True)
class Step:
    """One recorded step of a file's history (``CaseEvent``)."""

    action: str
    from_status: str  #: "" for the opening step
    to_status: str
    on: date
    actor: str
    role: str = ""
    comment: str | None = None


@dataclass(frozen=True)
class CaseState:
    """A file as the engine sees it: its status, urgency and history, oldest step first."""

    tenant: str
    status: str
    urgent: bool
    opened_on: date
    history: tuple[Step, ...] = ()
    #: the grounds a person recorded on the file ("g"; ``cases.recorded_grounds``)
    recorded_grounds: str = ""

    def current_round(self, procedure: Procedure) -> tuple[Step, ...]:
        """The steps since the procedure last started over (opening or re-entry)."""
        starts = {a.name for a in (procedure.opening, *procedure.actions) if a.starts_round}
        for i in range(len(self.history) - 1, -1, -1):
            if self.history[i].action in starts:
                return self.history[i:]
        return self.history

    def latest(self, actions: Iterable[str]) -> Step | None:
        """The most recent step among ``actions``, in the whole history."""
        names = set(actions)
        return next((s for s in reversed(self.history) if s.action in names), None)

    @property
    def last_date(self) -> date:
        return self.history[-1].on if self.history else self.opened_on


#: How many of the tenant's admitted open files (approved or filed, not exited) rest on
#: the ground ``code`` alone (``sole=False``: that include it among others); supplied by
#: the persistence layer for quota guards. Called ``counter(code)`` or
#: ``counter(code, sole=False)``.
GroundCounter = Callable[..., int]


def no_files(code: str, sole: bool = True) -> int:
    """The counter of a tenant with no admitted file."""
    return 0


def _nothing() -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class FileRecords:
    """What a file holds besides its history, as guards may ask: the facts with a
    verification difference still waiting (:mod:`core.verification`), and the kinds of
    evidence documents on it (:mod:`core.evidence`). Supplied by the persistence layer,
    read only when a guard asks; a file with none answers empty."""

    unresolved_differences: Callable[[], Collection[str]] = _nothing
    evidence_kinds: Callable[[], Collection[str]] = _nothing


#: the records of a file that has none (the engine's default, tests in memory)
NO_RECORDS = FileRecords()


@dataclass
class StepContext:
    """Everything a guard may look at, for one attempted step.

    ``evaluation`` is the household evaluated under the rules in force on the step's date,
    with any facts the step records; it is computed only if a guard asks for it.
    """

    tenant: Tenant
    procedure: Procedure
    case: CaseState
    action: Action
    actor: Actor
    on: date
    comment: str | None
    calendar: WorkingCalendar
    evaluate: Callable[[], Evaluation]
    admitted_on_ground: GroundCounter = field(default=no_files)
    #: verification differences and evidence on the file (:class:`FileRecords`)
    records: FileRecords = field(default=NO_RECORDS)
    #: what guards note for the record (e.g. the ground a file is admitted on)
    notes: dict[str, str] = field(default_factory=dict)
    _evaluation: Evaluation | None = field(default=None, init=False, repr=False)
    _parameters: Parameters | None = field(default=None, init=False, repr=False)

    @property
    def evaluation(self) -> Evaluation:
        if self._evaluation is None:
            self._evaluation = self.evaluate()
        return self._evaluation

    @property
    def parameters(self) -> Parameters:
        """The tenant's parameters on the step's date; every read is recorded."""
        if self._parameters is None:
            self._parameters = self.tenant.parameters(self.on)
        return self._parameters

    def parameters_read(self) -> list[ResolvedParameter]:
        return self._parameters.take_reads() if self._parameters is not None else []

    @property
    def round(self) -> tuple[Step, ...]:
        return self.case.current_round(self.procedure)

    def taken_in_round(self, action: str) -> Step | None:
        """The latest ``action`` of the current round, or None."""
        return next((s for s in reversed(self.round) if s.action == action), None)

    def label(self, action: str) -> tuple[str, str]:
        """(Chinese, English) label of a step of this procedure."""
        a = self.procedure.action(action)
        return (a.zh, a.en) if a else (action, action)
