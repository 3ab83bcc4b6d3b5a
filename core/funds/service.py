"""The funds service: receipts, payments, runs, the bank, reconciliation, for a principal.

Every function takes the principal who asks and enforces roles and tenant scoping as the
case service does: the session is bound to the caller's tenant (the ORM filter, and
``app.tenant`` for PostgreSQL's row-level security); a payment or journal of another
tenant answers exactly like a missing one (``NOT_FOUND``); anonymous callers are
``UNAUTHENTICATED``; the national level sees spending totals only
(:mod:`core.funds.reports`). A refused request changes nothing: each mutation is one
transaction, committed only when every check passed.

The server owns the clock: every movement is booked on the service's ``today``; only a
receipt carries a date of its own (the date on its document), which may not be later than
today.

Who may do what (roles of ``shared/spec/CONTRACT.md``):

* read balances, entries, payments: every regional staff role;
* propose a payment, start a run: caseworker, reviewer, approver, admin;
* approve or reject (four eyes: never one's own proposal): approver, chairman, admin;
* receipts, reversals, publication, the bank's files, reissue, recovery: approver,
  chairman, admin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth.principal import Principal, require_principal
from core.auth.roles import ADMIN, APPROVER, CASEWORKER, CHAIRMAN, NATIONAL, REVIEWER
from core.cases.service import CaseService
from core.db.models import CaseEvent, CaseFile
from core.db.session import TENANT_KEY, scope_to_tenant, tenant_scope
from core.errors import (
    CONFLICT,
    FORBIDDEN,
    RULE_VIOLATION,
    BangfuError,
    bad_input,
    not_found,
)
from core.funds import ledger, runs
from core.funds.ledger import (
    BANK,
    INCOME,
    RECEIPT,
    REVERSAL,
    SOURCES,
    FundBalance,
    Journal,
    Line,
)
from core.funds.models import FundEntry, FundPayment, FundRun
from core.funds.payments import (
    APPROVED,
    EXPECTED,
    MOVES,
    PAID,
    PROPOSED,
    RETURNED,
    SENT,
    STATES,
    lines,
)
from core.money import format_yuan
from core.registry import Registry
from core.workflow.engine import procedure_of

T = TypeVar("T")
READERS = frozenset({CASEWORKER, REVIEWER, APPROVER, CHAIRMAN, ADMIN})
PROPOSERS = frozenset({CASEWORKER, REVIEWER, APPROVER, ADMIN})
APPROVERS = frozenset({APPROVER, CHAIRMAN, ADMIN})
TREASURERS = frozenset({APPROVER, CHAIRMAN, ADMIN})
MAX_PAGE = 500
MAX_AMOUNT_FEN = 10**13  #: 100 billion yuan: a sane upper bound for one receipt
MAX_TEXT = 200


def _one_call_scope(method: Callable[..., T]) -> Callable[..., T]:
    """The session's tenant binding is restored after the call, and a refused or failed
    call is rolled back: it changes nothing."""

    @functools.wraps(method)
    def call(self: FundsService, *args: Any, **kwargs: Any) -> T:
        with tenant_scope(self.session, self.session.info.get(TENANT_KEY)):
            try:
                return method(self, *args, **kwargs)
            except BaseException:
                self.session.rollback()
                raise

    return call


def _text(value: str | None, what_en: str, what_zh: str, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise bad_input(f"{what_en} is required", f"请填写{what_zh}")
        return None
    if len(value) > MAX_TEXT or any(ord(ch) < 32 for ch in value):
        raise bad_input(
            f"{what_en} must be at most {MAX_TEXT} characters without control characters",
            f"{what_zh}不得超过{MAX_TEXT}字,且不得含控制字符",
        )
    return value


def _source(source: str) -> str:
    if source not in SOURCES:
        raise bad_input(
            f"unknown fund source {source[:40]!r}; one of {', '.join(SOURCES)}",
            f"资金来源应为:{'、'.join(zh for zh, _ in SOURCES.values())}",
            source=source[:40],
        )
    return source


def _year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise bad_input(f"the year {year} is out of range", "年度超出范围")
    return int(year)


def _payment_not_found(payment_id: object) -> BangfuError:
    return not_found(
        f"no payment {payment_id!s} that you may see", f"没有您可查看的支付 {payment_id!s}"
    )


def _forbidden(en: str, zh: str) -> BangfuError:
    return BangfuError(FORBIDDEN, en, zh)


def _conflict(en: str, zh: str, **details: Any) -> BangfuError:
    return BangfuError(CONFLICT, en, zh, details)


@dataclass(frozen=True)
class Shortfall:
    """What a refused approval lacked (量入为出)."""

    fund: tuple[int, str]
    needed: int
    available: int

    @property
    def missing(self) -> int:
        return self.needed - self.available


@dataclass
class Reconciliation:
    """A fund year's reconciliation: every payment in exactly one state, the ledger
    checked payment by payment, and the totals to the fen."""

    tenant: str
    year: int
    by_state: dict[str, tuple[int, int]]  #: state -> (payments, fen)
    balances: list[FundBalance]
    unbalanced_journals: list[str] = field(default_factory=list)
    mismatched_payments: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not (self.unbalanced_journals or self.mismatched_payments or self.problems)


@dataclass(frozen=True)
class RunResult:
    run: FundRun
    created: int  #: payments added by this call
    total: int  #: payments of the run
    total_fen: int


class FundsService:
    """The assistance funds ledger of every tenant, on behalf of a principal.

    :param session: the request's database session (the service commits its mutations)
    :param registry: the loaded tenants
    :param today: the date "today" means (the server's clock; tests pin it)
    """

    def __init__(
        self, session: Session, registry: Registry, today: Callable[[], date] = date.today
    ) -> None:
        self.session = session
        self.registry = registry
        self.today = today

    # ------------------------------------------------------------------ helpers
    def _staff(self, principal: Principal | None, roles: frozenset[str] = READERS) -> Principal:
        p = require_principal(principal)
        if p.is_national or p.tenant == NATIONAL:
            raise _forbidden(
                "the national level sees spending totals, not a tenant's ledger",
                "全国层级只查看支出汇总,不查看地方台账",
            )
        if p.role not in roles:
            raise _forbidden(
                f"the role {p.role!r} may not do this with the funds",
                f"角色 {p.role} 无权办理此项资金业务",
            )
        scope_to_tenant(self.session, p.tenant)
        return p

    def _fresh(self) -> None:
        """A mutation starts its own transaction, so that its first statement can be the
        fund's lock (SQLite: a read before the write lock could not be upgraded safely)."""
        if self.session.in_transaction():
            self.session.rollback()

    def _commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            raise _conflict(
                "the funds were changed by someone else meanwhile; reload and try again",
                "资金数据已被他人修改,请刷新后重试",
            ) from None

    def _payment(self, p: Principal, payment_id: str | int) -> FundPayment:
        text = str(payment_id)
        number = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
        row = self.session.get(FundPayment, number) if number else None
        if row is None or row.tenant != p.tenant:
            raise _payment_not_found(payment_id)
        return row

    def _lock(self, p: Principal, funds: Iterable[tuple[int, str]]) -> None:
        """Lock every fund in a fixed order (two callers never wait on each other), as the
        first statements of a new transaction: whatever was read before is read again."""
        funds = sorted(set(funds))
        self._fresh()
        for year, source in funds:
            ledger.lock_fund(self.session, p.tenant, year, source)

    # ------------------------------------------------------------------ receipts
    @_one_call_scope
    def record_receipt(
        self,
        principal: Principal | None,
        year: int,
        source: str,
        amount_fen: int,
        document: str,
        received_on: date | None = None,
        memo: str | None = None,
    ) -> str:
        """Record money received into a fund (Dr bank / Cr income); the journal id."""
        p = self._staff(principal, TREASURERS)
        year, source = _year(year), _source(source)
        document = _text(document, "the document reference", "凭证号或文号", required=True)
        memo = _text(memo, "the note", "摘要")
        if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_AMOUNT_FEN:
            raise bad_input("the amount must be a positive number of fen", "金额应为正数")
        today = self.today()
        on = received_on or today
        if on > today:
            raise bad_input(
                f"a receipt cannot be dated after today ({today})",
                f"收入日期不能晚于今天({today})",
            )
        self._fresh()
        journal = Journal(
            p.tenant,
            year,
            source,
            RECEIPT,
            on,
            p.user,
            p.role,
            (Line(BANK, amount_fen), Line(INCOME, -amount_fen)),
            document=document,
            memo=memo,
        )
        ledger.post(self.session, [journal])
        self._commit()
        return journal.id

    @_one_call_scope
    def reverse(self, principal: Principal | None, journal_id: str, memo: str) -> str:
        """Correct a receipt by a reversing journal (the ledger is append-only). Refused
        when the money was already committed: the fund may not go below zero."""
        p = self._staff(principal, TREASURERS)
        memo = _text(memo, "the reason", "冲销原因", required=True)
        self._fresh()
        found = list(
            self.session.scalars(
                select(FundEntry)
                .where(FundEntry.tenant == p.tenant, FundEntry.journal == str(journal_id)[:40])
                .order_by(FundEntry.line)
            )
        )
        if not found:
            raise not_found(f"no journal {journal_id!s:.40} that you may see", "没有该笔凭证")
        first = found[0]
        if first.kind != RECEIPT:
            raise BangfuError(
                RULE_VIOLATION,
                "only a receipt is corrected by reversal; a payment moves through its own "
                "steps (reject, return, recover)",
                "只有收入可冲销;支付请通过退回、追回等步骤处理",
            )
        self._lock(p, [(first.year, first.source)])
        already = self.session.scalar(
            select(func.count())
            .select_from(FundEntry)
            .where(FundEntry.tenant == p.tenant, FundEntry.reverses == first.journal)
        )
        if already:
            raise _conflict("this receipt was already reversed", "该笔收入已冲销")
        amount = sum(e.amount_fen for e in found if e.account == BANK)
        left = ledger.available(self.session, p.tenant, first.year, first.source)
        if amount > left:
            raise self._shortfall([Shortfall((first.year, first.source), amount, left)])
        journal = Journal(
            p.tenant,
            first.year,
            first.source,
            REVERSAL,
            self.today(),
            p.user,
            p.role,
            tuple(Line(e.account, -e.amount_fen, e.programme, e.payment_id) for e in found),
            document=first.document,
            memo=memo,
            reverses=first.journal,
        )
        ledger.post(self.session, [journal])
        self._commit()
        return journal.id

    # ------------------------------------------------------------------ payments
    @_one_call_scope
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
        source = _source(source)
        when = runs.parse_period(period)
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
        # the determination in force: new facts waiting for a second person pay nothing yet
        last = next(e for e in reversed(case.history) if not e.pending)
        entitled = dict(
            (code, amount)
            for code, amount in last.determination.get("outcome", {}).get("entitlements", [])
        )
        amount = entitled.get(programme)
        if amount in (None, "*"):
            raise BangfuError(
                RULE_VIOLATION,
                f"the determination of case {case.id} gives no money under {programme}",
                f"档案 {case.id} 的认定结果中没有{known[programme].name}的现金帮扶",
                {"programme": programme},
            )
        fen = runs.parse_entitlements(f"{programme}={amount}")[programme]
        row_id = self.session.scalar(_row_of(p.tenant, case.id))
        event_id = self.session.scalar(
            select(CaseEvent.id).where(
                CaseEvent.tenant == p.tenant,
                CaseEvent.case_id == row_id,
                CaseEvent.seq == last.seq,
            )
        )
        record = last.determination
        payment = FundPayment(
            tenant=p.tenant,
            case_id=row_id,
            determination_id=event_id,
            determined_on=date.fromisoformat(record.get("asOf") or last.on.isoformat()),
            ruleset=str(record.get("ruleset", ""))[:40],
            programme=programme,
            period=when.text,
            year=when.year,
            source=source,
            amount_fen=fen,
            status=PROPOSED,
            proposed_by=p.user,
            proposed_on=self.today(),
            sendings=0,
            version=1,
        )
        self.session.add(payment)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise _conflict(
                f"case {case.id} already has a payment of {programme} for {when.text}",
                f"档案 {case.id} 在{when.text}已有{known[programme].name}的支付,不重复发放",
                period=when.text,
            ) from None
        self._commit()
        return payment

    @_one_call_scope
    def approve(self, principal: Principal | None, payment_ids: Sequence[str | int]) -> int:
        """Approve proposed payments (four eyes: not one's own proposal). Refused with
        ``RULE_VIOLATION`` naming the shortfall when a fund would go below zero; safe when
        approvals race (the fund is locked while it is summed and booked)."""
        p = self._staff(principal, APPROVERS)
        ids = self._ids(payment_ids)
        self._fresh()
        rows = self._rows(p, ids)
        return self._approve(p, rows, FundPayment.id.in_(ids))

    @_one_call_scope
    def approve_run(self, principal: Principal | None, run_id: str | int) -> int:
        """Approve every proposed payment of a run, as one decision."""
        p = self._staff(principal, APPROVERS)
        run = self._run(p, run_id)
        self._fresh()
        self._lock(p, [(run.year, run.source)])
        rows = self._columns(p, FundPayment.run_id == run.id, PROPOSED)
        return self._approve(p, rows, FundPayment.run_id == run.id, locked=True)

    def _approve(self, p: Principal, rows: list[Any], where: Any, locked: bool = False) -> int:
        if not locked:
            self._lock(p, [(r.year, r.source) for r in rows])
            rows = self._columns(p, where, None)
        for r in rows:
            if r.status != PROPOSED:
                raise _conflict(
                    f"payment {r.id} is {r.status}, not waiting for approval",
                    f"支付 {r.id} 状态为{STATES[r.status][0]},不在待审批中",
                    payment=str(r.id),
                )
        own = [r.id for r in rows if r.proposed_by == p.user]
        if own:
            raise _forbidden(
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
            raise self._shortfall(short)
        self._move(p, rows, "approve", where, approved_by=p.user, approved_on=self.today())
        self._commit()
        return len(rows)

    def _shortfall(self, short: list[Shortfall]) -> BangfuError:
        en = "; ".join(
            f"fund {SOURCES[s.fund[1]][1]} {s.fund[0]}: needs {format_yuan(s.needed)} yuan, "
            f"has {format_yuan(s.available)}, short by {format_yuan(s.missing)}"
            for s in short
        )
        zh = ";".join(
            f"{s.fund[0]}年{SOURCES[s.fund[1]][0]}:需{format_yuan(s.needed)}元,"
            f"可用{format_yuan(s.available)}元,缺口{format_yuan(s.missing)}元"
            for s in short
        )
        return BangfuError(
            RULE_VIOLATION,
            f"spending only within income (量入为出): {en}",
            f"量入为出,资金不足:{zh}",
            {
                "guard": "within_income",
                "shortfalls": [
                    {
                        "year": s.fund[0],
                        "source": s.fund[1],
                        "needed": format_yuan(s.needed),
                        "available": format_yuan(s.available),
                        "shortfall": format_yuan(s.missing),
                    }
                    for s in short
                ],
            },
        )

    @_one_call_scope
    def reject(self, principal: Principal | None, payment_id: str | int, reason: str) -> None:
        p = self._staff(principal, APPROVERS)
        _text(reason, "the reason", "不予批准的理由", required=True)
        self._fresh()
        row = self._payment(p, payment_id)
        rows = self._columns(p, FundPayment.id == row.id, PROPOSED)
        if not rows:
            raise _conflict(
                f"payment {row.id} is not waiting for approval", f"支付 {row.id} 不在待审批中"
            )
        self._move(p, rows, "reject", FundPayment.id == row.id, bank_note=reason[:200])
        self._commit()

    # ------------------------------------------------------------------ moves
    def _ids(self, payment_ids: Sequence[str | int]) -> list[int]:
        ids = []
        for value in payment_ids:
            text = str(value)
            if not (text.isascii() and text.isdigit() and len(text) < 10):
                raise _payment_not_found(value)
            ids.append(int(text))
        if not ids:
            raise bad_input("no payment given", "未选择支付")
        return sorted(set(ids))

    def _rows(self, p: Principal, ids: list[int]) -> list[Any]:
        rows = self._columns(p, FundPayment.id.in_(ids), None)
        missing = set(ids) - {r.id for r in rows}
        if missing:
            raise _payment_not_found(min(missing))
        return rows

    def _columns(self, p: Principal, where: Any, status: str | None) -> list[Any]:
        query = select(
            FundPayment.id,
            FundPayment.year,
            FundPayment.source,
            FundPayment.amount_fen,
            FundPayment.programme,
            FundPayment.status,
            FundPayment.proposed_by,
        ).where(FundPayment.tenant == p.tenant, where)
        if status is not None:
            query = query.where(FundPayment.status == status)
        return list(self.session.execute(query.order_by(FundPayment.id)))

    def _move(self, p: Principal, rows: list[Any], move: str, where: Any, **values: Any) -> None:
        """Move ``rows`` (all in the move's start state, selected by ``where``) to its end
        state, and book its journal for each: one INSERT ... SELECT of the journals (two
        lines per payment, made by the database from the payments' own rows, so that
        100,000 payments cost one statement), then one conditional UPDATE whose count must
        be the rows' (else someone moved one meanwhile: ``CONFLICT``, nothing changes)."""
        start, end, kind = MOVES[move]
        selected = and_(FundPayment.tenant == p.tenant, FundPayment.status == start, where)
        if kind is not None:
            ledger.post_from_payments(
                self.session, selected, kind, lines(kind, 1, "", 0), self.today(), p.user, p.role
            )
        if move in ("send", "reissue"):
            values["sendings"] = FundPayment.sendings + 1
        changed = self.session.execute(
            update(FundPayment)
            .where(selected)
            .values(status=end, version=FundPayment.version + 1, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != len(rows):
            raise _conflict(
                "the payments were changed by someone else meanwhile; reload and try again",
                "支付已被他人修改,请刷新后重试",
            )

    # ------------------------------------------------------------------ runs
    @_one_call_scope
    def run(
        self,
        principal: Principal | None,
        period: str,
        source: str,
        progress: runs.Progress | None = None,
    ) -> RunResult:
        """The payment run (清册) of ``period`` from fund ``source``: a payment proposed
        for every filed case with a recurring entitlement of that cadence that has none
        yet. Running it again adds only what is missing, and pays nobody twice."""
        p = self._staff(principal, PROPOSERS)
        source = _source(source)
        when = runs.parse_period(period)
        tenant = self.registry.get(p.tenant)
        procedure = procedure_of(tenant)
        if procedure is None:
            raise bad_input("this tenant keeps no case files", "本地区不建档")
        self._fresh()
        today = self.today()
        run = self.session.scalar(
            select(FundRun).where(
                FundRun.tenant == p.tenant, FundRun.period == when.text, FundRun.source == source
            )
        )
        if run is None:
            run = FundRun(
                tenant=p.tenant,
                period=when.text,
                year=when.year,
                source=source,
                cadence=str(when.cadence),
                started_by=p.user,
            )
            self.session.add(run)
            try:
                self.session.flush()
            except IntegrityError:  # another run of the same period won the race
                self.session.rollback()
                scope_to_tenant(self.session, p.tenant)
                run = self.session.scalar(
                    select(FundRun).where(
                        FundRun.tenant == p.tenant,
                        FundRun.period == when.text,
                        FundRun.source == source,
                    )
                )
                assert run is not None
        before = self._count(FundPayment.run_id == run.id)
        due = runs.due_payments(
            self.session, tenant, procedure.admitted, runs.recurring(tenant, when.cadence)
        )
        rows = [runs.payment_row(p.tenant, d, when, source, run.id, p.user, today) for d in due]
        runs.insert_payments(self.session, rows, progress)
        total, total_fen = self._count(FundPayment.run_id == run.id, with_sum=True)
        self._commit()
        return RunResult(run, total - before, total, total_fen)

    def _count(self, where: Any, with_sum: bool = False) -> Any:
        row = self.session.execute(
            select(func.count(), func.coalesce(func.sum(FundPayment.amount_fen), 0)).where(where)
        ).one()
        return (int(row[0]), int(row[1])) if with_sum else int(row[0])

    def _run(self, p: Principal, run_id: str | int) -> FundRun:
        text = str(run_id)
        number = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
        run = self.session.get(FundRun, number) if number else None
        if run is None or run.tenant != p.tenant:
            raise not_found(f"no payment run {run_id!s:.20} that you may see", "没有该发放清册")
        return run

    @_one_call_scope
    def publish(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        """Publish the run's list (公示): names masked, no ID numbers; marks the run
        published today. The list is what :func:`public_list` returns."""
        p = self._staff(principal, TREASURERS)
        run = self._run(p, run_id)
        if run.published_on is None:
            run.published_on = self.today()
            self._commit()
        return self.public_list(p, run.id)

    @_one_call_scope
    def public_list(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        p = self._staff(principal)
        run = self._run(p, run_id)
        out = []
        for payment, household in self._with_households(p, FundPayment.run_id == run.id):
            if payment.status == "rejected":
                continue
            out.append(
                {
                    "payment": payment.id,
                    "name": mask_name(applicant_name(household)),
                    "programme": payment.programme,
                    "period": payment.period,
                    "amount": format_yuan(payment.amount_fen),
                }
            )
        return out

    def _with_households(self, p: Principal, where: Any) -> list[tuple[FundPayment, dict]]:
        rows = self.session.execute(
            select(FundPayment, CaseFile.household)
            .join(CaseFile, CaseFile.id == FundPayment.case_id)
            .where(FundPayment.tenant == p.tenant, where)
            .order_by(FundPayment.id)
        )
        return [(pay, household or {}) for pay, household in rows]

    # ------------------------------------------------------------------ the bank
    @_one_call_scope
    def send_to_bank(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        """The bank file of a published run: every approved payment is sent (its money
        leaves the dedicated account), and the file lists every payment of the run now
        waiting for the bank's answer (reissued ones included). Sending again sends
        nobody twice."""
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
        rows = self._columns(p, where, APPROVED)
        if rows:
            self._move(p, rows, "send", and_(where, FundPayment.status == APPROVED))
        self._commit()
        return self.bank_rows(p, where)

    def bank_rows(self, p: Principal, where: Any) -> list[dict[str, Any]]:
        masked = self._masked_ids(p)
        return [
            {
                "payment": pay.id,
                "case": pay.case_number,
                "name": applicant_name(household),
                "idNumber": masked.get(pay.case_id, ""),
                "programme": pay.programme,
                "period": pay.period,
                "amount": format_yuan(pay.amount_fen),
                "sending": pay.sendings,
            }
            for pay, household in self._with_households(p, and_(where, FundPayment.status == SENT))
        ]

    def _masked_ids(self, p: Principal) -> dict[int, str]:
        from core.db.models import MemberIdentity

        rows = self.session.execute(
            select(MemberIdentity.case_id, MemberIdentity.id_masked).where(
                MemberIdentity.tenant == p.tenant, MemberIdentity.member_index == 0
            )
        )
        return {case_id: masked for case_id, masked in rows}

    @_one_call_scope
    def import_bank_result(
        self, principal: Principal | None, results: Sequence[tuple[str, str, str]]
    ) -> dict[str, int]:
        """The bank's answer: (payment id, "paid" or "returned", note) per payment. The
        whole file is refused (``BAD_INPUT``, every problem listed) when any line is
        wrong: a payment not sent, unknown, or twice in the file; nothing changes."""
        p = self._staff(principal, TREASURERS)
        problems: list[str] = []
        wanted: dict[int, tuple[str, str]] = {}
        for i, (pid, outcome, note) in enumerate(results, 1):
            text = str(pid).strip()
            if not (text.isascii() and text.isdigit() and len(text) < 10):
                problems.append(f"line {i}: {text[:20]!r} is not a payment number")
                continue
            if outcome not in ("paid", "returned"):
                problems.append(f"line {i}: result {outcome[:20]!r} is neither paid nor returned")
                continue
            if int(text) in wanted:
                problems.append(f"line {i}: payment {text} is in the file twice")
                continue
            wanted[int(text)] = (outcome, (note or "")[:200])
        self._fresh()
        rows = self._columns(p, FundPayment.id.in_(list(wanted)), None) if wanted else []
        found = {r.id: r for r in rows}
        for pid in wanted:
            r = found.get(pid)
            if r is None:
                problems.append(f"payment {pid}: none that you may see")
            elif r.status != SENT:
                problems.append(f"payment {pid}: it is {r.status}, not waiting for the bank")
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
        for outcome, move in (("paid", "paid"), ("returned", "return")):
            chosen = [r for r in rows if wanted[r.id][0] == outcome]
            if not chosen:
                continue
            ids = [r.id for r in chosen]
            for start in range(0, len(ids), 1000):
                part = chosen[start : start + 1000]
                self._move(p, part, move, FundPayment.id.in_([r.id for r in part]))
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

    @_one_call_scope
    def reissue(self, principal: Principal | None, payment_id: str | int) -> None:
        """补发: a returned payment is sent to the bank again."""
        self._after_return(principal, payment_id, "reissue")

    @_one_call_scope
    def recover(self, principal: Principal | None, payment_id: str | int) -> None:
        """追回: a returned payment is not paid after all; its money is free again."""
        self._after_return(principal, payment_id, "recover")

    def _after_return(self, principal: Principal | None, payment_id: str | int, move: str) -> None:
        p = self._staff(principal, TREASURERS)
        self._fresh()
        row = self._payment(p, payment_id)
        self._lock(p, [(row.year, row.source)])
        rows = self._columns(p, FundPayment.id == row.id, RETURNED)
        if not rows:
            raise _conflict(
                f"payment {row.id} was not returned by the bank", f"支付 {row.id} 不是退票"
            )
        self._move(p, rows, move, FundPayment.id == row.id)
        self._commit()

    # ------------------------------------------------------------------ reading
    @_one_call_scope
    def balances(self, principal: Principal | None, year: int | None = None) -> list[FundBalance]:
        p = self._staff(principal)
        return ledger.balances(self.session, p.tenant, _year(year) if year else None)

    @_one_call_scope
    def entries(
        self,
        principal: Principal | None,
        year: int,
        source: str | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> list[FundEntry]:
        p = self._staff(principal)
        if not 0 <= first <= MAX_PAGE:
            raise bad_input(f"'first' must be 0 to {MAX_PAGE}", f"每页条数应在0到{MAX_PAGE}之间")
        query = select(FundEntry).where(FundEntry.tenant == p.tenant, FundEntry.year == _year(year))
        if source:
            query = query.where(FundEntry.source == _source(source))
        if after:
            query = query.where(FundEntry.id > after)
        return list(self.session.scalars(query.order_by(FundEntry.id).limit(first)))

    @_one_call_scope
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
        if not 0 <= first <= MAX_PAGE:
            raise bad_input(f"'first' must be 0 to {MAX_PAGE}", f"每页条数应在0到{MAX_PAGE}之间")
        query = select(FundPayment).where(FundPayment.tenant == p.tenant)
        if status:
            if status not in STATES:
                raise bad_input(
                    f"unknown payment status {status[:20]!r}; one of {', '.join(STATES)}",
                    "支付状态有误",
                )
            query = query.where(FundPayment.status == status)
        if case_id is not None:
            text = str(case_id)
            if not (text.isascii() and text.isdigit() and len(text) < 10):
                return []
            query = query.where(FundPayment.case_id == _row_of(p.tenant, text).scalar_subquery())
        if run_id is not None:
            query = query.where(FundPayment.run_id == self._run(p, run_id).id)
        if after:
            query = query.where(FundPayment.id > after)
        return list(self.session.scalars(query.order_by(FundPayment.id).limit(first)))

    @_one_call_scope
    def payment(self, principal: Principal | None, payment_id: str | int) -> FundPayment | None:
        p = self._staff(principal)
        try:
            return self._payment(p, payment_id)
        except BangfuError:
            return None

    @_one_call_scope
    def determination_of(self, principal: Principal | None, payment: FundPayment) -> dict:
        """The determination record a payment was computed from (rule set, parameters)."""
        p = self._staff(principal)
        record = self.session.scalar(
            select(CaseEvent.determination).where(
                CaseEvent.tenant == p.tenant, CaseEvent.id == payment.determination_id
            )
        )
        return dict(record or {})

    @_one_call_scope
    def runs_of(self, principal: Principal | None) -> list[FundRun]:
        p = self._staff(principal)
        return list(
            self.session.scalars(
                select(FundRun).where(FundRun.tenant == p.tenant).order_by(FundRun.id.desc())
            )
        )

    # ------------------------------------------------------------------ reports
    @_one_call_scope
    def annual_report(self, principal: Principal | None, year: int) -> Any:
        """The tenant's annual fund report (:class:`core.funds.reports.AnnualReport`)."""
        from core.funds import reports

        p = self._staff(principal)
        return reports.annual_report(self.session, p.tenant, _year(year))

    @_one_call_scope
    def audit(self, principal: Principal | None, year: int) -> list[dict[str, Any]]:
        """Every entry of the year with actor and time (the internal audit, 内部审计)."""
        from core.funds import reports

        p = self._staff(principal, TREASURERS)
        return reports.audit_rows(self.session, p.tenant, _year(year))

    @_one_call_scope
    def spending(
        self, principal: Principal | None, year: int, tenants: Sequence[str] | None = None
    ) -> list[Any]:
        """Spending per tenant and programme, households suppressed below 5 (national)."""
        from core.funds import reports

        return reports.national_spending(self.session, self.registry, principal, year, tenants)

    # ------------------------------------------------------------------ reconciliation
    @_one_call_scope
    def reconcile(self, principal: Principal | None, year: int) -> Reconciliation:
        """Every payment of the year in exactly one state, the ledger's lines of each
        payment as its state says, every journal balanced, and the totals to the fen:
        bank = raised - sent or paid; spent = approved + sent + paid + returned;
        payable = approved + returned."""
        p = self._staff(principal)
        year = _year(year)
        by_state: dict[str, tuple[int, int]] = {}
        for status, n, total in self.session.execute(
            select(FundPayment.status, func.count(), func.sum(FundPayment.amount_fen))
            .where(FundPayment.tenant == p.tenant, FundPayment.year == year)
            .group_by(FundPayment.status)
        ):
            by_state[status] = (int(n), int(total or 0))
        result = Reconciliation(
            tenant=p.tenant,
            year=year,
            by_state=by_state,
            balances=ledger.balances(self.session, p.tenant, year),
            unbalanced_journals=ledger.unbalanced_journals(self.session, p.tenant),
        )
        unknown = set(by_state) - set(STATES)
        if unknown:
            result.problems.append(f"payments in unknown states: {sorted(unknown)}")
        # each payment's lines, per account, against what its state says
        sums: dict[int, dict[str, int]] = {}
        for pid, account, total in self.session.execute(
            select(FundEntry.payment_id, FundEntry.account, func.sum(FundEntry.amount_fen))
            .where(
                FundEntry.tenant == p.tenant,
                FundEntry.year == year,
                FundEntry.payment_id.is_not(None),
            )
            .group_by(FundEntry.payment_id, FundEntry.account)
        ):
            sums.setdefault(pid, {})[account] = int(total)
        for pid, status, amount in self.session.execute(
            select(FundPayment.id, FundPayment.status, FundPayment.amount_fen).where(
                FundPayment.tenant == p.tenant, FundPayment.year == year
            )
        ):
            expected = EXPECTED.get(status, {})
            have = sums.pop(pid, {})
            if any(have.get(a, 0) != k * amount for a, k in expected.items()):
                result.mismatched_payments.append(pid)
        if sums:
            result.problems.append(f"entries of unknown payments: {sorted(sums)[:10]}")
        total = {k: v[1] for k, v in by_state.items()}
        raised = sum(b.raised for b in result.balances)
        spent = sum(b.spent for b in result.balances)
        bank = sum(b.bank for b in result.balances)
        payable = sum(b.payable for b in result.balances)
        sent_or_paid = total.get(SENT, 0) + total.get(PAID, 0)
        committed = sent_or_paid + total.get(APPROVED, 0) + total.get(RETURNED, 0)
        checks = (
            ("bank = raised - sent or paid", bank, raised - sent_or_paid),
            ("spent = approved + sent + paid + returned", spent, committed),
            (
                "payable = approved + returned",
                payable,
                total.get(APPROVED, 0) + total.get(RETURNED, 0),
            ),
        )
        for what, have, want in checks:
            if have != want:
                result.problems.append(f"{what}: {format_yuan(have)} != {format_yuan(want)} yuan")
        return result


def applicant_name(household: dict[str, Any]) -> str:
    members = household.get("members") or []
    for m in members:
        if m.get("relation") == "APPLICANT":
            return str(m.get("name") or "")
    return str(members[0].get("name") or "") if members else ""


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧***: the family name only (公示 shows no full name)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def _row_of(tenant: str, number: str | int) -> Any:
    """The key of the tenant's file ``number`` (``Case.id`` is the number within a tenant)."""
    return select(CaseFile.id).where(CaseFile.tenant == tenant, CaseFile.number == int(number))
