"""Deciding on new facts waiting on a decided file (``decideFacts``).

New facts entered on an approved or filed file take effect only when a second person
approves them (:mod:`core.cases.four_eyes`); meanwhile the file keeps its determination.
"""

from __future__ import annotations

from datetime import date

from core.auth.principal import Principal
from core.auth.roles import label
from core.cases.access import forbidden, one_call_scope
from core.cases.four_eyes import FACTS_DECISIONS, fact_deciders
from core.cases.names import member_keys
from core.cases.privacy import shown_household
from core.cases.steps import Steps, case_state, changed_row, checked_comment, household_columns
from core.cases.viewing import Views
from core.cases.views import CaseView
from core.db import repositories as repo
from core.errors import rule_violation
from core.evaluation import evaluate
from core.funds.lapsing import stop_what_lapsed
from core.model import parse_household
from core.workflow.determination import snapshot
from core.workflow.engine import Decision
from core.workflow.state import CaseState, Step


class NewFacts(Steps, Views):
    """The second person's decision on new facts."""

    @one_call_scope
    def decide_facts(
        self,
        principal: Principal | None,
        case_id: str | int,
        expected_version: int,
        approve: bool,
        comment: str | None = None,
        on: date | None = None,
    ) -> CaseView:
        """Approve (or reject) the new facts waiting on a decided file (``decideFacts``).

        Taken by a role that may approve files in the tenant's procedure (or ``admin``),
        never by the person who entered the facts. Approval puts the new facts and their
        determination in effect; rejection drops them (a comment is required). Either is
        a history entry of its own: ``approve_facts`` or ``reject_facts``.
        """
        try:
            return self._decide_facts(principal, case_id, expected_version, approve, comment, on)
        except BaseException:
            self.session.rollback()
            raise

    def _decide_facts(
        self,
        principal: Principal | None,
        case_id: str | int,
        expected_version: int,
        approve: bool,
        comment: str | None,
        on: date | None,
    ) -> CaseView:
        p = self._staff(principal, "decideFacts", case_id)
        comment = checked_comment(comment)
        row, events, masked = self._load_for_change(p, case_id, expected_version, "decideFacts")
        tenant = self.registry.get(row.tenant)
        flow = self.workflow(tenant)
        pending = row.pending
        if not pending:
            raise rule_violation(
                "no new facts wait for a decision on this file",
                "本档案没有待审批的家庭情况变更",
            )
        roles = fact_deciders(flow)
        if p.role not in roles:
            raise forbidden(
                f"your role '{p.role}' may not decide on new facts; it is done by: "
                f"{', '.join(sorted(roles))}",
                f"您的角色({label(p.role)[0]})不能审批家庭情况变更",
            )
        if p.user == pending["by"]:
            raise rule_violation(
                "new facts are approved by a second person, not by the one who entered them",
                "家庭情况变更须由录入人以外的另一人审批",
                enteredBy=pending["by"],
            )
        if not approve and not comment:
            raise rule_violation(
                "say why the new facts are rejected (a comment is required)",
                "驳回家庭情况变更须填写理由",
            )
        state = case_state(row, events)
        name = "approve_facts" if approve else "reject_facts"
        on = self._paper_date(on, state.last_date, ("审批家庭情况变更", "deciding on new facts"))
        stored = pending["household"] if approve else row.household
        evaluation = evaluate(tenant, parse_household(stored), on, recorded=row.recorded_grounds)
        identities = [tuple(i) for i in pending.get("identities", ())]
        shown_masked = {i[0]: i[2] for i in identities} if approve else masked
        record = snapshot(evaluation, shown_household(stored, shown_masked))
        if not approve:
            record["rejected"] = {"seq": pending["seq"], "by": pending["by"]}
        step = Step(name, row.status, row.status, on, p.user, p.role, comment)
        decision = Decision(action=FACTS_DECISIONS[name], step=step)
        after = CaseState(row.tenant, row.status, row.urgent, row.opened_on, (*state.history, step))
        if approve:
            values = self._summary(evaluation, {}, flow, after)
            values |= household_columns(pending["household"], pending["facts"])
            values["pending"] = None
        else:
            values = {"pending": None}
        prev_hash = events[-1]["hash"] if events else ""
        event = self._event(tenant, row.id, len(events) + 1, decision, record, prev_hash)
        if not repo.apply_step(self.session, row.tenant, row.id, expected_version, values, event):
            raise self._conflict()
        if approve:
            repo.replace_identities(self.session, row.tenant, row.id, identities)
            repo.replace_names(self.session, row.tenant, row.id, member_keys(pending["household"]))
            masked = shown_masked
            if row.status in flow.procedure.admitted:  # the new determination is in force
                stop_what_lapsed(
                    self.session,
                    p,
                    row.id,
                    flow.procedure.admitted,
                    "审批家庭情况变更",
                    self.today(),
                )
        self._finish()
        changed = changed_row(row, values, expected_version + 1)
        history = self._history_after(row, len(events) + 1)
        return self._view(p, tenant, flow, changed, history, masked, self.today())
