"""Staff pages of the funds ledger, under ``/staff/{tenant}``:

* ``/funds?year=2026``: each fund's balances (derived from its entries) and its entries;
* ``/payments``: the payments waiting for approval, approved here (four eyes, 量入为出);
* ``/cases/{id}/payments``: a case's payments;
* ``/cases/{id}/documents``: a case's documents (tax reliefs, waivers), and the form to
  issue one;
* relief in kind (stock, distribution lists, 签收): :mod:`core.funds.in_kind_pages`.

Server-rendered like the case pages (:mod:`core.web.routes`), through the same desk and
on the same service as GraphQL (:class:`core.funds.service.FundsService`), so every rule,
role and refusal is the API's. A POST carries the form token; a refusal shows the page
again with the service's message in both languages and a 4xx status; nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from core import clock
from core.errors import BangfuError, bad_input
from core.funds.desk import PROPOSERS
from core.funds.in_kind_pages import in_kind_pages
from core.funds.ledger import ACCOUNTS, KINDS, SOURCES
from core.funds.payments import PROPOSED, STATES
from core.funds.service import FundsService
from core.model import BENEFIT_FORMS
from core.money import format_yuan
from core.registry import Registry, Tenant
from core.web.desk import Desk, open_desk
from core.web.pages import page, see_other
from core.web.presenters import Notice, brand_of, http_status, refusal, signed, staff_tenant
from core.web.session import check_form_token

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE = 100


def _tenant(request: Request, code: str) -> Tenant:
    registry: Registry = request.app.state.registry
    return staff_tenant(registry, code)


def _funds(request: Request, desk: Desk) -> FundsService:
    return FundsService(desk.cases.session, request.app.state.registry)


def _year(value: str | None) -> int:
    if not value:
        return clock.today().year
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise bad_input(f"the year {value[:10]!r} is not a year", "年度有误")
    return int(value)


def _payment_lines(rows: list[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "case_id": p.case_number,
            "programme": names.get(p.programme, p.programme),
            "period": p.period,
            "source": SOURCES.get(p.source, (p.source,))[0],
            "amount": format_yuan(p.amount_fen),
            "status_zh": STATES.get(p.status, (p.status, p.status))[0],
            "status_en": STATES.get(p.status, (p.status, p.status))[1],
            "proposed_by": p.proposed_by,
            "approved_by": p.approved_by or "",
            "ruleset": p.ruleset,
            "determined_on": p.determined_on,
        }
        for p in rows
    ]


def _names(where: Tenant) -> dict[str, str]:
    return {p.code: p.name for p in where.programmes}


@get("/{tenant:str}/funds", sync_to_thread=True)
def fund_page(
    request: Request, tenant: FromPath[str], year: FromQuery[str | None] = None
) -> Template:
    """The year's funds: balances from the entries, then the entries themselves."""
    where = _tenant(request, tenant)
    y = _year(year)
    with open_desk(request, where) as desk:
        funds = _funds(request, desk)
        balances = funds.balances(desk.principal, y)
        entries = funds.entries(desk.principal, y, None, PAGE)
        return page(
            request,
            "funds.html",
            brand_of(where),
            year=y,
            funds=[
                {
                    "source": SOURCES.get(b.source, (b.source, b.source)),
                    **{
                        k: format_yuan(getattr(b, k))
                        for k in ("raised", "spent", "available", "bank", "payable")
                    },
                }
                for b in balances
            ],
            entries=[
                {
                    "journal": e.journal[:8],
                    "line": e.line,
                    "booked_on": e.booked_on,
                    "source": SOURCES.get(e.source, (e.source,))[0],
                    "account": ACCOUNTS.get(e.account, (e.account,))[0],
                    "kind": KINDS.get(e.kind, (e.kind,))[0],
                    "amount": format_yuan(e.amount_fen),
                    "document": e.document or "",
                    "payment": e.payment_id or "",
                    "actor": e.actor,
                    "recorded_at": e.recorded_at,
                }
                for e in entries
            ],
            signed=signed(desk.principal),
        )


def _waiting_page(
    request: Request, where: Tenant, desk: Desk, status: int = 200, notice: Notice | None = None
) -> Template:
    funds = _funds(request, desk)
    rows = funds.payments(desk.principal, PROPOSED, None, None, PAGE)
    balances = funds.balances(desk.principal)
    return page(
        request,
        "payments.html",
        brand_of(where),
        status=status,
        notice=notice,
        lines=_payment_lines(rows, _names(where)),
        total=format_yuan(sum(p.amount_fen for p in rows)),
        funds=[
            {
                "year": b.year,
                "source": SOURCES.get(b.source, (b.source,))[0],
                "available": format_yuan(b.available),
            }
            for b in balances
        ],
        signed=signed(desk.principal),
    )


@get("/{tenant:str}/payments", sync_to_thread=True)
def waiting_for_approval(request: Request, tenant: FromPath[str]) -> Template:
    """The payments waiting for approval (待审批)."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _waiting_page(request, where, desk)


@post("/{tenant:str}/payments/approve", sync_to_thread=True)
def approve_payments(request: Request, tenant: FromPath[str], data: Form) -> Template | Redirect:
    """Approve the ticked payments (four eyes; refused below zero, naming the shortfall)."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    chosen = data.get("payment") or []
    ids = [chosen] if isinstance(chosen, str) else list(chosen)
    with open_desk(request, where) as desk:
        try:
            n = _funds(request, desk).approve(desk.principal, ids[:500])
        except BangfuError as exc:
            return _waiting_page(request, where, desk, http_status(exc), refusal(exc))
    return see_other(f"{brand_of(where).base}/payments?approved={n}")


@get("/{tenant:str}/cases/{case_id:str}/payments", sync_to_thread=True)
def case_payments(request: Request, tenant: FromPath[str], case_id: FromPath[str]) -> Template:
    """A case's payments (the file itself is read through the case service: another
    tenant's file, or none, is NOT_FOUND)."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        case = desk.cases.get_case(desk.principal, case_id)
        rows = _funds(request, desk).payments(desk.principal, None, case.id, None, PAGE)
        return page(
            request,
            "case_payments.html",
            brand_of(where),
            case_id=case.id,
            status_zh=case.status_zh,
            lines=_payment_lines(rows, _names(where)),
            signed=signed(desk.principal),
        )


def _documents_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    case_id: str,
    status: int = 200,
    notice: Notice | None = None,
    typed: dict[str, str] | None = None,
) -> Template:
    case = desk.cases.get_case(desk.principal, case_id)
    documents = _funds(request, desk).documents_of(desk.principal, case.id)
    return page(
        request,
        "case_documents.html",
        brand_of(where),
        status=status,
        notice=notice,
        case_id=case.id,
        status_zh=case.status_zh,
        documents=[
            {
                "id": d.id,
                "text": d.text,
                "programme": _names(where).get(d.programme, d.programme),
                "period": d.period,
                "issued_by": d.issued_by,
                "issued_on": d.issued_on,
            }
            for d in documents
        ],
        programmes=[
            (p.code, p.name, *BENEFIT_FORMS[p.form][:2])
            for p in where.programmes
            if not p.paid_from_fund
        ],
        may_issue=desk.principal.role in PROPOSERS,
        typed={"period": str(clock.today().year), **(typed or {})},
        signed=signed(desk.principal),
    )


@get("/{tenant:str}/cases/{case_id:str}/documents", sync_to_thread=True)
def case_documents(request: Request, tenant: FromPath[str], case_id: FromPath[str]) -> Template:
    """A case's documents (tax reliefs, waivers, referrals), printable, in Chinese, and
    the form to issue one (staff issue them; nothing issues them by itself)."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _documents_page(request, where, desk, case_id)


@post("/{tenant:str}/cases/{case_id:str}/documents", sync_to_thread=True)
def issue_document(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], data: Form
) -> Template | Redirect:
    """Issue the document of a programme that is not fund money, once per period."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    typed = {k: str(data.get(k) or "").strip()[:40] for k in ("programme", "period")}
    with open_desk(request, where) as desk:
        try:
            made = _funds(request, desk).issue_document(
                desk.principal, case_id, typed["programme"], typed["period"]
            )
        except BangfuError as exc:
            return _documents_page(
                request, where, desk, case_id, http_status(exc), refusal(exc), typed
            )
    return see_other(f"{brand_of(where).base}/cases/{case_id}/documents#document-{made.id}")


def funds_pages() -> list[Any]:
    """The route handlers, for :func:`core.web.routes.staff_pages`."""
    return [
        fund_page,
        waiting_for_approval,
        approve_payments,
        case_payments,
        case_documents,
        issue_document,
        *in_kind_pages(),
    ]
