"""Taking a step of the tenant's procedure on a file (``transition``).

The engine decides whether the step may be taken (roles, guards, four eyes, quotas); the
step may bring new facts (a survey, a re-entry), re-evaluated on its paper date; on a
decided file they wait for a second person (:mod:`core.cases.new_facts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from core.auth.principal import Principal
from core.cases.access import one_call_scope
from core.cases.duplicates import Duplicates
from core.cases.file_records import file_records
from core.cases.four_eyes import FACTS_DECISIONS, decided_statuses
from core.cases.names import member_keys
from core.cases.new_facts import NewFacts
from core.cases.privacy import Identity, protect, shown_household
from core.cases.steps import (
    case_state,
    changed_row,
    checked_comment,
    household_columns,
    waiting_columns,
)
from core.cases.views import CaseView
from core.db import repositories as repo
from core.db.facts_row import facts_row
from core.errors import bad_input
from core.evaluation import Evaluation, evaluate
from core.funds.lapsing import stop_what_lapsed
from core.model import Household, parse_household
from core.workflow.determination import snapshot
from core.workflow.procedure import OPEN
from core.workflow.state import CaseState


class Stepping(NewFacts, Duplicates):
    """Steps of the procedure taken on files."""

    @one_call_scope
    def transition(
        self,
        principal: Principal | None,
        case_id: str | int,
        action: str,
        expected_version: int,
        on: date | None = None,
        comment: str | None = None,
        household: Household | dict[str, Any] | None = None,
    ) -> CaseView:
        """Take ``action`` on a file at ``expected_version`` (``transition``).

        ``on``: the date on the paper record (default today; never after today, never
        before the file's previous step). ``household`` carries updated facts for a step
        that records them (a survey, a re-entry); the file is re-evaluated on them. On an
        approved or filed file they wait for a second person (:meth:`decide_facts`).
        """
        try:
            if action in FACTS_DECISIONS and household is None:  # as decideFacts
                approve = action == "approve_facts"
                return self._decide_facts(
                    principal, case_id, expected_version, approve, comment, on
                )
            return self._transition(
                principal, case_id, action, expected_version, on, comment, household
            )
        except BaseException:
            self.session.rollback()
            raise

    def _transition(
        self,
        principal: Principal | None,
        case_id: str | int,
        action: str,
        expected_version: int,
        on: date | None,
        comment: str | None,
        household: Household | dict[str, Any] | None,
    ) -> CaseView:
        p = self._staff(principal, "transition", case_id)
        comment = checked_comment(comment)
        row, events, masked = self._load_for_change(p, case_id, expected_version, "transition")
        tenant = self.registry.get(row.tenant)
        flow = self.workflow(tenant)
        step = flow.procedure.action(action)
        if household is not None and step is not None and not step.records_facts:
            raise bad_input(
                f"the step '{action}' does not record household facts; send them with a step "
                "that does (a survey or a re-entry)",
                f"{step.zh}不录入家庭信息,请在调查或重新纳入时录入",
            )
        new_household = parse_household(household) if household is not None else None
        current = new_household or parse_household(row.household)
        state = case_state(row, events)
        if step is not None and step.name != OPEN:  # unknown steps are refused by the engine
            on = self._paper_date(on, state.last_date, (step.zh, step.en))
        else:
            on = on or self.today()
        # the grounds a person recorded on the file, as this step leaves them
        recorded = step.grounds_after(row.recorded_grounds) if step else row.recorded_grounds
        evaluation_cache: list[Evaluation] = []

        def evaluated() -> Evaluation:
            if not evaluation_cache:
                evaluation_cache.append(evaluate(tenant, current, on, recorded=recorded))
            return evaluation_cache[0]

        decision = flow.take(
            state,
            p.actor,
            action,
            on,
            comment,
            evaluated,
            self._counter(tenant, flow, True),
            file_records(self.session, row.tenant, row.id),
        )
        self._refuse_duplicate_step(tenant, flow, row, new_household, decision.to_status)
        evaluation = evaluated()
        reapproval = new_household is not None and row.status in decided_statuses(flow)
        if new_household is not None:
            protected = protect(new_household)
            shown = protected.shown
        else:
            shown = shown_household(row.household, masked)
        record = snapshot(evaluation, shown, decision.guard_parameters, decision.notes)
        seq = len(events) + 1
        after = CaseState(
            row.tenant,
            decision.to_status,
            row.urgent,
            row.opened_on,
            (*state.history, decision.step),
        )
        identities = (
            carried_identities(
                row.household,
                repo.identities_of(self.session, row.tenant, row.id),
                new_household,
                protected.identities,
            )
            if new_household is not None
            else None
        )
        if reapproval and new_household is not None:  # (reapproval implies new facts)
            # new facts on a decided file: recorded, not in effect until a second person
            # approves them; the file keeps its approved determination meanwhile
            record["pending"] = True
            values = waiting_columns(flow, after) | {
                "status": decision.to_status,
                "recorded_grounds": recorded,
                "pending": {
                    "household": protected.stored,
                    "facts": facts_row(new_household),
                    "identities": [list(i) for i in identities or ()],
                    "by": p.user,
                    "on": on.isoformat(),
                    "seq": seq,
                },
            }
            identities = None
        else:
            values = self._summary(evaluation, decision.notes, flow, after)
            values["recorded_grounds"] = recorded
            if new_household is not None:
                values |= household_columns(protected.stored, facts_row(new_household))
                values["pending"] = None
        prev_hash = events[-1]["hash"] if events else ""
        event = self._event(tenant, row.id, seq, decision, record, prev_hash)
        if not repo.apply_step(self.session, row.tenant, row.id, expected_version, values, event):
            raise self._conflict()
        if identities is not None:
            repo.replace_identities(self.session, row.tenant, row.id, identities)
            masked = {index: shown for index, _, shown in identities}
        if new_household is not None and not reapproval:
            repo.replace_names(self.session, row.tenant, row.id, member_keys(new_household))
        if row.status in flow.procedure.admitted and not reapproval:
            # an exit, a hand-over, a new determination: money not yet sent that it no
            # longer grants is stopped in this transaction (core.funds.lapsing)
            stop_what_lapsed(
                self.session,
                p,
                row.id,
                flow.procedure.admitted,
                step.zh if step else action,
                self.today(),
            )
        self._finish()
        changed = changed_row(row, values, expected_version + 1)
        today = self.today()
        same = evaluation if on == today and not reapproval else None
        history = self._history_after(row, seq)
        return self._view(p, tenant, flow, changed, history, masked, today, same)


def carried_identities(
    old_household: dict[str, Any],
    kept: Sequence[tuple[int, str, str]],
    new_household: Household,
    given: Sequence[Identity],
) -> list[tuple[int, str, str]]:
    """The identities of updated facts: those typed anew, and for a member typed without
    an ID number, the one on file for the member of the same name (the pages show ID
    numbers masked, so they cannot send them back)."""
    by_name = {}
    old_members = old_household.get("members") or ()
    for index, id_hash, masked in kept:
        if index < len(old_members):
            by_name[str(old_members[index].get("name") or "")] = (id_hash, masked)
    out = [(i.member_index, i.id_hash, i.id_masked) for i in given]
    typed = {i.member_index for i in given}
    for index, member in enumerate(new_household.members):
        if index not in typed and member.id_number is None and member.name in by_name:
            out.append((index, *by_name.pop(member.name)))
    return out
