"""Reports of the funds: the annual fund report, the internal audit export, and the
national level's spending per tenant and programme.

* The annual report of a tenant (seed 003 part 8, 每年一次内部审计; seed 002 reports
  the special funds raised and spent): raised by source, used by programme, and the
  balance, derived from the entries. As XLSX (openpyxl) and through GraphQL.
* The audit export: every entry of a year, with its journal, actor and time.
* The national level sees spending per tenant and programme and how many households were
  paid, no personal data; a household count below 5 is suppressed (None), as in the
  statistics. On PostgreSQL the national transaction has no tenant and so reads no row:
  it reads only through ``bangfu_fund_spending(year)``, which returns aggregates (the
  pattern of migration 0002's ``bangfu_case_counts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.auth.principal import Principal, require_principal
from core.cases.service import suppress
from core.db.session import scope_to_tenant
from core.errors import FORBIDDEN, BangfuError, bad_input
from core.funds import ledger
from core.funds.desk import TREASURERS, FundsDesk, checked_year, one_call_scope
from core.funds.ledger import EXPENSE, SOURCES, FundBalance
from core.funds.models import FundEntry, FundPayment
from core.funds.payments import COMMITTED
from core.model import BENEFIT_FORMS, BenefitForm
from core.money import format_yuan, to_yuan
from core.registry import Registry
from core.sheets import csv_bytes, row, said, saved, xlsx_bytes


@dataclass(frozen=True)
class AnnualReport:
    tenant: str
    year: int
    raised: dict[str, int]  #: by source, fen
    used: dict[str, int]  #: by programme, fen (approved, paid or not)
    funds: list[FundBalance]
    #: by form (core.model.BenefitForm), fen: fund cash and fund in kind (the union's
    #: spending), tax expenditure, waived fees and referrals (documents issued), apart
    by_form: dict[str, int] = field(default_factory=dict)

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())

    @property
    def total_used(self) -> int:
        return sum(self.used.values())

    @property
    def balance(self) -> int:
        return self.total_raised - self.total_used

    @property
    def in_bank(self) -> int:
        return sum(f.bank for f in self.funds)

    @property
    def payable(self) -> int:
        return sum(f.payable for f in self.funds)


def annual_report(session: Session, tenant: str, year: int) -> AnnualReport:
    funds = ledger.balances(session, tenant, year)
    raised: dict[str, int] = {}
    for f in funds:
        raised[f.source] = raised.get(f.source, 0) + f.raised
    used = {k: v for k, v in ledger.spending_by_programme(session, tenant, year).items() if v}
    return AnnualReport(
        tenant, year, raised, dict(sorted(used.items())), funds, by_form(session, tenant, year)
    )


def by_form(session: Session, tenant: str, year: int) -> dict[str, int]:
    """The year's benefits by form, fen: what the funds spent in cash and in kind (goods
    handed over), and the figures of the documents issued (tax reliefs, waivers,
    referrals: never fund money)."""
    from core.funds.ledger import HANDOVER
    from core.funds.models import BenefitDocument
    from core.model import BenefitForm

    out = {form.value: 0 for form in BenefitForm}
    for kind, total in session.execute(
        select(FundEntry.kind, func.sum(FundEntry.amount_fen))
        .where(FundEntry.tenant == tenant, FundEntry.year == year, FundEntry.account == EXPENSE)
        .group_by(FundEntry.kind)
    ):
        paid = BenefitForm.FUND_IN_KIND if kind == HANDOVER else BenefitForm.FUND_CASH
        out[paid.value] += int(total or 0)
    for written, figure in session.execute(
        select(BenefitDocument.form, func.sum(BenefitDocument.amount_fen))
        .where(BenefitDocument.tenant == tenant, BenefitDocument.period.startswith(str(year)))
        .group_by(BenefitDocument.form)
    ):
        out[written] = out.get(written, 0) + int(figure or 0)
    return out


def _money(fen: int) -> Decimal:
    """A cell's value: yuan as a ``Decimal`` (openpyxl writes it as a number, exactly as
    written: never a float of ours), formatted ``#,##0.00``."""
    return to_yuan(fen)


def report_xlsx(report: AnnualReport, programme_names: dict[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年度资金报告"[:31]
    bold = Font(bold=True)

    def add(*values: Any) -> None:
        sheet.append(row(sheet, values))

    add(f"{report.tenant} {report.year}年度帮扶资金报告 / annual fund report")
    sheet["A1"].font = bold
    add()
    add("一、资金筹集 funds raised", "金额(元) yuan")
    for source, fen in sorted(report.raised.items()):
        zh, en = SOURCES.get(source, (source, source))
        add(f"{zh} {en}", _money(fen))
    add("合计 total", _money(report.total_raised))
    add()
    add("二、资金使用 funds used, by programme", "金额(元) yuan")
    for programme, fen in report.used.items():
        add(programme_names.get(programme, programme), _money(fen))
    add("合计 total", _money(report.total_used))
    add()
    add("三、结余 balance", _money(report.balance))
    add("其中:专户存款 in the bank account", _money(report.in_bank))
    add("其中:应付未付 approved, not yet paid", _money(report.payable))
    add()
    add("四、按帮扶形式 by form", "金额(元) yuan")
    for form, fen in report.by_form.items():
        zh, en, fund = BENEFIT_FORMS[BenefitForm(form)]
        add(f"{zh} {en}" + ("" if fund else "(不由帮扶资金支付 no fund money)"), _money(fen))
    for line in sheet.iter_rows(min_col=2, max_col=2):
        for cell in line:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 18
    return saved(book)


AUDIT_COLUMNS = (
    ("id", "序号"),
    ("journal", "凭证"),
    ("line", "行"),
    ("year", "年度"),
    ("source", "资金来源"),
    ("account", "科目"),
    ("programme", "帮扶项目"),
    ("amount", "金额(元,借正贷负)"),
    ("kind", "业务"),
    ("booked_on", "记账日期"),
    ("document", "凭证号/文号"),
    ("payment", "支付编号"),
    ("reverses", "冲销凭证"),
    ("memo", "摘要"),
    ("actor", "经办人"),
    ("role", "角色"),
    ("recorded_at", "记录时间"),
)


def audit_rows(session: Session, tenant: str, year: int) -> list[dict[str, Any]]:
    """Every entry of the year, with journal, actor and time (no personal data: entries
    name payments, never a person)."""
    rows = session.scalars(
        select(FundEntry)
        .where(FundEntry.tenant == tenant, FundEntry.year == year)
        .order_by(FundEntry.id)
    )
    return [
        {
            "id": e.id,
            "journal": e.journal,
            "line": e.line,
            "year": e.year,
            "source": e.source,
            "account": e.account,
            "programme": e.programme or "",
            "amount": format_yuan(e.amount_fen),
            "kind": e.kind,
            "booked_on": e.booked_on.isoformat(),
            "document": e.document or "",
            "payment": e.payment_id or "",
            "reverses": e.reverses or "",
            "memo": e.memo or "",
            "actor": e.actor,
            "role": e.role,
            "recorded_at": e.recorded_at.isoformat() if e.recorded_at else "",
        }
        for e in rows
    ]


#: The audit columns whose text a person typed.
AUDIT_SAID = frozenset({"document", "memo", "actor"})


def _audit_lines(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [
        [f"{zh} {key}" for key, zh in AUDIT_COLUMNS],
        *(
            [said(r[key]) if key in AUDIT_SAID else r[key] for key, _ in AUDIT_COLUMNS]
            for r in rows
        ),
    ]


def audit_xlsx(rows: Sequence[dict[str, Any]]) -> bytes:
    """The audit export as XLSX: every text a string cell (:mod:`core.sheets`)."""
    return xlsx_bytes("审计明细 audit", _audit_lines(rows))


def audit_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """The audit export as CSV: a person's text never a formula (:mod:`core.sheets`)."""
    return csv_bytes(_audit_lines(rows))


# --------------------------------------------------------------------------- national
@dataclass(frozen=True)
class Spending:
    """What one tenant spent on one programme in a year: no personal data."""

    tenant: str
    programme: str
    #: fen, approved (paid or not), net of recoveries; None with the households (the
    #: amount divided by a standard relief would give the count back)
    spent: int | None
    households: int | None  #: files paid; None when fewer than 5


def national_spending(
    session: Session,
    registry: Registry,
    principal: Principal | None,
    year: int,
    tenants: Sequence[str] | None = None,
) -> list[Spending]:
    """Spending per tenant and programme (the national level: every regional tenant;
    regional staff: their own tenant only)."""
    p = require_principal(principal)
    if not 2000 <= year <= 2100:
        raise bad_input(f"the year {year} is out of range", "年度超出范围")
    if p.is_national:
        codes = list(tenants) if tenants else [t.code for t in registry.regional()]
    else:
        codes = list(tenants) if tenants else [p.tenant]
        if any(c != p.tenant for c in codes):
            raise BangfuError(
                FORBIDDEN,
                f"you may see only your own tenant's spending ({p.tenant})",
                f"您只能查看本地区({p.tenant})的资金支出",
            )
    for code in codes:
        registry.get(code)
    rows: list[tuple[str, str, int, int]] = []
    if p.is_national:
        scope_to_tenant(session, None)
        if session.connection().dialect.name == "postgresql":
            found = session.execute(
                text("select tenant, programme, spent, households from bangfu_fund_spending(:y)"),
                {"y": year},
            )
        else:
            found = _spending_query(session, year, None)
        rows = [r for r in found if r[0] in codes]
    else:
        scope_to_tenant(session, p.tenant)
        rows = list(_spending_query(session, year, p.tenant))
    shown = []
    for t, prog, spent, n in sorted(rows, key=lambda r: (r[0], r[1])):
        households = suppress(int(n or 0))
        if households is None and spent is not None and not int(spent) and not n:
            continue  # nothing spent, nobody paid
        shown.append(Spending(t, prog, None if households is None else int(spent), households))
    return shown


def _spending_query(session: Session, year: int, tenant: str | None) -> Any:
    spent = (
        select(FundEntry.tenant, FundEntry.programme, func.sum(FundEntry.amount_fen).label("spent"))
        .where(FundEntry.year == year, FundEntry.account == EXPENSE)
        .group_by(FundEntry.tenant, FundEntry.programme)
    )
    households = (
        select(
            FundPayment.tenant,
            FundPayment.programme,
            func.count(func.distinct(FundPayment.case_id)).label("n"),
        )
        .where(FundPayment.year == year, FundPayment.status.in_(COMMITTED))
        .group_by(FundPayment.tenant, FundPayment.programme)
    )
    if tenant is not None:
        spent = spent.where(FundEntry.tenant == tenant)
        households = households.where(FundPayment.tenant == tenant)
    # keyed as the ledger's lines are (their programme is a nullable column)
    counts: dict[tuple[str, str | None], int] = {
        (t, p): n for t, p, n in session.execute(households)
    }
    return [(t, p, s, counts.get((t, p), 0)) for t, p, s in session.execute(spent)]


# --------------------------------------------------------------------------- the service
class Reporting(FundsDesk):
    @one_call_scope
    def annual_report(self, principal: Principal | None, year: int) -> AnnualReport:
        """The tenant's annual fund report."""
        p = self._staff(principal)
        return annual_report(self.session, p.tenant, checked_year(year))

    @one_call_scope
    def audit(self, principal: Principal | None, year: int) -> list[dict[str, Any]]:
        """Every entry of the year with actor and time (the internal audit, 内部审计)."""
        p = self._staff(principal, TREASURERS)
        return audit_rows(self.session, p.tenant, checked_year(year))

    @one_call_scope
    def spending(
        self, principal: Principal | None, year: int, tenants: Sequence[str] | None = None
    ) -> list[Spending]:
        """Spending per tenant and programme, households suppressed below 5 (national)."""
        return national_spending(self.session, self.registry, principal, year, tenants)
