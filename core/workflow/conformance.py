"""Conformance checks of a tenant's procedure, run by the kit and the test-suite.

A procedure passes when:

- every status can be reached from the opening step;
- no status is a dead end: each one is left by some action, or is declared ``final``;
- every non-final status can lead to a final or closed one, or back to the start (no trap);
- every guard comes from the core library (:data:`core.workflow.guards.LIBRARY`), whose
  guards are each tested in ``tests/workflow``;
- every deadline's step can be taken from some status;
- a tenant that keeps files says when it reviews them.

:func:`check_tenant_workflow` is the form ``bangfu check`` can run as an invariant.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from core.workflow.guards import LIBRARY
from core.workflow.procedure import Procedure, ReviewSchedule

if TYPE_CHECKING:
    from core.registry import Tenant


def reachable_statuses(procedure: Procedure) -> set[str]:
    """The statuses a file can reach from the opening step."""
    start = procedure.initial_status
    seen = {start}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for action in procedure.actions_from(status):
            nxt = action.to_status or status
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _leads_out(procedure: Procedure, status: str) -> bool:
    """Whether a file in ``status`` can move on to another status somehow."""
    return any((a.to_status or status) != status for a in procedure.actions_from(status))


def _can_settle(procedure: Procedure, status: str) -> bool:
    """From ``status``, some path reaches a final or not-open status (the file can end)."""
    seen = {status}
    queue = deque([status])
    while queue:
        current = queue.popleft()
        s = procedure.status(current)
        if s is not None and (s.final or not s.open):
            return True
        for action in procedure.actions_from(current):
            nxt = action.to_status or current
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def check_procedure(procedure: Procedure) -> list[str]:
    """The conformance problems of ``procedure`` (empty when it conforms)."""
    problems = list(procedure.problems())
    reachable = reachable_statuses(procedure)
    for status in procedure.statuses:
        if status.code not in reachable:
            problems.append(f"status {status.code!r} cannot be reached from the opening step")
        if not status.final and not _leads_out(procedure, status.code):
            problems.append(
                f"status {status.code!r} is a dead end: no action leaves it; add one or "
                "declare it final=True"
            )
        if status.final and procedure.actions_from(status.code):
            leaving = [a.name for a in procedure.actions_from(status.code)]
            problems.append(
                f"status {status.code!r} is declared final but {', '.join(leaving)} leave it"
            )
        if not _can_settle(procedure, status.code):
            problems.append(f"a file in {status.code!r} can never be closed or finished")
    for action, guard in procedure.guards():
        if guard.kind not in LIBRARY:
            problems.append(
                f"action {action.name!r}: guard {guard.name!r} is not from the core library "
                "(core.workflow.guards); add it there, with tests"
            )
    for rule in procedure.deadlines:
        due = procedure.action(rule.step)
        if due is not None and not any(s in reachable for s in due.from_statuses):
            problems.append(f"deadline for {rule.step!r}: the step can never be taken")
    return problems


def guard_kinds(procedure: Procedure) -> set[str]:
    """The library guards a procedure relies on (including those its fields imply)."""
    kinds = {g.kind for _, g in procedure.guards()}
    for action in (procedure.opening, *procedure.actions):
        if action.four_eyes:
            kinds.add("four_eyes")
        if action.requires_comment:
            kinds.add("comment_required")
    return kinds


def check_procedure_parameters(procedure: Procedure, tenant: Tenant) -> list[str]:
    """Every parameter the procedure reads (its day counts, readings, flags) is defined in
    the tenant's chain, and each reading names a known value (a misspelt name or reading
    would otherwise fail only on the day a file reaches the step)."""
    from core.workflow.readings import KNOWN_READINGS

    problems = []
    chains = tenant.parameter_table.chains
    for name in procedure.parameter_names():
        definitions = chains.get(name)
        if not definitions:
            problems.append(
                f"procedure {procedure.name!r} reads parameter {name!r}, which no plugin in "
                f"the chain {' > '.join(tenant.chain)} defines"
            )
            continue
        allowed = KNOWN_READINGS.get(name.rsplit(".", 1)[-1])
        if allowed is None or definitions[0].type != "text":
            continue
        for dated in definitions[0].values:
            if str(dated.value).strip() not in allowed:
                problems.append(
                    f"parameter {name} = {dated.value!r} (from {dated.effective_from}) is not "
                    f"a known reading: {', '.join(allowed)}"
                )
    return problems


def check_tenant_workflow(tenant: Tenant) -> list[str]:
    """The conformance problems of a tenant's procedure and review schedule, as the kit's
    invariants report them (a tenant without case files, such as ``national``, has none)."""
    from core.workflow.engine import procedure_of

    try:
        procedure = procedure_of(tenant)
    except Exception as exc:
        return [f"bangfu_procedure raised {type(exc).__name__}: {exc}"]
    if procedure is None:
        return []
    if not isinstance(procedure, Procedure):
        return ["bangfu_procedure must return a core.workflow.procedure.Procedure"]
    problems = check_procedure(procedure)
    problems += check_procedure_parameters(procedure, tenant)
    schedule = tenant.hook.bangfu_review_schedule()
    if schedule is None:
        problems.append("a tenant that keeps files must say when it reviews them")
    elif not isinstance(schedule, ReviewSchedule):
        problems.append("bangfu_review_schedule must return a ReviewSchedule")
    return problems
