"""Payees' bank accounts (一卡通代发): the account a file's payments are paid into.

Kept sealed at rest (:mod:`core.sealing`, bound to the tenant and the file), shown masked
everywhere (``6222********1234``), opened only to write the bank file
(:meth:`core.funds.sending.Sending.send_to_bank`). An account is 10 to 30 digits, as the
bank prints it (spaces and dashes typed between groups are dropped).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.cases.service import CaseService
from core.db.session import scope_to_tenant
from core.errors import bad_input, not_found
from core.funds.desk import PROPOSERS, FundsDesk, checked_text, one_call_scope, row_of
from core.funds.models import PayeeAccount
from core.sealing import open_sealed, seal

PURPOSE = "payee accounts"


def _owner(tenant: str, case_row: int) -> str:
    return f"{tenant}/{case_row}"


def checked_account(value: str) -> str:
    digits = "".join(ch for ch in (value or "") if ch not in " -")
    if not (digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 30):
        raise bad_input(
            "a bank account is 10 to 30 digits", "银行账号(一卡通)应为10至30位数字", field="account"
        )
    return digits


def mask_account(digits: str) -> str:
    """6222021234567890123 -> 6222***********0123: the bank's first four and last four."""
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def accounts_of(session: Session, tenant: str, case_rows: Iterable[int]) -> dict[int, str]:
    """The opened accounts of the files (by row key): for the bank file only."""
    rows = session.execute(
        select(PayeeAccount.case_id, PayeeAccount.sealed).where(
            PayeeAccount.tenant == tenant, PayeeAccount.case_id.in_(list(case_rows))
        )
    )
    return {case: open_sealed(sealed, PURPOSE, _owner(tenant, case)) for case, sealed in rows}


def masked_accounts(session: Session, tenant: str) -> dict[int, str]:
    rows = session.execute(
        select(PayeeAccount.case_id, PayeeAccount.masked).where(PayeeAccount.tenant == tenant)
    )
    return {case: masked for case, masked in rows}


class Accounts(FundsDesk):
    @one_call_scope
    def set_payee_account(
        self,
        principal: Principal | None,
        case_id: str | int,
        account: str,
        bank: str | None = None,
    ) -> str:
        """Record (or replace) the file's bank account; the masked account."""
        p = self._staff(principal, PROPOSERS)
        digits = checked_account(account)
        bank = checked_text(bank, "the bank", "开户银行")
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        row_id = self.session.scalar(row_of(p.tenant, case.id))
        assert row_id is not None
        found = self.session.scalar(
            select(PayeeAccount).where(
                PayeeAccount.tenant == p.tenant, PayeeAccount.case_id == row_id
            )
        )
        values = {
            "sealed": seal(digits, PURPOSE, _owner(p.tenant, row_id)),
            "masked": mask_account(digits),
            "bank": bank,
            "recorded_by": p.user,
            "recorded_on": self.today(),
        }
        if found is None:
            self.session.add(PayeeAccount(tenant=p.tenant, case_id=row_id, **values))
        else:
            for key, value in values.items():
                setattr(found, key, value)
        self._commit()
        return str(values["masked"])

    @one_call_scope
    def payee_account(self, principal: Principal | None, case_id: str | int) -> str | None:
        """The file's bank account, masked; None when none is recorded."""
        p = self._staff(principal)
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        return self.session.scalar(
            select(PayeeAccount.masked).where(
                PayeeAccount.tenant == p.tenant,
                PayeeAccount.case_id == row_of(p.tenant, case.id).scalar_subquery(),
            )
        )

    @one_call_scope
    def remove_payee_account(self, principal: Principal | None, case_id: str | int) -> str:
        """Remove the file's bank account (closed, or recorded on the wrong file); the
        masked account removed. ``NOT_FOUND`` when none is recorded. The next bank file
        refuses to carry the file until another is recorded."""
        p = self._staff(principal, PROPOSERS)
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        row_id = self.session.scalar(row_of(p.tenant, case.id))
        masked = self.session.scalar(
            select(PayeeAccount.masked).where(
                PayeeAccount.tenant == p.tenant, PayeeAccount.case_id == row_id
            )
        )
        if masked is None:
            raise not_found(
                f"file {case.id} has no bank account recorded", f"档案 {case.id} 未登记一卡通账号"
            )
        self.session.execute(
            delete(PayeeAccount).where(
                PayeeAccount.tenant == p.tenant, PayeeAccount.case_id == row_id
            )
        )
        self._commit()
        return masked
