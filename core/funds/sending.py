"""Sending to the bank (一卡通代发) and its answer: the bank file of a published run, the
bank's result (paid or returned), 补发 (reissue) and 追回 (recover).

The file formats themselves are :mod:`core.funds.bank`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.db.models import CaseFile, MemberIdentity
from core.errors import RULE_VIOLATION, BangfuError, bad_input
from core.funds.accounts import accounts_of
from core.funds.desk import TREASURERS, conflict, one_call_scope, small_number
from core.funds.ledger import EXPENSE
from core.funds.models import FundEntry, FundPayment, PayeeAccount
from core.funds.payments import APPROVED, RETURNED, SENT, apply_move, rows_of
from core.funds.runs import Runs, applicant_name
from core.money import format_yuan

#: The states whose payment the bank file may list: approved (about to be sent) or sent.
WAITING = (APPROVED, SENT)


def altered(session: Session, tenant: str, where: Any) -> list[int]:
    """Payments matching ``where`` (all approved, so booked as spent) whose amount is not
    the amount their approval booked in the ledger: someone altered the row."""
    booked = (
        select(FundEntry.payment_id, func.sum(FundEntry.amount_fen).label("spent"))
        .where(
            FundEntry.tenant == tenant,
            FundEntry.account == EXPENSE,
            FundEntry.payment_id.in_(
                select(FundPayment.id).where(FundPayment.tenant == tenant, where)
            ),
        )
        .group_by(FundEntry.payment_id)
        .subquery()
    )
    rows = session.execute(
        select(FundPayment.id)
        .outerjoin(booked, booked.c.payment_id == FundPayment.id)
        .where(
            FundPayment.tenant == tenant,
            where,
            func.coalesce(booked.c.spent, 0) != FundPayment.amount_fen,
        )
        .order_by(FundPayment.id)
    )
    return [r[0] for r in rows]


def altered_error(ids: list[int]) -> BangfuError:
    shown = ", ".join(str(i) for i in ids[:20])
    return BangfuError(
        RULE_VIOLATION,
        f"the amount of payment(s) {shown} differs from the amount approved in the ledger: "
        "nothing was sent; the payments must be examined",
        f"支付 {shown} 的金额与台账中审批的金额不符,本次未报送银行,请核查",
        {"guard": "amount_as_approved", "payments": [str(i) for i in ids[:100]]},
    )


def without_account(session: Session, tenant: str, where: Any) -> list[int]:
    """The numbers of the files of payments matching ``where`` with no bank account
    (一卡通) recorded: the bank cannot pay a line without one."""
    has_account = (
        select(PayeeAccount.id)
        .where(PayeeAccount.tenant == tenant, PayeeAccount.case_id == FundPayment.case_id)
        .exists()
    )
    rows = session.execute(
        select(CaseFile.number)
        .join(FundPayment, FundPayment.case_id == CaseFile.id)
        .where(FundPayment.tenant == tenant, where, ~has_account)
        .distinct()
        .order_by(CaseFile.number)
    )
    return [r[0] for r in rows]


def without_account_error(numbers: list[int]) -> BangfuError:
    shown = ", ".join(str(n) for n in numbers[:20]) + (" ..." if len(numbers) > 20 else "")
    return BangfuError(
        RULE_VIOLATION,
        f"{len(numbers)} file(s) have no bank account (一卡通) recorded: {shown}. Nothing "
        "was sent: record their accounts (setPayeeAccount, or `bangfu funds account set`), "
        "then send the run again",
        f"以下{len(numbers)}户档案未登记一卡通账号,本次未报送银行:档案 {shown.replace(', ', '、')}。"
        "请先登记收款账号,再报送",
        {"guard": "payee_account", "cases": [str(n) for n in numbers[:100]]},
    )


def _fen_or_none(amount: str | None) -> int | None:
    from decimal import Decimal, InvalidOperation

    from core.money import to_fen

    try:
        return to_fen(Decimal(str(amount).replace(",", "").strip())) if amount else None
    except (InvalidOperation, ValueError, ArithmeticError):
        return None


class Sending(Runs):
    @one_call_scope
    def send_to_bank(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        """The bank file of a published run: every approved payment is sent (its money
        leaves the dedicated account), and the file lists every payment of the run now
        waiting for the bank's answer (reissued ones included). Sending again sends
        nobody twice.

        Refused as a whole (``RULE_VIOLATION``, nothing changes) when a payment the file
        would list has no payee account: the treasurer records the accounts of the files
        named and sends the run, as published, in one bank file."""
        p = self._staff(principal, TREASURERS)
        run = self._run(p, run_id)
        if run.published_on is None:
            raise BangfuError(
                RULE_VIOLATION,
                "publish the list first (公示), then send it to the bank",
                "发放清册须先公示,再报送银行",
                {"guard": "published_first"},
            )
        self._fresh()
        self._lock(p, [(run.year, run.source)])
        where = FundPayment.run_id == run.id
        changed = altered(self.session, p.tenant, and_(where, FundPayment.status.in_(WAITING)))
        if changed:
            raise altered_error(changed)
        rows = rows_of(self.session, p.tenant, where, APPROVED)
        lapsed = self._not_entitled(p, and_(where, FundPayment.status == APPROVED))
        # every line of the bank file needs the payee's account: else nothing is sent
        listed = and_(where, FundPayment.status.in_(WAITING), FundPayment.id.not_in(list(lapsed)))
        lacking = without_account(self.session, p.tenant, listed)
        if lacking:
            raise without_account_error(lacking)
        if lapsed:  # an exit, a hand-over, new facts: stopped, the approval reversed
            self._stop(p, rows, lapsed, "withdraw")
            rows = [r for r in rows if r.id not in lapsed]
        if rows:
            apply_move(
                self.session,
                p,
                rows,
                "send",
                and_(where, FundPayment.status == APPROVED),
                self.today(),
            )
        self._commit()
        return self.bank_rows(p, where)

    def bank_rows(self, p: Principal, where: Any) -> list[dict[str, Any]]:
        """The bank file's lines: the payments sent, each amount the one approved (checked
        against the ledger's approval: an amount altered in the database is refused)."""
        changed = altered(self.session, p.tenant, and_(where, FundPayment.status == SENT))
        if changed:
            raise altered_error(changed)
        lacking = without_account(self.session, p.tenant, and_(where, FundPayment.status == SENT))
        if lacking:  # an account removed since: no line without one is written
            raise without_account_error(lacking)
        masked = self._masked_ids(p)
        lines = self._with_households(p, and_(where, FundPayment.status == SENT))
        # the one place an account is opened: the bank file (masked everywhere else)
        account = accounts_of(self.session, p.tenant, {pay.case_id for pay, _ in lines})
        return [
            {
                "payment": pay.id,
                "case": pay.case_number,
                "name": applicant_name(household),
                "idNumber": masked.get(pay.case_id, ""),
                "account": account.get(pay.case_id, ""),
                "programme": pay.programme,
                "period": pay.period,
                "amount": format_yuan(pay.amount_fen),
                "sending": pay.sendings,
            }
            for pay, household in lines
        ]

    def _masked_ids(self, p: Principal) -> dict[int, str]:
        rows = self.session.execute(
            select(MemberIdentity.case_id, MemberIdentity.id_masked).where(
                MemberIdentity.tenant == p.tenant, MemberIdentity.member_index == 0
            )
        )
        return {case_id: masked for case_id, masked in rows}

    @one_call_scope
    def import_bank_result(
        self,
        principal: Principal | None,
        results: Sequence[tuple[str, str, str, str | None]],
    ) -> dict[str, int]:
        """The bank's answer: (payment id, "paid" or "returned", note, amount paid) per
        payment. The whole file is refused (``BAD_INPUT``, every problem listed) when any
        line is wrong: a payment not sent, unknown, or twice in the file, or paid without
        the amount or with an amount other than the one sent; nothing changes."""
        p = self._staff(principal, TREASURERS)
        problems: list[str] = []
        wanted: dict[int, tuple[str, str]] = {}
        amounts: dict[int, int] = {}
        for i, (given, outcome, note, amount) in enumerate(results, 1):
            number = small_number(given)
            if number is None:
                problems.append(f"line {i}: {str(given)[:20]!r} is not a payment number")
                continue
            if outcome not in ("paid", "returned"):
                problems.append(f"line {i}: result {outcome[:20]!r} is neither paid nor returned")
                continue
            if number in wanted:
                problems.append(f"line {i}: payment {number} is in the file twice")
                continue
            fen = _fen_or_none(amount)
            if outcome == "paid" and fen is None:
                problems.append(
                    f"line {i}: payment {number} is paid without a valid amount "
                    f"({str(amount or '')[:20]!r}) / 第{i}行未写明实付金额"
                )
                continue
            if fen is not None:
                amounts[number] = fen
            wanted[number] = (outcome, (note or "")[:200])
        self._fresh()
        rows = (
            rows_of(self.session, p.tenant, FundPayment.id.in_(list(wanted)), None)
            if wanted
            else []
        )
        found = {r.id: r for r in rows}
        for pid in wanted:
            r = found.get(pid)
            if r is None:
                problems.append(f"payment {pid}: none that you may see")
            elif r.status != SENT:
                problems.append(f"payment {pid}: it is {r.status}, not waiting for the bank")
            elif pid in amounts and amounts[pid] != r.amount_fen:
                problems.append(
                    f"payment {pid}: the bank paid {format_yuan(amounts[pid])}, "
                    f"{format_yuan(r.amount_fen)} was sent / 实付金额与报送金额不符"
                )
        if problems:
            raise bad_input(
                "the bank's result file was not imported: " + "; ".join(problems[:20]),
                "银行回盘文件未导入,有误:" + ";".join(problems[:20]),
                problems=problems[:100],
            )
        if not rows:
            raise bad_input("the bank's result file is empty", "银行回盘文件为空")
        self._lock(p, [(r.year, r.source) for r in rows])
        counts = {"paid": 0, "returned": 0}
        today = self.today()
        for outcome, move in (("paid", "paid"), ("returned", "return")):
            chosen = [r for r in rows if wanted[r.id][0] == outcome]
            if not chosen:
                continue
            for start in range(0, len(chosen), 1000):
                part = chosen[start : start + 1000]
                apply_move(
                    self.session, p, part, move, FundPayment.id.in_([r.id for r in part]), today
                )
            counts[outcome] = len(chosen)
        notes = {pid: note for pid, (_, note) in wanted.items() if note}
        for pid, note in notes.items():
            self.session.execute(
                update(FundPayment)
                .where(FundPayment.tenant == p.tenant, FundPayment.id == pid)
                .values(bank_note=note)
                .execution_options(synchronize_session=False)
            )
        self._commit()
        return counts

    @one_call_scope
    def reissue(self, principal: Principal | None, payment_id: str | int) -> None:
        """补发: a returned payment is sent to the bank again."""
        self._after_return(principal, payment_id, "reissue")

    @one_call_scope
    def recover(self, principal: Principal | None, payment_id: str | int) -> None:
        """追回: a returned payment is not paid after all; its money is free again."""
        self._after_return(principal, payment_id, "recover")

    def _after_return(self, principal: Principal | None, payment_id: str | int, move: str) -> None:
        p = self._staff(principal, TREASURERS)
        self._fresh()
        row = self._payment(p, payment_id)
        self._lock(p, [(row.year, row.source)])
        rows = rows_of(self.session, p.tenant, FundPayment.id == row.id, RETURNED)
        if not rows:
            raise conflict(
                f"payment {row.id} was not returned by the bank", f"支付 {row.id} 不是退票"
            )
        apply_move(self.session, p, rows, move, FundPayment.id == row.id, self.today())
        self._commit()
