"""Whose turn a file is: the step it waits for (``cases.turn``, see
:meth:`core.workflow.procedure.Procedure.next_step`) and who takes it.

A step of the caseworker role is the person responsible for the file's (一帮一: the
helper who opened it); any other step is every holder of its role's. An administrator
may take every step: every file that waits for someone waits for them too.
"""

from __future__ import annotations

from core.auth.principal import Principal
from core.auth.roles import ADMIN, CASEWORKER, label
from core.cases.views import Turn
from core.db.worklist import MyTurn
from core.workflow.procedure import Procedure


def my_turn(procedure: Procedure, p: Principal) -> MyTurn:
    """The files that wait for ``p``: their role's steps; a caseworker's steps (the helper
    of 一帮一) only on the files they are responsible for."""
    if p.role == ADMIN:
        return MyTurn(p.user, every_turn=True)
    steps = tuple(a.name for a in procedure.actions if p.role in a.roles)
    if p.role == CASEWORKER:
        return MyTurn(p.user, assigned_steps=steps)
    return MyTurn(p.user, steps=steps)


def whose_turn(procedure: Procedure, step: str, responsible: str) -> Turn | None:
    """Whose turn a file waiting for ``step`` is (None when it waits for nobody)."""
    action = procedure.action(step) if step else None
    if action is None:
        return None
    roles = sorted(action.roles, key=lambda r: (r != CASEWORKER, r))
    names = [label(r) for r in roles]
    who_zh, who_en = "、".join(zh for zh, _ in names), ", ".join(en for _, en in names)
    if CASEWORKER in action.roles and responsible:
        who_zh, who_en = f"{who_zh}({responsible})", f"{who_en} ({responsible})"
    return Turn(action.name, action.zh, action.en, who_zh, who_en)
