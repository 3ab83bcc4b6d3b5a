"""The staff pages, under ``/staff``: sign in, the case list, a case, a new case, evaluate.

Each handler reads the form, asks the case service (through :mod:`core.web.desk`) or the
evaluation, and answers with a page or a redirect (303 after a change, so reloading the
page never repeats it). Every POST is checked for its form token before anything else.

A refusal is never an error page: it is the same page again, with the service's message
in both languages, what the user typed, and a 4xx status. Nothing is changed by a refused
request: the service commits only a step that passed every check.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from sqlalchemy.exc import SQLAlchemyError

from core.cases.reports import report_deadlines
from core.errors import UNAUTHENTICATED, BangfuError, not_found
from core.evaluation import evaluate
from core.registry import Registry, Tenant
from core.web.desk import (
    Desk,
    NotSignedIn,
    open_desk,
    sign_in_with_token,
    sign_out_session,
    token_not_accepted,
)
from core.web.forms import (
    AMOUNT_FIELDS,
    EXPENSE_FIELDS,
    FLAG_FIELDS,
    MEMBER_FIELDS,
    MEMBER_ROWS,
    Typed,
    all_inputs,
    blank_household_form,
    expense_key,
    member_key,
    read_date,
    read_flag,
    read_household,
    read_step,
)
from core.web.pages import page, see_other
from core.web.presenters import (
    Brand,
    Notice,
    Procedures,
    brand_of,
    case_line,
    case_page,
    http_status,
    refusal,
    signed,
    staff_tenant,
    staff_tenants,
)
from core.web.session import (
    check_form_token,
    fresh_form_token,
    pasted_token,
    sign_in_cookie,
    sign_out_cookie,
)

log = logging.getLogger("bangfu.web")
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = 20
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _registry(request: Request) -> Registry:
    return request.app.state.registry


def _tenant(request: Request, code: str) -> Tenant:
    return staff_tenant(_registry(request), code)


def _case_not_found(case_id: str) -> BangfuError:
    """The service's answer for a file that is missing or another tenant's: one answer."""
    return not_found(f"no case file {case_id} that you may see", f"没有您可查看的档案 {case_id}")


def _household_form_context(typed: Typed) -> dict[str, Any]:
    return {
        "typed": typed,
        "general_problems": typed.general_problems(all_inputs() | {"on", "urgent", "asOf"}),
        "member_rows": range(MEMBER_ROWS),
        "member_fields": MEMBER_FIELDS,
        "amount_fields": AMOUNT_FIELDS,
        "flag_fields": FLAG_FIELDS,
        "expense_fields": EXPENSE_FIELDS,
        "member_key": member_key,
        "expense_key": expense_key,
    }


def _staff_context(desk: Desk) -> dict[str, Any]:
    return {"signed": signed(desk.principal)}


# --------------------------------------------------------------------------- the door
@get("/", sync_to_thread=False)
def tenant_list(request: Request) -> Template:
    """Which region's pages to open."""
    brands = [brand_of(t) for t in staff_tenants(_registry(request))]
    return page(request, "tenants.html", None, tenants=brands)


@get("/{tenant:str}", sync_to_thread=True)
def front_door(request: Request, tenant: FromPath[str]) -> Template:
    """The sign-in form; for someone signed in here, where to go next."""
    where = _tenant(request, tenant)
    try:
        with open_desk(request, where) as desk:
            return page(request, "home.html", brand_of(where), **_staff_context(desk))
    except NotSignedIn as exc:
        cookies = [sign_out_cookie(request)] if exc.token_refused else []
        return page(request, "signin.html", brand_of(where), cookies=cookies)


@post("/{tenant:str}/sign-in", sync_to_thread=True)
def sign_in(request: Request, tenant: FromPath[str], data: Form) -> Redirect:
    """Exchange a valid staff token of this tenant for a server-side session; the cookie
    holds the session's id, never the token. A session this browser held before ends."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    token = pasted_token(data.get("token"))
    if token is None:
        raise token_not_accepted(where)
    session_id = sign_in_with_token(request, where, token)
    sign_out_session(request)
    _, form_cookie = fresh_form_token(request)
    cookies = [sign_in_cookie(request, session_id), form_cookie]
    return see_other(f"{brand_of(where).base}/cases", cookies)


@post("/{tenant:str}/sign-out", sync_to_thread=True)
def sign_out(request: Request, tenant: FromPath[str], data: Form) -> Redirect:
    """End the session on the server, and forget it on this browser."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    sign_out_session(request)
    _, form_cookie = fresh_form_token(request)
    return see_other(f"{brand_of(where).base}/", [sign_out_cookie(request), form_cookie])


@get(
    "/{tenant:str}/theme.css",
    sync_to_thread=False,
    cache_control=CacheControlHeader(max_age=300),
)
def theme(request: Request, tenant: FromPath[str]) -> Response[str]:
    """The tenant's colour, as a style sheet (the pages allow no inline styles)."""
    brand = brand_of(_tenant(request, tenant))
    return Response(f":root {{ --brand: {brand.colour}; }}\n", media_type="text/css")


# --------------------------------------------------------------------------- case files
@get("/{tenant:str}/cases", sync_to_thread=True)
def case_list(
    request: Request,
    tenant: FromPath[str],
    status: FromQuery[str | None] = None,
    after: FromQuery[str | None] = None,
) -> Template:
    """The tenant's files, oldest first, a page at a time; overdue deadlines stand out."""
    where = _tenant(request, tenant)
    status = status or None
    today = date.today()
    with open_desk(request, where) as desk:
        views = desk.cases.list_cases(desk.principal, where.code, status, PAGE_SIZE + 1, after)
        lines = [case_line(v, today) for v in views[:PAGE_SIZE]]
        owed = report_deadlines(desk.cases, desk.principal, where.code, today)
        return page(
            request,
            "cases.html",
            brand_of(where),
            lines=lines,
            statuses=Procedures(where).statuses(),
            status_filter=status,
            after=after,
            next_after=lines[-1].id if len(views) > PAGE_SIZE else None,
            today=today,
            tenant_deadlines=owed,
            **_staff_context(desk),
        )


def _new_case_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    typed: Typed,
    status: int = 200,
    notice: Notice | None = None,
) -> Template:
    return page(
        request,
        "new_case.html",
        brand_of(where),
        status=status,
        notice=notice,
        **_household_form_context(typed),
        **_staff_context(desk),
    )


@get("/{tenant:str}/cases/new", sync_to_thread=True)
def new_case_form(request: Request, tenant: FromPath[str]) -> Template:
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _new_case_page(request, where, desk, blank_household_form(date.today()))


@post("/{tenant:str}/cases/new", sync_to_thread=True)
def open_case(request: Request, tenant: FromPath[str], data: Form) -> Template | Redirect:
    """Open a file for the household on the form, or show the form again with problems."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        household, typed = read_household(data)
        urgent = read_flag(data, "urgent", typed)
        try:
            on = read_date(data, "on", typed)
        except BangfuError as exc:
            typed.add_problem("on", exc.en)
            on = None
        if household is None or typed.problems:
            notice = Notice(
                "家庭信息有误,请修改标出的项目", "the household has problems: see below"
            )
            return _new_case_page(request, where, desk, typed, 400, notice)
        try:
            view = desk.cases.open_case(desk.principal, where.code, household, urgent, on)
        except BangfuError as exc:
            return _new_case_page(request, where, desk, typed, http_status(exc), refusal(exc))
        return see_other(f"{brand_of(where).base}/cases/{view.id}")


def _case_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    case_id: str,
    status: int = 200,
    notice: Notice | None = None,
) -> Template:
    view = desk.cases.find_case(desk.principal, case_id)
    if view is None:
        raise _case_not_found(case_id)
    today = date.today()
    return page(
        request,
        "case.html",
        brand_of(where),
        status=status,
        notice=notice,
        case=case_page(view, Procedures(where), today),
        today=today,
        **_staff_context(desk),
    )


@get("/{tenant:str}/cases/{case_id:str}", sync_to_thread=True)
def case_detail(request: Request, tenant: FromPath[str], case_id: FromPath[str]) -> Template:
    """One file: its evaluation, deadlines, history and the steps the viewer may take."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _case_page(request, where, desk, case_id)


@post("/{tenant:str}/cases/{case_id:str}", sync_to_thread=True)
def take_step(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], data: Form
) -> Template | Redirect:
    """Take a workflow step through the case service (as GraphQL's ``transition``)."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        try:
            step = read_step(data)
            moved = desk.cases.transition(
                desk.principal, case_id, step.action, step.expected_version, step.on, step.comment
            )
        except BangfuError as exc:
            return _case_page(request, where, desk, case_id, http_status(exc), refusal(exc))
        return see_other(f"{brand_of(where).base}/cases/{moved.id}")


# --------------------------------------------------------------------------- evaluation
def _evaluate_page(
    request: Request, where: Tenant, typed: Typed, status: int = 200, **context: Any
) -> Template:
    return page(
        request,
        "evaluate.html",
        brand_of(where),
        status=status,
        **_household_form_context(typed),
        **context,
    )


@get("/{tenant:str}/evaluate", sync_to_thread=False)
def evaluation_form(request: Request, tenant: FromPath[str]) -> Template:
    """The published rules applied to a household: open to anyone, nothing is stored."""
    where = _tenant(request, tenant)
    typed = blank_household_form(date.today())
    typed.values["asOf"] = typed.values.pop("on")
    return _evaluate_page(request, where, typed)


@post("/{tenant:str}/evaluate", sync_to_thread=False)
def evaluation_result(request: Request, tenant: FromPath[str], data: Form) -> Template:
    where = _tenant(request, tenant)
    check_form_token(request, data)
    household, typed = read_household(data)
    try:
        on = read_date(data, "asOf", typed) or date.today()
    except BangfuError as exc:
        typed.add_problem("asOf", exc.en)
        on = date.today()
    if household is None or typed.problems:
        notice = Notice("家庭信息有误,请修改标出的项目", "the household has problems: see below")
        return _evaluate_page(request, where, typed, 400, notice=notice)
    try:
        result = evaluate(where, household, on)
    except BangfuError as exc:
        return _evaluate_page(request, where, typed, http_status(exc), notice=refusal(exc))
    return _evaluate_page(request, where, typed, evaluation=result)


# --------------------------------------------------------------------------- refusals
def _brand_of_request(request: Request) -> Brand | None:
    code = request.path_params.get("tenant")
    try:
        return brand_of(_tenant(request, code)) if isinstance(code, str) else None
    except BangfuError:
        return None


def _sign_in_again(request: Request, exc: NotSignedIn) -> Template:
    brand = _brand_of_request(request)
    if brand is None:  # pragma: no cover - a desk is only opened for a known tenant
        return page(request, "refused.html", None, status=404)
    cookies = [sign_out_cookie(request)] if exc.token_refused else []
    notice = Notice(exc.zh, exc.en, "info")
    return page(request, "signin.html", brand, status=401, cookies=cookies, notice=notice)


def _refused(request: Request, exc: BangfuError) -> Template:
    brand = _brand_of_request(request)
    if exc.code == UNAUTHENTICATED and brand is not None:
        return page(request, "signin.html", brand, status=401, notice=refusal(exc))
    return page(request, "refused.html", brand, status=http_status(exc), notice=refusal(exc))


def _unreadable(request: Request, exc: ClientException) -> Template:
    """A request the framework could not read (a malformed form, too large a body)."""
    notice = Notice(
        "请求无法识别,请返回页面重新提交",
        "the request could not be read; go back and send the form again",
    )
    return page(
        request, "refused.html", _brand_of_request(request), status=exc.status_code, notice=notice
    )


def _database_down(request: Request, exc: SQLAlchemyError) -> Template:
    # the kind of fault only: a driver's message may quote the statement's parameters
    log.error("staff page %s: the database failed (%s)", request.url.path, type(exc).__name__)
    notice = Notice(
        "档案服务暂时不可用,请稍后再试",
        "case files are not available right now; please try again later",
    )
    return page(request, "refused.html", _brand_of_request(request), status=503, notice=notice)


def staff_pages() -> Router:
    """Every staff page, the style sheet and the refusal pages, under ``/staff``."""
    return Router(
        path="/staff",
        route_handlers=[
            tenant_list,
            front_door,
            sign_in,
            sign_out,
            theme,
            case_list,
            new_case_form,
            open_case,
            case_detail,
            take_step,
            evaluation_form,
            evaluation_result,
            create_static_files_router(
                path="/static",
                directories=[STATIC],
                cache_control=CacheControlHeader(max_age=3600),
            ),
        ],
        exception_handlers={
            NotSignedIn: _sign_in_again,
            BangfuError: _refused,
            ClientException: _unreadable,
            SQLAlchemyError: _database_down,
        },
    )
