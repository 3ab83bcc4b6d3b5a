"""A file that lives in memory: walk a tenant's procedure without a database.

For conformance checks, tests and "what happens if" questions: the same engine decides
every step; the decisions are applied to a :class:`CaseState` kept here instead of rows.

    case = SimulatedCase.open(tenant, household, Actor("wang", "caseworker"), date(2026, 9, 30))
    case.take("review", Actor("li", "reviewer"), date(2026, 10, 8))
    case.deadlines()
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from core.calendar import WorkingCalendar
from core.evaluation import Evaluation, evaluate
from core.model import Household, parse_household
from core.registry import Tenant
from core.workflow.deadlines import Deadline
from core.workflow.engine import Decision, Workflow
from core.workflow.state import (
    NO_RECORDS,
    Actor,
    CaseState,
    FileRecords,
    GroundCounter,
    no_files,
)


@dataclass
class SimulatedCase:
    """A file and its procedure, in memory."""

    workflow: Workflow
    household: Household
    state: CaseState
    decisions: list[Decision] = field(default_factory=list)
    admitted_on_ground: GroundCounter = field(default=no_files)

    @property
    def recorded_grounds(self) -> str:
        """The grounds a person recorded on the file ("g"), as ``cases.recorded_grounds``."""
        return self.state.recorded_grounds

    @classmethod
    def open(
        cls,
        tenant: Tenant,
        household: Household | dict[str, Any],
        actor: Actor,
        on: date,
        urgent: bool = False,
        calendar: WorkingCalendar | None = None,
        admitted_on_ground: GroundCounter = no_files,
    ) -> SimulatedCase:
        flow = Workflow.for_tenant(tenant, calendar)
        parsed = parse_household(household)
        decision = flow.open(
            actor, on, urgent, lambda: evaluate(tenant, parsed, on), admitted_on_ground
        )
        state = CaseState(tenant.code, decision.to_status, urgent, on, (decision.step,))
        return cls(flow, parsed, state, [decision], admitted_on_ground)

    @property
    def status(self) -> str:
        return self.state.status

    def evaluation(
        self, on: date, household: Household | None = None, recorded: str | None = None
    ) -> Evaluation:
        grounds = self.recorded_grounds if recorded is None else recorded
        return evaluate(self.workflow.tenant, household or self.household, on, recorded=grounds)

    def take(
        self,
        action: str,
        actor: Actor,
        on: date,
        comment: str | None = None,
        household: Household | dict[str, Any] | None = None,
        records: FileRecords = NO_RECORDS,
    ) -> Decision:
        """Take a step (raises the refusal and changes nothing when refused); ``records``:
        the verification differences waiting and the evidence held, when the step is tried."""
        facts = parse_household(household) if household is not None else self.household
        step = self.workflow.procedure.action(action)
        grounds = step.grounds_after(self.recorded_grounds) if step else self.recorded_grounds
        decision = self.workflow.take(
            self.state,
            actor,
            action,
            on,
            comment,
            lambda: self.evaluation(on, facts, grounds),
            self.admitted_on_ground,
            records,
        )
        self.household = facts
        self.state = replace(
            self.state,
            recorded_grounds=grounds,
            status=decision.to_status,
            history=(*self.state.history, decision.step),
        )
        self.decisions.append(decision)
        return decision

    def deadlines(self) -> list[Deadline]:
        return self.workflow.deadlines(self.state)

    def available(self, actor: Actor, on: date) -> list[str]:
        return self.workflow.available_actions(
            self.state, actor, on, lambda: self.evaluation(on), self.admitted_on_ground
        )
