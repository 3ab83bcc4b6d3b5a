"""The workflow engine: enforces a tenant's declared procedure on a file, step by step.

:meth:`Workflow.take` decides whether an actor may take an action on a file on a date,
and returns the :class:`Decision` (the new status and the step to record) or raises the
refusal. It checks, in this order, so that the first refusal is the most useful one:

1. the action exists in the tenant's procedure (``BAD_INPUT``);
2. the actor's role may take it (``FORBIDDEN``; ``admin`` may take every step);
3. the file is in a status the action is taken from (``RULE_VIOLATION``, naming the
   steps that lead there);
4. the date is not before the file's previous step (``RULE_VIOLATION``);
5. four eyes, then a required comment, then the action's declared guards.

It changes nothing: the persistence layer applies a decision and records it. A step taken
after its deadline is allowed (the work still has to be done) and marked late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from core.auth.roles import ADMIN, label
from core.calendar import WorkingCalendar, default_calendar
from core.errors import FORBIDDEN, BangfuError, PluginFault, bad_input, rule_violation
from core.evaluation import Evaluation
from core.once import once
from core.parameters import ResolvedParameter
from core.registry import Tenant
from core.workflow import guards as library
from core.workflow.deadlines import Deadline, pending_deadlines
from core.workflow.procedure import OPEN, Action, Guard, Procedure
from core.workflow.state import (
    NO_RECORDS,
    Actor,
    CaseState,
    FileRecords,
    GroundCounter,
    Step,
    StepContext,
)


@dataclass(frozen=True)
class Decision:
    """What an allowed step does: the status it leads to and the step to record."""

    action: Action
    step: Step
    late: Deadline | None = None  #: the deadline this step missed, if any
    notes: dict[str, str] = field(default_factory=dict)
    evaluation: Evaluation | None = None  #: when a guard needed it (else evaluate anew)
    guard_parameters: tuple[ResolvedParameter, ...] = ()  #: parameters the guards read

    @property
    def to_status(self) -> str:
        return self.step.to_status


def no_procedure(tenant: str) -> BangfuError:
    return rule_violation(
        f"tenant {tenant!r} keeps no case files: its plugins declare no procedure",
        f"地区 {tenant} 未设定建档程序,不办理档案",
        tenant=tenant,
    )


def procedure_of(tenant: Tenant) -> Procedure | None:
    """The tenant's procedure: its own or the nearest ancestor's (None for none)."""
    try:
        return tenant.hook.bangfu_procedure()
    except BangfuError:
        raise
    except Exception as exc:
        raise PluginFault(tenant.code, "bangfu_procedure", exc) from exc


class Workflow:
    """A tenant's procedure, ready to decide steps on its files."""

    def __init__(
        self, tenant: Tenant, procedure: Procedure, calendar: WorkingCalendar | None = None
    ) -> None:
        self.tenant = tenant
        self.procedure = procedure
        self.calendar = calendar or default_calendar()

    @classmethod
    def for_tenant(cls, tenant: Tenant, calendar: WorkingCalendar | None = None) -> Workflow:
        procedure = procedure_of(tenant)
        if procedure is None:
            raise no_procedure(tenant.code)
        return cls(tenant, procedure, calendar)

    # ------------------------------------------------------------------ deciding
    def open(
        self,
        actor: Actor,
        on: date,
        urgent: bool,
        evaluate: Callable[[], Evaluation],
        admitted_on_ground: GroundCounter = lambda code: 0,
    ) -> Decision:
        """Decide the opening step of a new file."""
        blank = CaseState(self.tenant.code, "", urgent, on, ())
        return self._decide(
            blank, self.procedure.opening, actor, on, None, evaluate, admitted_on_ground
        )

    def take(
        self,
        case: CaseState,
        actor: Actor,
        action_name: str,
        on: date,
        comment: str | None,
        evaluate: Callable[[], Evaluation],
        admitted_on_ground: GroundCounter = lambda code: 0,
        records: FileRecords = NO_RECORDS,
    ) -> Decision:
        """Decide ``action_name`` on ``case``; raises the refusal, changes nothing.
        ``records``: what the file holds besides its history, for the guards that ask."""
        action = self.procedure.action(action_name)
        if action is None or action.name == OPEN:
            known = ", ".join(a.name for a in self.procedure.actions)
            raise bad_input(
                f"'{action_name}' is not a step of {self.tenant.code}'s procedure "
                f"(its steps: {known})",
                f"'{action_name}' 不是本地区程序的步骤(可用步骤:{known})",
                action=action_name,
            )
        return self._decide(case, action, actor, on, comment, evaluate, admitted_on_ground, records)

    def _decide(
        self,
        case: CaseState,
        action: Action,
        actor: Actor,
        on: date,
        comment: str | None,
        evaluate: Callable[[], Evaluation],
        admitted_on_ground: GroundCounter,
        records: FileRecords = NO_RECORDS,
    ) -> Decision:
        self._check_role(action, actor)
        if action.name != OPEN:
            self._check_status(case, action)
            self._check_date(case, action, on)
        ctx = self._context(case, action, actor, on, comment, evaluate, admitted_on_ground)
        ctx.records = records
        for guard in self.guards_of(action):
            refusal = self._run_guard(guard, ctx)
            if refusal is not None:
                raise refusal
        late = next(
            (d for d in self.deadlines(case) if d.step == action.name and d.overdue_on(on)),
            None,
        )
        step = Step(
            action=action.name,
            from_status=case.status,
            to_status=action.to_status or case.status,
            on=on,
            actor=actor.user,
            role=actor.role,
            comment=(comment or "").strip() or None,
        )
        return Decision(
            action=action,
            step=step,
            late=late,
            notes=dict(ctx.notes),
            evaluation=ctx._evaluation,
            guard_parameters=tuple(ctx.parameters_read()),
        )

    def _context(
        self,
        case: CaseState,
        action: Action,
        actor: Actor,
        on: date,
        comment: str | None,
        evaluate: Callable[[], Evaluation],
        admitted_on_ground: GroundCounter,
    ) -> StepContext:
        return StepContext(
            tenant=self.tenant,
            procedure=self.procedure,
            case=case,
            action=action,
            actor=actor,
            on=on,
            comment=comment,
            calendar=self.calendar,
            evaluate=evaluate,
            admitted_on_ground=admitted_on_ground,
        )

    def guards_of(self, action: Action) -> list[Guard]:
        """The declared guards, preceded by those the action's fields ask for."""
        implied = []
        if action.four_eyes:
            implied.append(library.four_eyes(*action.four_eyes))
        if action.requires_comment:
            implied.append(library.comment_required())
        return implied + list(action.guards)

    def _run_guard(self, guard: Guard, ctx: StepContext) -> BangfuError | None:
        try:
            return guard.check(ctx)
        except BangfuError as exc:  # e.g. a missing parameter the guard reads
            return exc
        except Exception as exc:
            return PluginFault(self.tenant.code, f"guard {guard.name}", exc)

    # ------------------------------------------------------------------ refusals
    def _check_role(self, action: Action, actor: Actor) -> None:
        if actor.role == ADMIN or actor.role in action.roles:
            return
        zh_roles = "、".join(label(r)[0] for r in sorted(action.roles))
        raise BangfuError(
            FORBIDDEN,
            f"your role '{actor.role}' may not take the step '{action.name}' ({action.en}); "
            f"it is taken by: {', '.join(sorted(action.roles))}",
            f"您的角色({label(actor.role)[0]})不能办理{action.zh};可办理的角色:{zh_roles}",
            {"action": action.name, "roles": sorted(action.roles)},
        )

    def _check_status(self, case: CaseState, action: Action) -> None:
        if case.status in action.from_statuses:
            return
        p = self.procedure
        here = p.status(case.status)
        here_zh, here_en = (here.zh, here.en) if here else (case.status, case.status)
        wanted = [p.status(s) for s in action.from_statuses]
        wanted_en = " or ".join(f"'{s.code}' ({s.en})" for s in wanted if s)
        wanted_zh = "或".join(s.zh for s in wanted if s)
        path = self.path_to(case.status, action)
        if path:
            next_en = f" Next: {' -> '.join(path)}"
            next_zh = "请先办理:" + "→".join(getattr(p.action(a), "zh", a) for a in path)
        else:
            next_en = " It cannot be taken on this file any more."
            next_zh = "本档案已不能办理此步骤。"
        raise rule_violation(
            f"'{action.name}' ({action.en}) is taken on a file that is {wanted_en}; this file "
            f"is '{case.status}' ({here_en}).{next_en}",
            f"{action.zh}须在档案处于「{wanted_zh}」时办理,本档案现为「{here_zh}」。{next_zh}",
            action=action.name,
            status=case.status,
            next=path,
        )

    def _check_date(self, case: CaseState, action: Action, on: date) -> None:
        if on >= case.last_date:
            return
        raise rule_violation(
            f"'{action.name}' cannot be dated {on}: the file's previous step is dated "
            f"{case.last_date}. Steps are recorded in the order they happen",
            f"{action.zh}的日期{on}早于本档案上一步骤的日期{case.last_date},请核对日期",
            on=on.isoformat(),
            previous=case.last_date.isoformat(),
        )

    def path_to(self, status: str, action: Action) -> list[str]:
        """The shortest run of steps from ``status`` to one ``action`` is taken from."""
        targets = set(action.from_statuses)
        queue: deque[tuple[str, list[str]]] = deque([(status, [])])
        seen = {status}
        while queue:
            current, path = queue.popleft()
            for a in self.procedure.actions_from(current):
                nxt = a.to_status or current
                if nxt in seen:
                    continue
                if nxt in targets:
                    return [*path, a.name]
                seen.add(nxt)
                queue.append((nxt, [*path, a.name]))
        return []

    # ------------------------------------------------------------------ reading
    def available_actions(
        self,
        case: CaseState,
        actor: Actor,
        on: date,
        evaluate: Callable[[], Evaluation],
        admitted_on_ground: GroundCounter = lambda code: 0,
        records: FileRecords = NO_RECORDS,
    ) -> list[str]:
        """The steps ``actor`` could take on ``case`` on ``on``: role, status, date, four
        eyes and every guard that does not depend on what the caller will send."""
        cached = once(evaluate)  # one evaluation, whichever guards ask
        available = []
        for action in self.procedure.actions_from(case.status):
            if not (actor.role == ADMIN or actor.role in action.roles):
                continue
            if on < case.last_date:
                continue
            ctx = self._context(case, action, actor, on, None, cached, admitted_on_ground)
            ctx.records = records
            if all(
                self._run_guard(g, ctx) is None for g in self.guards_of(action) if not g.needs_input
            ):
                available.append(action.name)
        return available

    def turn(self, case: CaseState) -> Action | None:
        """The step the file waits for (:meth:`core.workflow.procedure.Procedure.next_step`),
        None when it waits for nobody."""
        taken = {s.action for s in case.current_round(self.procedure)}
        return self.procedure.next_step(case.status, taken)

    def deadlines(self, case: CaseState) -> list[Deadline]:
        return pending_deadlines(self.procedure, case, self.calendar, self.tenant.parameters)

    def overdue(self, case: CaseState, on: date) -> list[Deadline]:
        return [d for d in self.deadlines(case) if d.overdue_on(on)]
