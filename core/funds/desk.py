"""The funds service's desk: who asks, in which tenant, in which transaction.

Every part of :class:`core.funds.service.FundsService` (receipts, proposals and approvals,
runs, the bank, relief in kind, reading, reports, reconciliation) is a subclass of
:class:`FundsDesk` and shares what is here: the roles that may do what, the tenant binding
of the session, one transaction per mutation committed only when every check passed, the
funds' locks, and the small validators of what a person typed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeVar, overload

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.auth.principal import Principal, require_principal
from core.auth.roles import ADMIN, APPROVER, CASEWORKER, CHAIRMAN, NATIONAL, REVIEWER
from core.db.models import CaseFile
from core.db.session import TENANT_KEY, scope_to_tenant, tenant_scope
from core.errors import CONFLICT, FORBIDDEN, RULE_VIOLATION, BangfuError, bad_input, not_found
from core.funds import entitlement, ledger
from core.funds.ledger import SOURCES
from core.funds.models import FundPayment, FundRun
from core.money import format_yuan
from core.registry import Registry

T = TypeVar("T")
READERS = frozenset({CASEWORKER, REVIEWER, APPROVER, CHAIRMAN, ADMIN})
PROPOSERS = frozenset({CASEWORKER, REVIEWER, APPROVER, ADMIN})
APPROVERS = frozenset({APPROVER, CHAIRMAN, ADMIN})
TREASURERS = frozenset({APPROVER, CHAIRMAN, ADMIN})
MAX_PAGE = 500
MAX_AMOUNT_FEN = 10**13  #: 100 billion yuan: a sane upper bound for one receipt
MAX_TEXT = 200


def one_call_scope(method: Callable[..., T]) -> Callable[..., T]:
    """The session's tenant binding is restored after the call, and a refused or failed
    call is rolled back: it changes nothing."""

    @functools.wraps(method)
    def call(self: FundsDesk, *args: Any, **kwargs: Any) -> T:
        with tenant_scope(self.session, self.session.info.get(TENANT_KEY)):
            try:
                return method(self, *args, **kwargs)
            except BaseException:
                self.session.rollback()
                raise

    return call


@overload
def checked_text(value: str | None, what_en: str, what_zh: str, required: Literal[True]) -> str: ...
@overload
def checked_text(
    value: str | None, what_en: str, what_zh: str, required: bool = False
) -> str | None: ...
def checked_text(
    value: str | None, what_en: str, what_zh: str, required: bool = False
) -> str | None:
    """What a person typed: trimmed, at most :data:`MAX_TEXT` characters, no control
    characters; None when empty (``BAD_INPUT`` when ``required``)."""
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


def checked_source(source: str) -> str:
    if source not in SOURCES:
        raise bad_input(
            f"unknown fund source {source[:40]!r}; one of {', '.join(SOURCES)}",
            f"资金来源应为:{'、'.join(zh for zh, _ in SOURCES.values())}",
            source=source[:40],
        )
    return source


def checked_year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise bad_input(f"the year {year} is out of range", "年度超出范围")
    return int(year)


def small_number(value: object) -> int | None:
    """A row number as people type it (ASCII digits), or None."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 10 else None


def payment_not_found(payment_id: object) -> BangfuError:
    return not_found(
        f"no payment {payment_id!s:.40} that you may see", f"没有您可查看的支付 {payment_id!s:.40}"
    )


def forbidden(en: str, zh: str) -> BangfuError:
    return BangfuError(FORBIDDEN, en, zh)


def conflict(en: str, zh: str, **details: Any) -> BangfuError:
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


def shortfall_error(short: list[Shortfall]) -> BangfuError:
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


def row_of(tenant: str, number: str | int) -> Any:
    """The key of the tenant's file ``number`` (``Case.id`` is the number within a tenant)."""
    return select(CaseFile.id).where(CaseFile.tenant == tenant, CaseFile.number == int(number))


class FundsDesk:
    """What every part of the funds service shares.

    :param session: the request's database session (the service commits its mutations)
    :param registry: the loaded tenants
    :param today: the date "today" means: the server's clock (:func:`core.clock.today`,
        Asia/Shanghai or ``$BANGFU_TODAY``), never the machine's; tests may pass their own
    """

    def __init__(
        self, session: Session, registry: Registry, today: Callable[[], date] = clock.today
    ) -> None:
        self.session = session
        self.registry = registry
        self.today = today

    def _staff(self, principal: Principal | None, roles: frozenset[str] = READERS) -> Principal:
        p = require_principal(principal)
        if p.is_national or p.tenant == NATIONAL:
            raise forbidden(
                "the national level sees spending totals, not a tenant's ledger",
                "全国层级只查看支出汇总,不查看地方台账",
            )
        if p.role not in roles:
            raise forbidden(
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
            raise conflict(
                "the funds were changed by someone else meanwhile; reload and try again",
                "资金数据已被他人修改,请刷新后重试",
            ) from None

    def _lock(self, p: Principal, funds: Iterable[tuple[int, str]]) -> None:
        """Lock every fund in a fixed order (two callers never wait on each other), as the
        first statements of a new transaction: whatever was read before is read again."""
        funds = sorted(set(funds))
        self._fresh()
        for year, source in funds:
            ledger.lock_fund(self.session, p.tenant, year, source)

    def _payment(self, p: Principal, payment_id: str | int) -> FundPayment:
        number = small_number(payment_id)
        row = self.session.get(FundPayment, number) if number else None
        if row is None or row.tenant != p.tenant:
            raise payment_not_found(payment_id)
        return row

    def _run(self, p: Principal, run_id: str | int) -> FundRun:
        number = small_number(run_id)
        run = self.session.get(FundRun, number) if number else None
        if run is None or run.tenant != p.tenant:
            raise not_found(f"no payment run {run_id!s:.20} that you may see", "没有该发放清册")
        return run

    def _not_entitled(self, p: Principal, where: Any) -> dict[int, tuple[str, str]]:
        """The payments matching ``where`` whose file is no longer entitled to them."""
        from core.workflow.engine import procedure_of

        procedure = procedure_of(self.registry.get(p.tenant))
        admitted = procedure.admitted if procedure else ()
        return entitlement.not_entitled(self.session, p.tenant, where, admitted)

    def _stop(
        self, p: Principal, rows: list[Any], lapsed: dict[int, tuple[str, str]], move: str
    ) -> None:
        """Stop ``lapsed`` payments (``stop`` while proposed, ``withdraw`` once approved:
        the approval's journal is reversed), each with its reason recorded."""
        from core.funds.payments import apply_move

        by_reason: dict[tuple[str, str], list[Any]] = {}
        for r in rows:
            if r.id in lapsed:
                by_reason.setdefault(lapsed[r.id], []).append(r)
        for (zh, en), chosen in sorted(by_reason.items()):
            for start in range(0, len(chosen), 1000):
                part = chosen[start : start + 1000]
                apply_move(
                    self.session,
                    p,
                    part,
                    move,
                    FundPayment.id.in_([r.id for r in part]),
                    self.today(),
                    stop_reason=f"{zh} / {en}"[:300],
                )

    def _answer(self, row: T) -> T:
        """``row`` read again after COMMIT, still inside the caller's tenant scope, so
        that the answer needs no database afterwards (outside the scope the serving
        role's row-level security would show no row: an answer of INTERNAL for a write
        that was made)."""
        self.session.refresh(row)
        return row

    def _count(self, where: Any, with_sum: bool = False) -> Any:
        row = self.session.execute(
            select(func.count(), func.coalesce(func.sum(FundPayment.amount_fen), 0)).where(where)
        ).one()
        return (int(row[0]), int(row[1])) if with_sum else int(row[0])
