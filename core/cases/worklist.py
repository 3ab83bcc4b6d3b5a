"""The worklist: the tenant's files as lines of summary columns (no evaluation runs)."""

from __future__ import annotations

from core.auth.principal import Principal
from core.auth.roles import ADMIN
from core.cases.access import CaseAccess, one_call_scope
from core.cases.views import WorkItem
from core.db import repositories as repo

#: the most files a worklist holds (a county's open files; the newest first)
WORKLIST_LIMIT = 5000


class Worklist(CaseAccess):
    """A caseworker's worklist."""

    @one_call_scope
    def worklist(
        self, principal: Principal | None, tenant: str, limit: int = WORKLIST_LIMIT
    ) -> list[WorkItem]:
        """The tenant's files as worklist lines (summary columns, newest first): who is
        responsible, whether the asker's role takes the next step, the next deadline."""
        p = self._staff(principal, "cases", tenant)
        code = self.registry.get(tenant).code
        self._own_tenant(p, code, "cases")
        procedure = self.workflow(self.registry.get(code)).procedure
        mine = repo.responsible_for(self.session, code, p.user)
        items = []
        for row in repo.all_cases(self.session, code, limit):
            status = procedure.status(row.status)
            members = tuple(str(m.get("name") or "") for m in row.household.get("members") or ())
            applicant = next(
                (
                    str(m.get("name") or "")
                    for m in row.household.get("members") or ()
                    if m.get("relation") == "APPLICANT"
                ),
                "",
            )
            # a filed file waits for its deadlines (review, follow-up), not for me
            my_step = row.status not in procedure.admitted and any(
                row.status in a.from_statuses and (p.role == ADMIN or p.role in a.roles)
                for a in procedure.actions
                if a.to_status or not a.records_facts  # not a mere update of the facts
            )
            items.append(
                WorkItem(
                    id=str(row.id),
                    status=row.status,
                    status_zh=status.zh if status else row.status,
                    status_en=status.en if status else row.status,
                    open=procedure.is_open(row.status),
                    opened_on=row.opened_on,
                    opened_by=row.opened_by,
                    urgent=row.urgent,
                    eligible=row.eligible,
                    category=row.category,
                    due_step=row.due_step,
                    due_on=row.due_on,
                    due_provisional=row.due_provisional,
                    applicant=applicant,
                    members=members,
                    mine=row.id in mine,
                    my_step=my_step,
                )
            )
        return items
