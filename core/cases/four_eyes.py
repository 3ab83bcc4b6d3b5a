"""New facts on a decided file wait for a second person (four eyes).

Who may decide on them (the roles of the procedure's four-eyes steps, and ``admin``), which
statuses count as decided, and the history entries of the decision.
"""

from __future__ import annotations

from core.auth.roles import ADMIN
from core.workflow.engine import Workflow
from core.workflow.procedure import Action

#: The history entries of a decision on new facts (not steps of any tenant's procedure).
FACTS_DECISIONS = {
    "approve_facts": Action("approve_facts", "审批通过家庭情况变更", "approve new facts", ()),
    "reject_facts": Action("reject_facts", "驳回家庭情况变更", "reject new facts", ()),
}


def fact_deciders(flow: Workflow) -> set[str]:
    """Who may decide on new facts: the roles of the procedure's four-eyes steps."""
    return {r for a in flow.procedure.actions if a.four_eyes for r in a.roles} | {ADMIN}


def decided_statuses(flow: Workflow) -> set[str]:
    """Statuses of a decided file: admitted, or reached by a four-eyes step (approval).
    New facts on such a file need a second person before they take effect."""
    procedure = flow.procedure
    return set(procedure.admitted) | {
        a.to_status for a in procedure.actions if a.four_eyes and a.to_status
    }
