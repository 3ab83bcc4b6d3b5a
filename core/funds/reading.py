"""Reading the ledger: balances, entries, payments, runs, and the determination record a
payment was computed from. Every regional staff role may read its own tenant's."""

from __future__ import annotations

from sqlalchemy import select

from core.auth.principal import Principal
from core.db.models import CaseEvent
from core.errors import BangfuError, bad_input
from core.funds import ledger
from core.funds.desk import (
    MAX_PAGE,
    FundsDesk,
    checked_source,
    checked_year,
    one_call_scope,
    row_of,
    small_number,
)
from core.funds.ledger import FundBalance
from core.funds.models import FundEntry, FundPayment, FundRun
from core.funds.payments import STATES


def _page(first: int) -> int:
    if not 0 <= first <= MAX_PAGE:
        raise bad_input(f"'first' must be 0 to {MAX_PAGE}", f"每页条数应在0到{MAX_PAGE}之间")
    return first


class Reading(FundsDesk):
    @one_call_scope
    def balances(self, principal: Principal | None, year: int | None = None) -> list[FundBalance]:
        p = self._staff(principal)
        return ledger.balances(self.session, p.tenant, checked_year(year) if year else None)

    @one_call_scope
    def entries(
        self,
        principal: Principal | None,
        year: int,
        source: str | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> list[FundEntry]:
        p = self._staff(principal)
        query = select(FundEntry).where(
            FundEntry.tenant == p.tenant, FundEntry.year == checked_year(year)
        )
        if source:
            query = query.where(FundEntry.source == checked_source(source))
        if after:
            query = query.where(FundEntry.id > after)
        return list(self.session.scalars(query.order_by(FundEntry.id).limit(_page(first))))

    @one_call_scope
    def payments(
        self,
        principal: Principal | None,
        status: str | None = None,
        case_id: str | None = None,
        run_id: str | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> list[FundPayment]:
        p = self._staff(principal)
        _page(first)
        query = select(FundPayment).where(FundPayment.tenant == p.tenant)
        if status:
            if status not in STATES:
                raise bad_input(
                    f"unknown payment status {status[:20]!r}; one of {', '.join(STATES)}",
                    "支付状态有误",
                )
            query = query.where(FundPayment.status == status)
        if case_id is not None:
            number = small_number(case_id)
            if number is None:
                return []
            query = query.where(FundPayment.case_id == row_of(p.tenant, number).scalar_subquery())
        if run_id is not None:
            query = query.where(FundPayment.run_id == self._run(p, run_id).id)
        if after:
            query = query.where(FundPayment.id > after)
        return list(self.session.scalars(query.order_by(FundPayment.id).limit(first)))

    @one_call_scope
    def payment(self, principal: Principal | None, payment_id: str | int) -> FundPayment | None:
        p = self._staff(principal)
        try:
            return self._payment(p, payment_id)
        except BangfuError:
            return None

    @one_call_scope
    def determination_of(self, principal: Principal | None, payment: FundPayment) -> dict:
        """The determination record a payment was computed from (rule set, parameters)."""
        p = self._staff(principal)
        record = self.session.scalar(
            select(CaseEvent.determination).where(
                CaseEvent.tenant == p.tenant, CaseEvent.id == payment.determination_id
            )
        )
        return dict(record or {})

    @one_call_scope
    def runs_of(self, principal: Principal | None) -> list[FundRun]:
        p = self._staff(principal)
        return list(
            self.session.scalars(
                select(FundRun).where(FundRun.tenant == p.tenant).order_by(FundRun.id.desc())
            )
        )
