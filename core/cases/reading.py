"""Reading files: one by its number, a page, the overdue ones, by ID number, and what
changed at each step. Each file shown is recorded in ``case_reads``; a file of another
tenant answers as a missing one (and the lookup is recorded in ``access_audit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from core.auth.principal import Principal
from core.cases.access import MAX_PAGE, case_number, no_such_file, one_call_scope
from core.cases.privacy import hash_id_number
from core.cases.viewing import Views
from core.cases.views import CaseView, EventView
from core.db import repositories as repo
from core.db.models import CaseFile
from core.errors import bad_input
from core.workflow.determination import DeterminationChange, compare_determinations


class Reading(Views):
    """The files a staff principal asks to read."""

    @one_call_scope
    def find_case(self, principal: Principal | None, case_id: str | int) -> CaseView | None:
        """The file, or None when it does not exist or belongs to another tenant (the two
        are one answer; each such lookup is recorded in ``access_audit``). Each file shown
        is recorded in ``case_reads``."""
        p = self._staff(principal, "case", case_id)
        number = case_number(case_id)
        loaded = repo.load_case(self.session, p.tenant, number) if number else None
        if loaded is None:
            self._refused(p, "case", case_id, "not_found")
            return None
        row, events, masked = loaded
        tenant = self.registry.get(row.tenant)
        view = self._view(p, tenant, self.workflow(tenant), row, events, masked, self.today())
        self._read(p, "case", [row.number])
        return view

    def file_row(self, p: Principal, case_id: str | int, action: str) -> CaseFile:
        """The row of the tenant's file numbered ``case_id``, for a service working on
        it (documents, roster comparisons); ``NOT_FOUND`` for a missing file or another
        tenant's, recorded in ``access_audit`` as ``action``."""
        number = case_number(case_id)
        row = (
            self.session.scalar(
                select(CaseFile).where(CaseFile.tenant == p.tenant, CaseFile.number == number)
            )
            if number
            else None
        )
        if row is None:
            self._refused(p, action, case_id, "not_found")
            raise no_such_file(case_id)
        return row

    def _read(self, p: Principal, action: str, numbers: Sequence[int]) -> None:
        """Record who read which files, and commit it (a read's only write)."""
        if numbers:
            repo.record_reads(self.session, p.tenant, p.user, p.role, action, numbers)
            self._finish()

    @one_call_scope
    def get_case(self, principal: Principal | None, case_id: str | int) -> CaseView:
        """The file, or ``NOT_FOUND`` (also for another tenant's file)."""
        view = self.find_case(principal, case_id)
        if view is None:
            raise no_such_file(case_id)
        return view

    @one_call_scope
    def list_cases(
        self,
        principal: Principal | None,
        tenant: str,
        status: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> list[CaseView]:
        """A page of the tenant's files, oldest first, after the cursor ``after``."""
        p = self._staff(principal, "cases", tenant)
        code = self.registry.get(tenant).code
        self._own_tenant(p, code, "cases")
        if not 0 <= first <= MAX_PAGE:
            raise bad_input(
                f"'first' must be between 0 and {MAX_PAGE}", f"每页条数应在0到{MAX_PAGE}之间"
            )
        cursor = None
        if after:
            cursor = case_number(after)
            if cursor is None:
                raise bad_input(f"'after' {after!r} is not a case id", "翻页游标不是档案编号")
        rows = repo.page_of_cases(self.session, code, status, first, cursor)
        views = self._views(p, rows)
        self._read(p, "cases", [r.number for r in rows])
        return views

    @one_call_scope
    def overdue(
        self,
        principal: Principal | None,
        tenant: str | None = None,
        on: date | None = None,
        first: int = 100,
    ) -> list[CaseView]:
        """The tenant's files with a deadline passed by ``on`` (today), most overdue first."""
        p = self._staff(principal, "overdueCases", tenant or "")
        code = self.registry.get(tenant or p.tenant).code
        self._own_tenant(p, code, "overdueCases")
        on = on or self.today()
        rows = repo.overdue_cases(self.session, code, on, min(max(first, 0), MAX_PAGE))
        views = [v for v in self._views(p, rows) if v.overdue_on(on)]
        self._read(p, "overdueCases", [int(v.id) for v in views])
        return views

    @one_call_scope
    def find_by_id_number(self, principal: Principal | None, id_number: str) -> list[CaseView]:
        """The files of the caller's tenant with a member of this resident ID number."""
        p = self._staff(principal, "findByIdNumber", "")
        numbers = repo.find_by_id_hash(self.session, p.tenant, hash_id_number(id_number))
        rows = [r for r in (repo.find_case(self.session, p.tenant, n) for n in numbers) if r]
        views = self._views(p, rows)
        self._read(p, "findByIdNumber", [r.number for r in rows])
        return views

    @one_call_scope
    def changes(
        self, principal: Principal | None, case_id: str | int
    ) -> list[tuple[EventView, DeterminationChange | None]]:
        """Each step of a file with what changed since the step before it, and whether the
        change came from the facts or from the rules."""
        view = self.get_case(principal, case_id)
        out: list[tuple[EventView, DeterminationChange | None]] = []
        previous = None
        for event in view.history:
            change = (
                compare_determinations(previous.determination, event.determination)
                if previous
                else None
            )
            out.append((event, change))
            previous = event
        return out
