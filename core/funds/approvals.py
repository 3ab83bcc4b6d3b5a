"""Proposals and approvals: a payment proposed from a file's determination, approved by a
second person within the fund's income (量入为出), or rejected with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_
from sqlalchemy.exc import IntegrityError

from core.auth.principal import Principal
from core.cases.service import CaseService
from core.db.session import scope_to_tenant
from core.errors import RULE_VIOLATION, BangfuError, bad_input
from core.funds import entitlement, ledger, periods
from core.funds.desk import (
    APPROVERS,
    PROPOSERS,
    FundsDesk,
    Shortfall,
    checked_source,
    checked_text,
    conflict,
    forbidden,
    one_call_scope,
    payment_not_found,
    row_of,
    shortfall_error,
    small_number,
)
from core.funds.in_kind import given_in_kind
from core.funds.models import FundPayment
from core.funds.once import given_in_another_form
from core.funds.payments import PROPOSED, STATES, apply_move, rows_of
from core.model import BENEFIT_FORMS, BenefitForm
from core.workflow.engine import procedure_of


class Approvals(FundsDesk):
    @one_call_scope
    def propose(
        self,
        principal: Principal | None,
        case_id: str | int,
        programme: str,
        period: str,
        source: str,
    ) -> FundPayment:
        """Propose a payment of ``programme`` for ``period`` to a filed case, for the
        amount of its latest determination, linked to that determination record."""
        p = self._staff(principal, PROPOSERS)
        source = checked_source(source)
        periods.parse_period(period)  # the form first: BAD_INPUT before anything is read
        case = CaseService(self.session, self.registry, today=self.today).get_case(p, case_id)
        scope_to_tenant(self.session, p.tenant)
        tenant = self.registry.get(case.tenant)
        procedure = procedure_of(tenant)
        if procedure is None or case.status not in procedure.admitted:
            raise BangfuError(
                RULE_VIOLATION,
                f"case {case.id} is not filed ({case.status}): only a filed case is paid",
                f"档案 {case.id} 尚未建档({case.status_zh}),只有已建档的困难职工才能发放",
                {"status": case.status},
            )
        known = {pr.code: pr for pr in tenant.programmes}
        if programme not in known:
            raise bad_input(
                f"the tenant has no programme {programme[:40]!r}",
                f"本地区没有帮扶项目 {programme[:40]}",
            )
        form = known[programme].form
        if form != BenefitForm.FUND_CASH:
            zh, en, _fund = BENEFIT_FORMS[form]
            raise BangfuError(
                RULE_VIOLATION,
                f"{programme} is {en}, not cash from a fund: it is issued as a document "
                "(benefitDocument), or distributed in kind, never paid through the bank",
                f"{known[programme].name}属于{zh},不由帮扶资金以现金支付,"
                "请出具证明文书或按实物发放",
                {"guard": "fund_cash_only", "form": str(form)},
            )
        # the determination in force: new facts waiting for a second person pay nothing yet
        row_id = self.session.scalar(row_of(p.tenant, case.id))
        steps = entitlement.history(self.session, p.tenant, [row_id]).get(row_id, [])
        grant = entitlement.grant_of(steps, programme, procedure.admitted)
        if grant is None or grant.amount_fen is None:
            raise BangfuError(
                RULE_VIOLATION,
                f"the determination of case {case.id} gives no money under {programme}",
                f"档案 {case.id} 的认定结果中没有{known[programme].name}的现金帮扶",
                {"programme": programme},
            )
        today = self.today()
        due = periods.payable(
            period,
            known[programme].period,
            known[programme].name,
            grant.took_effect,
            today,
            tenant.parameters(today).integer(periods.AHEAD),
            grant.granted_by,
        )
        when = due.period
        if (row_id, programme) in given_in_kind(self.session, p.tenant, due.key):
            raise given_in_kind_error(case.id, programme, known[programme].name, due.key)
        record = next(r for i, _s, r, _on in steps if i == grant.in_force)
        payment = FundPayment(
            tenant=p.tenant,
            case_id=row_id,
            determination_id=grant.in_force,
            determined_on=grant.took_effect,
            ruleset=str(record.get("ruleset", ""))[:40],
            programme=programme,
            period=when.text,
            period_key=due.key,
            year=when.year,
            source=source,
            amount_fen=grant.amount_fen,
            status=PROPOSED,
            proposed_by=p.user,
            proposed_on=today,
            sendings=0,
            version=1,
        )
        self.session.add(payment)
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            if given_in_another_form(exc):  # a distribution line raced past the look above
                raise given_in_kind_error(
                    case.id, programme, known[programme].name, due.key
                ) from None
            once = due.key.startswith("once:")
            raise conflict(
                f"case {case.id} already has a payment of {programme} for "
                + ("this determination (a one-off)" if once else due.key),
                f"档案 {case.id} "
                + ("该项认定" if once else f"在{due.key}")
                + f"已有{known[programme].name}的支付,不重复发放",
                period=when.text,
                periodKey=due.key,
            ) from None
        self._commit()
        return self._answer(payment)

    @one_call_scope
    def approve(self, principal: Principal | None, payment_ids: Sequence[str | int]) -> int:
        """Approve proposed payments (four eyes: not one's own proposal). Refused with
        ``RULE_VIOLATION`` naming the shortfall when a fund would go below zero; safe when
        approvals race (the fund is locked while it is summed and booked)."""
        p = self._staff(principal, APPROVERS)
        ids = _ids(payment_ids)
        self._fresh()
        rows = rows_of(self.session, p.tenant, FundPayment.id.in_(ids), None)
        missing = set(ids) - {r.id for r in rows}
        if missing:
            raise payment_not_found(min(missing))
        return self._approve(p, rows, FundPayment.id.in_(ids))

    @one_call_scope
    def approve_run(self, principal: Principal | None, run_id: str | int) -> int:
        """Approve every proposed payment of a run, as one decision."""
        p = self._staff(principal, APPROVERS)
        run = self._run(p, run_id)
        self._fresh()
        self._lock(p, [(run.year, run.source)])
        rows = rows_of(self.session, p.tenant, FundPayment.run_id == run.id, PROPOSED)
        return self._approve(p, rows, FundPayment.run_id == run.id, locked=True)

    def _approve(self, p: Principal, rows: list[Any], where: Any, locked: bool = False) -> int:
        if not locked:
            self._lock(p, [(r.year, r.source) for r in rows])
            rows = rows_of(self.session, p.tenant, where, None)
        for r in rows:
            if r.status != PROPOSED:
                raise conflict(
                    f"payment {r.id} is {r.status}, not waiting for approval",
                    f"支付 {r.id} 状态为{STATES[r.status][0]},不在待审批中",
                    payment=str(r.id),
                )
        lapsed = self._not_entitled(p, and_(where, FundPayment.status == PROPOSED))
        if lapsed and not locked:  # payments chosen one by one: the approver is told
            raise not_entitled_error(lapsed)
        if lapsed:  # a run: what is no longer entitled is stopped, the rest approved
            self._stop(p, rows, lapsed, "stop")
            rows = [r for r in rows if r.id not in lapsed]
        own = [r.id for r in rows if r.proposed_by == p.user]
        if own:
            raise forbidden(
                "four eyes: you proposed these payments, someone else must approve them",
                "双人审批:本人提出的支付须由他人审批",
            )
        needed: dict[tuple[int, str], int] = {}
        for r in rows:
            needed[(r.year, r.source)] = needed.get((r.year, r.source), 0) + r.amount_fen
        short = []
        for fund, amount in sorted(needed.items()):
            left = ledger.available(self.session, p.tenant, *fund)
            if amount > left:
                short.append(Shortfall(fund, amount, left))
        if short:
            raise shortfall_error(short)
        today = self.today()
        apply_move(
            self.session, p, rows, "approve", where, today, approved_by=p.user, approved_on=today
        )
        self._commit()
        return len(rows)

    @one_call_scope
    def reject(self, principal: Principal | None, payment_id: str | int, reason: str) -> None:
        p = self._staff(principal, APPROVERS)
        checked_text(reason, "the reason", "不予批准的理由", required=True)
        self._fresh()
        row = self._payment(p, payment_id)
        rows = rows_of(self.session, p.tenant, FundPayment.id == row.id, PROPOSED)
        if not rows:
            raise conflict(
                f"payment {row.id} is not waiting for approval", f"支付 {row.id} 不在待审批中"
            )
        apply_move(
            self.session,
            p,
            rows,
            "reject",
            FundPayment.id == row.id,
            self.today(),
            bank_note=reason[:200],
        )
        self._commit()


def given_in_kind_error(case: object, programme: str, name: str, key: str) -> BangfuError:
    return conflict(
        f"case {case} was given {programme} for {key} in kind already",
        f"档案 {case} 在{key}已以实物或购物券发放{name},不重复发放",
        periodKey=key,
    )


def not_entitled_error(lapsed: dict[int, tuple[str, str]]) -> BangfuError:
    listed = sorted(lapsed.items())[:20]
    return BangfuError(
        RULE_VIOLATION,
        "no longer entitled, not approved: "
        + "; ".join(f"payment {pid}: {en}" for pid, (_zh, en) in listed),
        "以下支付已无发放依据,不予审批:"
        + ";".join(f"支付 {pid}:{zh}" for pid, (zh, _en) in listed),
        {
            "guard": "still_entitled",
            "payments": [{"payment": str(pid), "reason": zh} for pid, (zh, _en) in listed],
        },
    )


def _ids(payment_ids: Sequence[str | int]) -> list[int]:
    ids = []
    for value in payment_ids:
        number = small_number(value)
        if number is None:
            raise payment_not_found(value)
        ids.append(number)
    if not ids:
        raise bad_input("no payment given", "未选择支付")
    return sorted(set(ids))
