"""Relief in kind and vouchers (003 五.9: "生活救助以发放实物或发放超市购物券为主。帮扶款物由
帮扶中心直接发放到特困职工").

* **Stock.** Goods or vouchers bought from a fund enter stock: name, unit, quantity, unit
  cost, supplier and the supplier's document. The purchase is a journal of the fund
  (stock +A, bank −A, A = quantity × unit cost), within what the fund may still spend
  (量入为出: goods in stock are spoken for). Vouchers carry serial numbers, each once.
* **Distribution lists (发放名册).** A list names the households of a programme and period
  and what each receives (an item and a quantity). A line is allowed only for a filed
  file entitled to the programme, once per normalised period (as a payment: the database
  keeps one live line per file, programme and period key, and a live bank payment of the
  same period refuses the line), worth no more than the entitlement, and from stock on
  hand.
* **Hand-over.** The recipient's signature (签收) or a witness closes a line, once: the
  goods leave stock (expense +A by programme, stock −A), vouchers are issued by serial
  (each serial to one line, ever). A file no longer entitled is stopped, with the reason.

Stock balances to the unit (received − handed over, per item) and to the fen (the fund's
``stock`` account is the value of what is on hand): :meth:`InKind.stock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.auth.principal import Principal
from core.db.session import rows_changed
from core.errors import RULE_VIOLATION, BangfuError, bad_input, not_found
from core.funds import entitlement, ledger, periods
from core.funds.desk import (
    PROPOSERS,
    TREASURERS,
    FundsDesk,
    Shortfall,
    checked_source,
    checked_text,
    checked_year,
    conflict,
    one_call_scope,
    row_of,
    shortfall_error,
    small_number,
)
from core.funds.ledger import BANK, EXPENSE, HANDOVER, PURCHASE, STOCK, Journal, Line
from core.funds.models import (
    CANCELLED,
    DistributionLine,
    DistributionList,
    FundPayment,
    StockItem,
    Voucher,
)
from core.funds.once import given_in_another_form
from core.model import BenefitForm
from core.money import format_yuan
from core.workflow.engine import procedure_of

GOODS, VOUCHER = "goods", "voucher"
KINDS = {GOODS: ("实物", "goods"), VOUCHER: ("超市购物券", "vouchers")}
LISTED, HANDED, STOPPED = "listed", "handed", "stopped"
LINE_STATES = {
    LISTED: ("待发放", "listed"),
    HANDED: ("已签收", "handed over"),
    STOPPED: ("已停发", "stopped"),
}
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class StockBalance:
    """An item's stock, to the unit and to the fen."""

    item: StockItem
    received: int
    listed: int  #: on lines not yet handed over (spoken for)
    handed: int

    @property
    def on_hand(self) -> int:
        return self.received - self.handed

    @property
    def free(self) -> int:
        return self.on_hand - self.listed

    @property
    def value_on_hand(self) -> int:
        return self.on_hand * self.item.unit_cost_fen


@dataclass(frozen=True)
class ListSummary:
    """A distribution list as the list of lists shows it."""

    made: DistributionList
    lines: int
    waiting: int  #: lines not yet handed over (待发放)
    value_fen: int


def _quantity(value: int) -> int:
    if not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise bad_input(
            f"a quantity is a whole number from 1 to {MAX_QUANTITY}",
            f"数量应为1至{MAX_QUANTITY}的整数",
        )
    return value


def given_in_kind(session: Any, tenant: str, period_key: str) -> set[tuple[int, str]]:
    """(file row, programme) of the live distribution lines of ``period_key``: a bank
    payment of the same period is not made (relief is given once, in one form)."""
    rows = session.execute(
        select(DistributionLine.case_id, DistributionLine.programme).where(
            DistributionLine.tenant == tenant,
            DistributionLine.period_key == period_key,
            DistributionLine.status != STOPPED,
        )
    )
    return {(c, p) for c, p in rows}


def paid_in_cash(session: Any, tenant: str, case_row: int, programme: str, key: str) -> bool:
    """Whether the file has a live bank payment of ``programme`` for period ``key``: then
    no line of it is made (relief is given once, in one form)."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(FundPayment)
            .where(
                FundPayment.tenant == tenant,
                FundPayment.case_id == case_row,
                FundPayment.programme == programme,
                FundPayment.period_key == key,
                FundPayment.status.not_in(CANCELLED),
            )
        )
    )


def line_lapsed(
    session: Any, tenant: str, line: DistributionLine, admitted: Sequence[str]
) -> str | None:
    """Why the file is no longer entitled to what ``line`` gives (中文 / English), or None."""
    steps = entitlement.history(session, tenant, [line.case_id]).get(line.case_id, [])
    grant = entitlement.grant_of(steps, line.programme, admitted)
    if grant is None:
        return "档案已不在册或现行认定不再给予该项目 / no longer entitled"
    if grant.amount_fen is not None and line.amount_fen > grant.amount_fen:
        return f"现行认定金额为{format_yuan(grant.amount_fen)}元 / the entitlement was lowered"
    if line.period_key.startswith("once:") and line.period_key != periods.once_key(
        grant.granted_by
    ):
        return "所依据的认定已被取代 / the grant was replaced"
    return None


class InKind(FundsDesk):
    @one_call_scope
    def receive_stock(
        self,
        principal: Principal | None,
        year: int,
        source: str,
        kind: str,
        name: str,
        unit: str,
        quantity: int,
        unit_cost_fen: int,
        supplier: str,
        document: str,
        first_serial: int | None = None,
        serial_prefix: str = "",
    ) -> StockItem:
        """Goods or vouchers bought from fund (year, source) into stock; vouchers are
        numbered ``serial_prefix`` + ``first_serial`` onwards (6 digits), each once."""
        p = self._staff(principal, TREASURERS)
        year, source = checked_year(year), checked_source(source)
        if kind not in KINDS:
            raise bad_input(
                "the kind is goods or voucher", "物资类别应为实物(goods)或购物券(voucher)"
            )
        name = checked_text(name, "the item", "物资名称", required=True) or ""
        unit = checked_text(unit, "the unit", "计量单位", required=True) or ""
        supplier = checked_text(supplier, "the supplier", "供应商", required=True) or ""
        document = (
            checked_text(document, "the supplier's document", "供货凭证号", required=True) or ""
        )
        quantity = _quantity(quantity)
        if not isinstance(unit_cost_fen, int) or not 0 < unit_cost_fen <= 10**9:
            raise bad_input("the unit cost must be a positive number of fen", "单价应为正数")
        if kind == VOUCHER and (first_serial is None or first_serial < 0):
            raise bad_input("vouchers need their first serial number", "购物券须填写起始编号")
        prefix = checked_text(serial_prefix, "the serial prefix", "编号前缀") or ""
        total = quantity * unit_cost_fen
        self._lock(p, [(year, source)])
        left = ledger.available(self.session, p.tenant, year, source)
        if total > left:
            raise shortfall_error([Shortfall((year, source), total, left)])
        today = self.today()
        journal = Journal(
            p.tenant,
            year,
            source,
            PURCHASE,
            today,
            p.user,
            p.role,
            (Line(STOCK, total), Line(BANK, -total)),
            document=document,
            memo=f"{name} {quantity}{unit} x {format_yuan(unit_cost_fen)}",
        )
        ledger.post(self.session, [journal])
        item = StockItem(
            tenant=p.tenant,
            year=year,
            source=source,
            kind=kind,
            name=name,
            unit=unit,
            quantity=quantity,
            unit_cost_fen=unit_cost_fen,
            supplier=supplier,
            document=document,
            journal=journal.id,
            received_on=today,
            recorded_by=p.user,
        )
        self.session.add(item)
        self.session.flush()
        if kind == VOUCHER:
            assert first_serial is not None
            self.session.add_all(
                Voucher(tenant=p.tenant, item_id=item.id, serial=f"{prefix}{n:06d}")
                for n in range(first_serial, first_serial + quantity)
            )
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise conflict(
                "a voucher serial number of this range was already received",
                "购物券编号与已入库的编号重复,每个编号只能使用一次",
            ) from None
        self._commit()
        return self._answer(item)

    @one_call_scope
    def make_distribution(
        self,
        principal: Principal | None,
        programme: str,
        period: str,
        title: str,
        lines: Sequence[tuple[str | int, str | int, int]],
    ) -> DistributionList:
        """A distribution list: (file, stock item, quantity) per household. Refused as a
        whole (nothing made) when a line is not allowed."""
        p = self._staff(principal, PROPOSERS)
        title = checked_text(title, "the title", "名册名称", required=True) or ""
        tenant = self.registry.get(p.tenant)
        procedure = procedure_of(tenant)
        known = {pr.code: pr for pr in tenant.programmes}
        chosen = known.get(programme)
        if chosen is None or chosen.form not in (BenefitForm.FUND_CASH, BenefitForm.FUND_IN_KIND):
            raise bad_input(
                f"{programme[:40]!r} is not a programme paid from a fund",
                f"{programme[:40]} 不是由帮扶资金支付的帮扶项目",
            )
        if not lines:
            raise bad_input("a list needs at least one household", "名册至少应有一户")
        items = {i.id: i for i in self._items(p)}
        self._fresh()
        funds = {(i.year, i.source) for i in items.values()}
        self._lock(p, funds)
        today = self.today()
        ahead = tenant.parameters(today).integer(periods.AHEAD)
        made = DistributionList(
            tenant=p.tenant,
            programme=programme,
            period=periods.parse_period(period).text,
            title=title,
            made_by=p.user,
            made_on=today,
        )
        self.session.add(made)
        self.session.flush()
        free = {b.item.id: b.free for b in self._balances(p)}
        problems: list[str] = []
        for n, (case_id, item_id, quantity) in enumerate(lines, 1):
            number = small_number(case_id)
            row_id = self.session.scalar(row_of(p.tenant, number)) if number else None
            item = items.get(small_number(item_id) or 0)
            if row_id is None:
                problems.append(f"第{n}行:没有档案 {str(case_id)[:20]}")
                continue
            if item is None:
                problems.append(f"第{n}行:没有物资 {str(item_id)[:20]}")
                continue
            quantity = _quantity(quantity)
            steps = entitlement.history(self.session, p.tenant, [row_id]).get(row_id, [])
            grant = entitlement.grant_of(steps, programme, procedure.admitted if procedure else ())
            if grant is None:
                problems.append(f"第{n}行:档案 {number} 的现行认定没有{chosen.name}")
                continue
            try:
                due = periods.payable(
                    period, chosen.period, chosen.name, grant.took_effect, today, ahead,
                    grant.granted_by,
                )  # fmt: skip
            except BangfuError as exc:
                problems.append(f"第{n}行:{exc.zh}")
                continue
            value = quantity * item.unit_cost_fen
            if grant.amount_fen is not None and value > grant.amount_fen:
                problems.append(
                    f"第{n}行:物资价值{format_yuan(value)}元超过认定金额{format_yuan(grant.amount_fen)}元"
                )
                continue
            if quantity > free.get(item.id, 0):
                problems.append(
                    f"第{n}行:{item.name}库存不足(可用{free.get(item.id, 0)}{item.unit})"
                )
                continue
            if paid_in_cash(self.session, p.tenant, row_id, programme, due.key):
                problems.append(
                    f"第{n}行:档案 {number} 在{due.key}已有{chosen.name}的现金支付,不重复发放"
                )
                continue
            free[item.id] -= quantity
            self.session.add(
                DistributionLine(
                    tenant=p.tenant,
                    list_id=made.id,
                    case_id=row_id,
                    determination_id=grant.in_force,
                    programme=programme,
                    period_key=due.key,
                    item_id=item.id,
                    quantity=quantity,
                    amount_fen=value,
                    status=LISTED,
                )
            )
        if problems:
            raise BangfuError(
                RULE_VIOLATION,
                "the distribution list was not made: " + "; ".join(problems[:20]),
                "发放名册未生成:" + ";".join(problems[:20]),
                {"guard": "distribution_lines", "problems": problems[:100]},
            )
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            if given_in_another_form(exc):  # a payment raced past the look above
                raise conflict(
                    f"a household on the list was paid {programme} in cash for this period",
                    f"名册中有家庭在该期间已有{chosen.name}的现金支付,不重复发放",
                ) from None
            raise conflict(
                "a household on the list already has this programme for this period",
                "名册中有家庭在该期间已发放过该项目,不重复发放",
            ) from None
        self._commit()
        return self._answer(made)

    @one_call_scope
    def hand_over(
        self,
        principal: Principal | None,
        line_id: str | int,
        signed_by: str | None = None,
        witness: str | None = None,
    ) -> DistributionLine:
        """Close a line by the recipient's signature (签收) or a witness: the goods leave
        stock and are booked as spent; vouchers are issued by serial. Once."""
        p = self._staff(principal, PROPOSERS)
        signed_by = checked_text(signed_by, "who signed", "签收人")
        witness = checked_text(witness, "the witness", "见证人")
        if not (signed_by or witness):
            raise bad_input(
                "a hand-over needs the recipient's signature or a witness",
                "发放须有领取人签收或见证人",
            )
        self._fresh()
        line = self._line(p, line_id)
        item = self.session.get(StockItem, line.item_id)
        assert item is not None
        self._lock(p, [(item.year, item.source)])
        self.session.refresh(line)
        if line.status != LISTED:
            raise conflict(
                f"line {line.id} is {line.status}, not waiting to be handed over",
                f"名册第{line.id}号{LINE_STATES[line.status][0]},不能重复发放",
            )
        lapsed = self._lapsed(p, line)
        if lapsed is not None:
            line.status, line.stop_reason = STOPPED, lapsed[:300]
            self._commit()
            raise BangfuError(
                RULE_VIOLATION,
                f"line {line.id} is no longer entitled: stopped",
                f"名册第{line.id}号已无发放依据,已停发:{lapsed}",
                {"guard": "still_entitled"},
            )
        today = self.today()
        ledger.post(
            self.session,
            [
                Journal(
                    p.tenant,
                    item.year,
                    item.source,
                    HANDOVER,
                    today,
                    p.user,
                    p.role,
                    (Line(EXPENSE, line.amount_fen, line.programme), Line(STOCK, -line.amount_fen)),
                    document=f"名册{line.list_id}-{line.id}",
                    memo=f"{item.name} {line.quantity}{item.unit}",
                )
            ],
        )
        if item.kind == VOUCHER:
            serials = list(
                self.session.scalars(
                    select(Voucher.id)
                    .where(
                        Voucher.tenant == p.tenant,
                        Voucher.item_id == item.id,
                        Voucher.line_id.is_(None),
                    )
                    .order_by(Voucher.serial)
                    .limit(line.quantity)
                )
            )
            issued = rows_changed(
                self.session.execute(
                    update(Voucher)
                    .where(Voucher.id.in_(serials), Voucher.line_id.is_(None))
                    .values(line_id=line.id)
                    .execution_options(synchronize_session=False)
                )
            )
            if len(serials) != line.quantity or issued != line.quantity:
                raise conflict("the vouchers were issued meanwhile", "购物券已被他人发放,请重试")
        changed = rows_changed(
            self.session.execute(
                update(DistributionLine)
                .where(DistributionLine.id == line.id, DistributionLine.status == LISTED)
                .values(
                    status=HANDED,
                    signed_by=signed_by,
                    witness=witness,
                    handed_on=today,
                    handed_by=p.user,
                )
                .execution_options(synchronize_session=False)
            )
        )
        if changed != 1:
            raise conflict("the line was handed over meanwhile", "该行已被他人发放")
        self._commit()
        return self._answer(line)

    def _lapsed(self, p: Principal, line: DistributionLine) -> str | None:
        procedure = procedure_of(self.registry.get(p.tenant))
        return line_lapsed(self.session, p.tenant, line, procedure.admitted if procedure else ())

    def _line(self, p: Principal, line_id: str | int) -> DistributionLine:
        number = small_number(line_id)
        line = self.session.get(DistributionLine, number) if number else None
        if line is None or line.tenant != p.tenant:
            raise not_found(f"no distribution line {line_id!s:.20}", "没有该发放名册行")
        return line

    def _items(self, p: Principal) -> list[StockItem]:
        return list(
            self.session.scalars(
                select(StockItem).where(StockItem.tenant == p.tenant).order_by(StockItem.id)
            )
        )

    def _balances(self, p: Principal) -> list[StockBalance]:
        sums: dict[tuple[int, str], int] = {}
        for item_id, status, total in self.session.execute(
            select(
                DistributionLine.item_id,
                DistributionLine.status,
                func.sum(DistributionLine.quantity),
            )
            .where(DistributionLine.tenant == p.tenant)
            .group_by(DistributionLine.item_id, DistributionLine.status)
        ):
            sums[(item_id, status)] = int(total or 0)
        return [
            StockBalance(
                item, item.quantity, sums.get((item.id, LISTED), 0), sums.get((item.id, HANDED), 0)
            )
            for item in self._items(p)
        ]

    @one_call_scope
    def stock(self, principal: Principal | None) -> list[StockBalance]:
        """Every item's stock: received, spoken for, handed over, on hand (units and fen)."""
        return self._balances(self._staff(principal))

    @one_call_scope
    def distributions(self, principal: Principal | None, limit: int = 100) -> list[ListSummary]:
        """The tenant's distribution lists, newest first, each with its lines counted:
        how many, how many still waiting to be handed over, and their value."""
        p = self._staff(principal)
        counted: dict[int, tuple[int, int, int]] = {}
        lists = list(
            self.session.scalars(
                select(DistributionList)
                .where(DistributionList.tenant == p.tenant)
                .order_by(DistributionList.id.desc())
                .limit(max(1, min(limit, 500)))
            )
        )
        for list_id, status, n, value in self.session.execute(
            select(
                DistributionLine.list_id,
                DistributionLine.status,
                func.count(),
                func.coalesce(func.sum(DistributionLine.amount_fen), 0),
            )
            .where(
                DistributionLine.tenant == p.tenant,
                DistributionLine.list_id.in_([m.id for m in lists]),
            )
            .group_by(DistributionLine.list_id, DistributionLine.status)
        ):
            lines, waiting, total = counted.get(list_id, (0, 0, 0))
            counted[list_id] = (
                lines + int(n),
                waiting + (int(n) if status == LISTED else 0),
                total + int(value),
            )
        return [ListSummary(m, *counted.get(m.id, (0, 0, 0))) for m in lists]

    @one_call_scope
    def distribution(
        self, principal: Principal | None, list_id: str | int
    ) -> tuple[DistributionList, list[dict[str, Any]]]:
        """A list and its lines (for printing: the household, what it receives, the
        signature or witness, the voucher serials)."""
        p = self._staff(principal)
        number = small_number(list_id)
        made = self.session.get(DistributionList, number) if number else None
        if made is None or made.tenant != p.tenant:
            raise not_found(f"no distribution list {list_id!s:.20}", "没有该发放名册")
        from core.db.models import CaseFile
        from core.funds.runs import applicant_name

        rows = self.session.execute(
            select(DistributionLine, CaseFile.number, CaseFile.household, StockItem)
            .join(CaseFile, CaseFile.id == DistributionLine.case_id)
            .join(StockItem, StockItem.id == DistributionLine.item_id)
            .where(DistributionLine.tenant == p.tenant, DistributionLine.list_id == made.id)
            .order_by(DistributionLine.id)
        ).all()
        serials: dict[int, list[str]] = {}
        for line_id, serial in self.session.execute(
            select(Voucher.line_id, Voucher.serial)
            .where(
                Voucher.tenant == p.tenant,
                Voucher.line_id.in_([r[0].id for r in rows]),
            )
            .order_by(Voucher.serial)
        ):
            if line_id is not None:
                serials.setdefault(line_id, []).append(serial)
        out = [
            {
                "line": line.id,
                "case": number,
                "name": applicant_name(household or {}),
                "item": item.name,
                "unit": item.unit,
                "kind": item.kind,
                "quantity": line.quantity,
                "amount": format_yuan(line.amount_fen),
                "amountFen": line.amount_fen,
                "status": line.status,
                "statusZh": LINE_STATES[line.status][0],
                "signedBy": line.signed_by or "",
                "witness": line.witness or "",
                "handedOn": line.handed_on,
                "serials": serials.get(line.id, []),
                "stopReason": line.stop_reason or "",
            }
            for line, number, household, item in rows
        ]
        return made, out


def stock_matches_ledger(
    balances: Sequence[StockBalance], ledger_stock: dict[tuple[int, str], int]
) -> bool:
    """The fund's ``stock`` account is, to the fen, the value of what is on hand."""
    value: dict[tuple[int, str], int] = {}
    for b in balances:
        key = (b.item.year, b.item.source)
        value[key] = value.get(key, 0) + b.value_on_hand
    return all(ledger_stock.get(k, 0) == v for k, v in value.items()) and all(
        value.get(k, 0) == v for k, v in ledger_stock.items()
    )
