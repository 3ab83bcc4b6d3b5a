"""Opening a file (建档): one, or a sheet's worth in one transaction.

The household is evaluated on the paper date, checked for duplicates (不重复建档), and
its members' ID numbers kept as keyed hashes and masked forms; the person who opened the
file is responsible for it (一帮一) until it exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from core.auth.principal import Principal
from core.cases.access import forbidden, one_call_scope
from core.cases.duplicates import Duplicates, id_hashes
from core.cases.names import member_keys
from core.cases.privacy import protect
from core.cases.steps import RESPONSIBLE, Steps, household_columns
from core.cases.viewing import Views
from core.cases.views import CaseView
from core.db import repositories as repo
from core.db.facts_row import facts_row
from core.evaluation import Evaluation, evaluate
from core.model import Household, parse_household
from core.targets import keep_baseline
from core.workflow.determination import snapshot
from core.workflow.state import CaseState


class Opening(Steps, Views, Duplicates):
    """Opening files."""

    @one_call_scope
    def open_case(
        self,
        principal: Principal | None,
        tenant: str,
        household: Household | dict[str, Any],
        urgent: bool = False,
        on: date | None = None,
    ) -> CaseView:
        """Open a file for ``household`` in ``tenant`` (``openCase``). ``on``: the date on
        the paper record (default today; never after today)."""
        try:
            return self._open_case(principal, tenant, household, urgent, on)
        except BaseException:
            self.session.rollback()
            raise

    @one_call_scope
    def open_cases(
        self,
        principal: Principal | None,
        tenant: str,
        households: Sequence[tuple[Household | dict[str, Any], bool, date | None]],
    ) -> list[str]:
        """Open a file for each (household, urgent, paper date or None for today) in one
        transaction: every file is opened, or none is (a sheet import). Returns the new
        files' ids in order."""
        self._all_or_nothing = True
        try:
            ids = [self._open_case(principal, tenant, h, u, on).id for h, u, on in households]
            self._all_or_nothing = False
            self._finish()
            return ids
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self._all_or_nothing = False

    def _open_case(
        self,
        principal: Principal | None,
        tenant_code: str,
        household: Household | dict[str, Any],
        urgent: bool,
        on: date | None,
    ) -> CaseView:
        p = self._staff(principal, "openCase", tenant_code)
        tenant = self.registry.get(tenant_code)
        if p.tenant != tenant.code:
            self._refused(p, "openCase", tenant.code, "forbidden")
            raise forbidden(
                f"you may open files only in your own tenant ({p.tenant})",
                f"您只能在本地区({p.tenant})建档",
            )
        household = parse_household(household)
        flow = self.workflow(tenant)
        on = self._paper_date(on, None, (flow.procedure.opening.zh, flow.procedure.opening.en))
        self._refuse_duplicate(tenant, flow, id_hashes(household))
        evaluation_cache: list[Evaluation] = []

        def evaluated() -> Evaluation:
            if not evaluation_cache:
                evaluation_cache.append(evaluate(tenant, household, on))
            return evaluation_cache[0]

        decision = flow.open(
            p.actor, on, bool(urgent), evaluated, self._counter(tenant, flow, deciding=True)
        )
        evaluation = evaluated()
        protected = protect(household)
        state = CaseState(tenant.code, decision.to_status, bool(urgent), on, (decision.step,))
        record = snapshot(evaluation, protected.shown, decision.guard_parameters, decision.notes)
        values = {
            "tenant": tenant.code,
            "version": 1,
            "opened_on": on,
            "urgent": bool(urgent),
            "opened_by": p.user,
            **household_columns(protected.stored, facts_row(household)),
            "due_provisional": False,
            "determination_seq": 1,  # the opening's determination is in force
            "recorded_grounds": "",
            **self._summary(evaluation, decision.notes, flow, state),
        }
        keep_baseline(self.session, tenant)  # its files' status then is kept (targets)
        case_id, number = repo.add_case(self.session, values)
        event = self._event(tenant, case_id, 1, decision, record, "")
        identities = [(i.member_index, i.id_hash, i.id_masked) for i in protected.identities]
        names = member_keys(household)
        repo.open_rest(
            self.session, tenant.code, case_id, event, identities, p.user, RESPONSIBLE, on, names
        )
        self._finish()
        row = SimpleNamespace(id=case_id, number=number, pending=None, **values)
        masked = {index: shown for index, _, shown in identities}
        today = self.today()
        same = evaluation if on == today else None  # evaluated once when dated today
        return self._view(p, tenant, flow, row, [event], masked, today, same)
