"""不重复建档: no second open file for the same person.

A member's ID number (its keyed hash) may be on one open file only, in this region or any
other; another region's file is never described, only said to exist.
"""

from __future__ import annotations

from core.auth.principal import Principal
from core.cases.access import CaseAccess, one_call_scope
from core.cases.privacy import hash_id_number
from core.db import repositories as repo
from core.db.models import CaseFile
from core.errors import rule_violation
from core.model import Household
from core.registry import Tenant
from core.workflow.engine import Workflow


def id_hashes(household: Household) -> set[str]:
    """The keyed hashes of the household's members' ID numbers (those given)."""
    return {hash_id_number(m.id_number) for m in household.members if m.id_number}


class Duplicates(CaseAccess):
    """The duplicate check of opening a file and of a step that brings new facts."""

    @one_call_scope
    def open_elsewhere(self, principal: Principal | None, id_number: str) -> bool:
        """Whether another tenant holds an open file with a member of this ID number.

        Only yes or no: the other tenant's files stay unseen (the duplicate check when a
        file is opened; on PostgreSQL through ``bangfu_id_elsewhere``)."""
        p = self._staff(principal, "openCase", "")
        return self._open_elsewhere(p.tenant, hash_id_number(id_number))

    def _open_elsewhere(self, tenant_code: str, id_hash: str) -> bool:
        found = repo.id_statuses_elsewhere(self.session, tenant_code, id_hash)
        for code, status in found:
            tenant = self.registry.tenants.get(code)
            if tenant is None or self.workflow(tenant).procedure.is_open(status):
                return True
        return False

    def _refuse_duplicate_step(
        self,
        tenant: Tenant,
        flow: Workflow,
        row: CaseFile,
        new_household: Household | None,
        to_status: str,
    ) -> None:
        """不重复建档 for a step: new facts may not bring in an ID number that is on another
        open file, and a closed file may not open again (a re-entry) while one of its
        members has another open file. ID numbers the file already holds are not checked
        again while it stays open."""
        procedure = flow.procedure
        reopening = not procedure.is_open(row.status) and procedure.is_open(to_status)
        if new_household is None and not reopening:
            return
        held = repo.id_hashes_of(self.session, row.tenant, row.id)
        if new_household is None:
            checked = held
        else:
            checked = id_hashes(new_household) - (set() if reopening else held)
        self._refuse_duplicate(tenant, flow, checked, this_file=row.number)

    def _refuse_duplicate(
        self, tenant: Tenant, flow: Workflow, hashes: set[str], this_file: int | None = None
    ) -> None:
        """不重复建档: no file is opened for a household one of whose members' ID numbers
        (``hashes``, keyed) is on an open file already (other than ``this_file``), this
        tenant's (its number is named) or another's (nothing of it is said but that it
        exists). Checks for one ID number take turns
        (:func:`core.db.repositories.lock_id_hashes`): two at once cannot both pass."""
        if not hashes:
            return
        repo.lock_id_hashes(self.session, hashes)
        for id_hash in sorted(hashes):  # the same hash named first whatever the order given
            for number, status in repo.id_statuses_here(self.session, tenant.code, id_hash):
                if number != this_file and flow.procedure.is_open(status):
                    raise rule_violation(
                        f"file {number} of this region is open for a member of this household "
                        "(the same ID number): work on that file instead of opening another",
                        f"该户成员的身份证号在本地区已有在办档案(档案编号 {number}),"
                        "请在原档案中办理,不要重复建档",
                        case=str(number),
                    )
            if self._open_elsewhere(tenant.code, id_hash):
                raise rule_violation(
                    "another region has an open file for a member of this household (the same "
                    "ID number), so no file can be opened here: please contact the union at "
                    "the level above",
                    "该户成员的身份证号在其他地区已有在办档案,不能在本地区建档。"
                    "请联系上级工会核实处理",
                )
