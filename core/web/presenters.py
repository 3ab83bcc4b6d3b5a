"""Case files, evaluations and refusals as the staff pages show them.

The service hands out codes (``in_public_notice``, ``approve``, ``RULE_VIOLATION``); a
caseworker reads labels in Chinese with the English beside them. The labels come from the
tenant's own procedure, so a region that renames a step sees its own name here. Nothing
in this module touches the database: it turns the service's plain views into what the
templates print (Jinja escapes all of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from core.auth.principal import Principal
from core.auth.roles import label as role_label
from core.cases.views import CaseView, Turn
from core.errors import (
    BAD_INPUT,
    CONFLICT,
    FORBIDDEN,
    INTERNAL,
    NOT_FOUND,
    RULE_VIOLATION,
    UNAUTHENTICATED,
    BangfuError,
    not_found,
)
from core.evaluation import Evaluation
from core.model import TenantLevel
from core.money import to_yuan
from core.registry import Registry, Tenant
from core.workflow.engine import procedure_of
from core.workflow.procedure import Procedure

_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
DEFAULT_COLOUR = "#b71c1c"


# --------------------------------------------------------------------------- branding
@dataclass(frozen=True)
class Brand:
    """How one tenant's pages and printouts look: names, colours and logo."""

    code: str
    name: str  #: official name, e.g. 河北省
    display_name: str  #: e.g. 河北省总工会 特困职工帮扶
    colour: str  #: a CSS hex colour, checked (it goes into a style sheet)
    lang: str
    logo_url: str | None
    short_name: str = ""  #: e.g. 河北省总工会 (print headers)
    accent: str = ""  #: a second colour, checked
    objection_contact: str = ""  #: where to object to a public notice

    @property
    def base(self) -> str:
        """The address of the tenant's staff pages."""
        return f"/staff/{self.code}"


def _package_logo(resource: str | None) -> bytes | None:
    """The bytes of a logo shipped as package data (``"package:path"``), or None."""
    if not resource or ":" not in resource:
        return None
    package, _, path = resource.partition(":")
    if not path.lower().endswith(tuple(LOGO_TYPES)) or ".." in path:
        return None
    try:
        return resources.files(package).joinpath(path).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return None


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}


def logo_of(tenant: Tenant) -> tuple[bytes, str] | None:
    """The tenant's packaged logo and its media type, or None."""
    resource = tenant.branding.logo
    data = _package_logo(resource)
    if data is None or resource is None:
        return None
    suffix = "." + resource.rsplit(".", 1)[-1].lower()
    return data, LOGO_TYPES[suffix]


def brand_of(tenant: Tenant) -> Brand:
    b = tenant.branding
    colour = b.primary_color if _COLOUR.match(b.primary_color or "") else DEFAULT_COLOUR
    accent = b.accent_color if b.accent_color and _COLOUR.match(b.accent_color) else colour
    lang = b.locale if _LOCALE.match(b.locale or "") else "zh-CN"
    if logo_of(tenant) is not None:
        logo: str | None = f"/staff/{tenant.code}/logo"
    else:
        logo = b.logo_url if b.logo_url and b.logo_url.startswith(("https://", "/")) else None
    return Brand(
        tenant.code,
        tenant.info.name,
        b.display_name,
        colour,
        lang,
        logo,
        short_name=b.short_name or b.display_name,
        accent=accent,
        objection_contact=b.objection_contact or f"{tenant.info.name}工会",
    )


def staff_tenants(registry: Registry) -> list[Tenant]:
    """The regional tenants, whose staff work case files (the national level does not)."""
    return [t for t in registry.ordered() if t.info.level is not TenantLevel.NATIONAL]


def staff_tenant(registry: Registry, code: str) -> Tenant:
    """The tenant of a staff page address; ``NOT_FOUND`` for an unknown or national one."""
    tenant = registry.tenants.get(code)
    if tenant is None or tenant.info.level is TenantLevel.NATIONAL:
        raise not_found(f"there are no staff pages of {code!r} here", f"没有地区 {code} 的工作页面")
    return tenant


@dataclass(frozen=True)
class Signed:
    """Who is signed in, for the header."""

    user: str
    role_zh: str
    role_en: str


def signed(principal: Principal) -> Signed:
    zh, en = role_label(principal.role)
    return Signed(principal.user, zh, en)


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True)
class Notice:
    """A message at the top of a page, in both languages."""

    zh: str
    en: str
    kind: str = "refusal"  #: refusal | info


HTTP_STATUS = {
    BAD_INPUT: 400,
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    RULE_VIOLATION: 422,
    INTERNAL: 503,
}


def http_status(error: BangfuError) -> int:
    """The status of a page showing this refusal: the request was refused, not broken.

    A plugin fault is the tenant's rules failing on this input: 422, with the plugin's
    message, so the page still answers (the operators see it in the log).
    """
    return HTTP_STATUS.get(error.code, 422)


def refusal(error: BangfuError) -> Notice:
    return Notice(error.zh or error.en, error.en)


# --------------------------------------------------------------------------- money
def money(amount: Decimal | None) -> str:
    """``2400.00``: yuan to the fen, as the rules state them."""
    return "—" if amount is None else f"{amount:.2f}"


def grouped(value: Any) -> str:
    """A count or an amount with thousands separators: 1,234,567 and 16,059,051.04 (other
    values as they are)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return str(value)
    return f"{value:,}"


def yuan(fen: int) -> str:
    """Fen as yuan to the fen, with thousands separators: 16,059,051.04."""
    return grouped(to_yuan(fen))


PERIODS = {"ONCE": ("一次性", "once"), "MONTHLY": ("每月", "monthly"), "YEARLY": ("每年", "yearly")}


def period(value: Any) -> tuple[str, str]:
    code = str(getattr(value, "value", value))
    return PERIODS.get(code, (code, code.lower()))


# --------------------------------------------------------------------------- procedure
class Procedures:
    """The labels of a tenant's procedure: statuses and steps in Chinese and English."""

    def __init__(self, tenant: Tenant) -> None:
        self.procedure: Procedure | None = procedure_of(tenant)

    def status(self, code: str) -> tuple[str, str]:
        found = self.procedure.status(code) if self.procedure else None
        return (found.zh, found.en) if found else (code, code)

    def step(self, name: str) -> tuple[str, str]:
        found = self.procedure.action(name) if self.procedure else None
        if found:
            return found.zh, found.en
        return FACTS_DECISIONS.get(name, (name, name))

    def closes(self, name: str) -> bool:
        """Whether the step closes the file (a refusal, an exit)."""
        if self.procedure is None:
            return False
        found = self.procedure.action(name)
        onward = found.to_status if found else None
        return onward is not None and not self.procedure.is_open(onward)

    def needs_comment(self, name: str) -> bool:
        found = self.procedure.action(name) if self.procedure else None
        return bool(found and found.requires_comment) or name == "reject_facts"

    def statuses(self) -> list[tuple[str, str, str]]:
        """Every status as (code, zh, en), in the procedure's order (the list's filter)."""
        if not self.procedure:
            return []
        return [(s.code, s.zh, s.en) for s in self.procedure.statuses]


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class DeadlineLine:
    zh: str
    en: str
    due: date
    provisional: bool
    overdue: bool


@dataclass(frozen=True)
class CaseLine:
    """A case file as one row of the tenant's list."""

    id: str
    applicant: str
    status_zh: str
    status_en: str
    version: int
    opened_on: date
    urgent: bool
    eligible: bool
    category: str | None
    next_deadline: DeadlineLine | None
    overdue: bool


def _deadlines(view: CaseView, today: date) -> list[DeadlineLine]:
    return [
        DeadlineLine(d.zh, d.en, d.due, d.provisional, d.overdue_on(today)) for d in view.deadlines
    ]


def applicant_name(household: dict[str, Any]) -> str:
    for member in household.get("members") or ():
        if member.get("relation") == "APPLICANT":
            return str(member.get("name") or "")
    return ""


def case_line(view: CaseView, today: date) -> CaseLine:
    deadlines = _deadlines(view, today)
    return CaseLine(
        id=view.id,
        applicant=applicant_name(view.household),
        status_zh=view.status_zh,
        status_en=view.status_en,
        version=view.version,
        opened_on=view.opened_on,
        urgent=view.urgent,
        eligible=view.evaluation.eligible,
        category=view.evaluation.category,
        next_deadline=deadlines[0] if deadlines else None,
        overdue=any(d.overdue for d in deadlines),
    )


@dataclass(frozen=True)
class HistoryLine:
    step_zh: str
    step_en: str
    from_zh: str
    to_zh: str
    from_status: str
    to_status: str
    on: date
    actor: str
    role_zh: str
    comment: str | None
    late: bool  #: taken after its deadline
    recorded_at: str = ""  #: when it was entered, "2026-11-20 09:31" (Asia/Shanghai)
    entered_late: bool = False  #: entered later than procedure.late_entry_days
    pending: bool = False  #: new facts waiting for a second person


#: History entries of decisions on new facts (no step of any procedure)
FACTS_DECISIONS = {
    "approve_facts": ("审批通过家庭情况变更", "new facts approved"),
    "reject_facts": ("驳回家庭情况变更", "new facts rejected"),
    "add_evidence": ("上传证明材料", "evidence added"),
}


@dataclass(frozen=True)
class ActionForm:
    """A step the signed-in member of staff may take on the file today."""

    name: str
    zh: str
    en: str
    needs_comment: bool
    #: a refusal or an exit (it closes the file): never shown as the primary button
    closes: bool = False


@dataclass(frozen=True)
class MemberLine:
    name: str
    relation: str
    id_number: str  #: masked by the service (``**************002X``), or empty
    age: Any
    monthly_income: str
    notes: str


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows of one file."""

    line: CaseLine
    opened_by: str
    deadlines: list[DeadlineLine]
    history: list[HistoryLine]
    actions: list[ActionForm]
    members: list[MemberLine]
    evaluation: Evaluation
    #: new facts waiting for a second person: (entered by, on, what they would give)
    pending: tuple[str, date, Evaluation] | None = None
    turn: Turn | None = None  #: whose turn the file is


MEMBER_NOTES = (
    ("seriousIllness", "重病"),
    ("disabled", "残疾"),
    ("ableToWork", "有劳动能力"),
)
RELATION_ZH = {"APPLICANT": "申请人", "SPOUSE": "配偶", "CHILD": "子女", "PARENT": "父母"}


def _members(household: dict[str, Any]) -> list[MemberLine]:
    lines = []
    for m in household.get("members") or ():
        notes = "、".join(zh for key, zh in MEMBER_NOTES if m.get(key))
        lines.append(
            MemberLine(
                name=str(m.get("name") or ""),
                relation=RELATION_ZH.get(str(m.get("relation")), "其他"),
                id_number=str(m.get("idNumber") or ""),
                age=m.get("age"),
                monthly_income=money(Decimal(str(m.get("monthlyIncome") or "0"))),
                notes=notes,
            )
        )
    return lines


def case_page(view: CaseView, labels: Procedures, today: date) -> CasePage:
    history = []
    for e in view.history:
        step_zh, step_en = labels.step(e.action)
        history.append(
            HistoryLine(
                step_zh=step_zh,
                step_en=step_en,
                from_zh=labels.status(e.from_status)[0] if e.from_status else "",
                to_zh=labels.status(e.to_status)[0] if e.to_status else "",
                from_status=e.from_status or "",
                to_status=e.to_status or "",
                on=e.on,
                actor=e.actor,
                role_zh=role_label(e.role)[0],
                comment=e.comment,
                late=e.late,
                recorded_at=e.recorded_at.strftime("%Y-%m-%d %H:%M") if e.recorded_at else "",
                entered_late=e.entered_late,
                pending=e.pending,
            )
        )
    actions = [
        ActionForm(name, *labels.step(name), labels.needs_comment(name), labels.closes(name))
        for name in view.available_actions
    ]
    actions.sort(key=lambda a: a.closes)  # the steps that move the file on first
    return CasePage(
        line=case_line(view, today),
        opened_by=view.opened_by,
        deadlines=_deadlines(view, today),
        history=history,
        actions=actions,
        members=_members(view.household),
        evaluation=view.evaluation,
        pending=(
            (
                view.pending_facts.entered_by,
                view.pending_facts.entered_on,
                view.pending_facts.evaluation,
            )
            if view.pending_facts
            else None
        ),
        turn=view.turn,
    )


# --------------------------------------------------------------------------- 算账
@dataclass(frozen=True)
class AccountLine:
    zh: str
    en: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Worksheet:
    """The household accounts (算账): yearly income by member and kind, yearly spending
    by kind, and the gap (spending less income, when larger), as the rules computed it."""

    income: list[AccountLine]
    income_total: Decimal
    spending: list[AccountLine]
    spending_total: Decimal
    gap: Decimal


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        return Decimal("0")


def worksheet(household: dict[str, Any], evaluation: Evaluation) -> Worksheet:
    from core.web.labels import code_label

    income = []
    for m in household.get("members") or ():
        monthly = _amount(m.get("monthlyIncome"))
        if monthly:
            income.append(
                AccountLine(
                    f"{m.get('name') or ''} 工资性收入",
                    "wages",
                    monthly * 12,
                    f"{monthly:.2f} × 12",
                )
            )
    other = _amount(household.get("otherAnnualIncome"))
    if other:
        income.append(AccountLine("其他收入", "other income", other))
    expenses = household.get("annualExpenses") or {}
    spending = []
    for kind in ("rent", "living", "medical", "education", "other"):
        zh, en = code_label("expense", kind)
        spending.append(AccountLine(f"{zh}支出", f"{en}", _amount(expenses.get(kind))))
    b = evaluation.budget
    return Worksheet(income, b.annual_income, spending, b.annual_expenses, b.gap)


# --------------------------------------------------------------------------- printouts
def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: the family name only, as a public notice shows it."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def notice_rule(tenant: Tenant) -> tuple[int | str, str | None] | None:
    """The public notice's length in the tenant's procedure, as its guard
    ``notice_period_elapsed`` states it: (working days or the parameter holding them, the
    parameter holding the counting reading or None); None when the procedure has none."""
    procedure = procedure_of(tenant)
    for action in procedure.actions if procedure else ():
        for guard in action.guards:
            if guard.kind != "notice_period_elapsed":
                continue
            shown = guard.name[guard.name.find("(") + 1 : guard.name.rfind(")")]
            days: int | str = int(shown) if shown.isdigit() else shown
            names = [p for p in getattr(guard, "parameters", ()) if p != shown]
            return days, (names[0] if names else None)
    return None
