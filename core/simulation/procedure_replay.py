"""What a procedure's reading changes: files walked under the current rules and a reform.

The readings of a procedure's unclear sentences are parameters (:mod:`core.workflow.readings`):
whether the day of publication counts, when the county's 7 working days start, 原则上
(a quota refused or warned), 回头帮 on a fall-back or already on a risk, the shortest
notice, facts changed during the notice. A reform may set any of them like any other
parameter; :func:`compare_procedures` shows what that changes for files: for each, its
pending deadlines under both rule sets, and the steps allowed on the date under one and
refused under the other (every guard that does not depend on what a caller sends, as the
pages list a file's actions). ``bangfu replay`` runs it on the open caseload when a reform
sets a parameter of the tenant's procedure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from core.auth.roles import ADMIN
from core.evaluation import Evaluation
from core.registry import Tenant
from core.workflow.engine import Workflow
from core.workflow.procedure import Procedure
from core.workflow.state import Actor, CaseState, GroundCounter, no_files

#: who asks: every role's steps, nobody's own (four eyes never refuses the replay)
REPLAY_ACTOR = Actor("replay", ADMIN)
#: files whose differences are kept to show, at most
EXAMPLES = 20


def procedure_parameters(procedure: Procedure) -> set[str]:
    """The parameters a procedure's guards and deadlines read."""
    names = {
        p for a in (procedure.opening, *procedure.actions) for g in a.guards for p in g.parameters
    }
    for rule in procedure.deadlines:
        for count in (rule.working_days, rule.urgent_working_days):
            if isinstance(count, str):
                names.add(count)
        names |= set(getattr(rule.starts, "parameter_names", ()))
    for report in procedure.reports:
        if isinstance(report.working_days, str):
            names.add(report.working_days)
    return names


@dataclass(frozen=True)
class FileMove:
    """One file whose procedure answers differently under the reform."""

    case: str
    deadlines: tuple[tuple[tuple[str, date], ...], tuple[tuple[str, date], ...]]
    opened: tuple[str, ...]  #: steps allowed on the date under the reform only
    closed: tuple[str, ...]  #: steps allowed under the current rules only


@dataclass
class ProcedureReplay:
    on: date
    files: int = 0
    deadlines_changed: int = 0  #: files whose pending deadlines differ
    opened: dict[str, int] = field(default_factory=dict)  #: step -> files it opens for
    closed: dict[str, int] = field(default_factory=dict)  #: step -> files it closes for
    examples: list[FileMove] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "asOf": self.on.isoformat(),
            "files": self.files,
            "deadlinesChanged": self.deadlines_changed,
            "stepsOpened": dict(sorted(self.opened.items())),
            "stepsClosed": dict(sorted(self.closed.items())),
            "examples": [
                {
                    "case": m.case,
                    "deadlinesBefore": {s: d.isoformat() for s, d in m.deadlines[0]},
                    "deadlinesAfter": {s: d.isoformat() for s, d in m.deadlines[1]},
                    "opened": list(m.opened),
                    "closed": list(m.closed),
                }
                for m in self.examples
            ],
        }


#: a file to replay: its label, its state, and its evaluation under a given tenant's rules
ReplayedFile = tuple[str, CaseState, Callable[[Tenant, date], Evaluation]]


def _allowed(
    flow: Workflow,
    state: CaseState,
    on: date,
    evaluate: Callable[[Tenant, date], Evaluation],
    tenant: Tenant,
    admitted_on_ground: GroundCounter,
) -> set[str]:
    def evaluated() -> Evaluation:
        return evaluate(tenant, on)

    return set(flow.available_actions(state, REPLAY_ACTOR, on, evaluated, admitted_on_ground))


def compare_procedures(
    tenant: Tenant,
    reformed: Tenant,
    files: Iterable[ReplayedFile],
    on: date,
    admitted_on_ground: GroundCounter = no_files,
) -> ProcedureReplay:
    """Each file's deadlines and the steps it may take on ``on``, under ``tenant`` and
    ``reformed`` (the same tenant under a reform)."""
    before, after = Workflow.for_tenant(tenant), Workflow.for_tenant(reformed)
    result = ProcedureReplay(on)
    for label, state, evaluate in files:
        result.files += 1
        due = tuple((d.step, d.due) for d in before.deadlines(state))
        due_now = tuple((d.step, d.due) for d in after.deadlines(state))
        allowed = _allowed(before, state, on, evaluate, tenant, admitted_on_ground)
        allowed_now = _allowed(after, state, on, evaluate, reformed, admitted_on_ground)
        opened, closed = tuple(sorted(allowed_now - allowed)), tuple(sorted(allowed - allowed_now))
        if due != due_now:
            result.deadlines_changed += 1
        for step in opened:
            result.opened[step] = result.opened.get(step, 0) + 1
        for step in closed:
            result.closed[step] = result.closed.get(step, 0) + 1
        if (due != due_now or opened or closed) and len(result.examples) < EXAMPLES:
            result.examples.append(FileMove(label, (due, due_now), opened, closed))
    return result
