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

from core import clock
from core.cases.reports import report_deadlines
from core.cases.views import CaseView
from core.errors import UNAUTHENTICATED, BangfuError, bad_input, not_found
from core.evaluation import evaluate
from core.funds.web import funds_pages
from core.registry import Registry, Tenant
from core.verification.web import file_checks, verification_pages
from core.web import excel, printing
from core.web import worklist as wl
from core.web.accounts import sign_in_with_password
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
    household_form,
    member_key,
    read_date,
    read_flag,
    read_household,
    read_step,
)
from core.web.pages import SECURITY_HEADERS, TEXT_SIZES, page, see_other, text_size_cookie
from core.web.presenters import (
    Brand,
    Notice,
    Procedures,
    brand_of,
    case_line,
    case_page,
    http_status,
    logo_of,
    refusal,
    signed,
    staff_tenant,
    staff_tenants,
    worksheet,
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
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


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
        "shown_rows": _shown_rows(typed),
        "member_fields": MEMBER_FIELDS,
        "amount_fields": AMOUNT_FIELDS,
        "flag_fields": FLAG_FIELDS,
        "expense_fields": EXPENSE_FIELDS,
        "member_key": member_key,
        "expense_key": expense_key,
    }


def _shown_rows(typed: Typed) -> int:
    """Member blocks shown one by one: those filled in (or with problems) and one empty
    block more; the rest wait, folded, under "more members"."""
    used = [
        row
        for row in range(MEMBER_ROWS)
        if any(
            typed.value(member_key(row, f)) or typed.problems.get(member_key(row, f))
            for f in ("name", "idNumber", "age", "monthlyIncome")
        )
    ]
    return min(max(used, default=-1) + 2, MEMBER_ROWS)


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
    return see_other(f"{brand_of(where).base}/worklist", cookies)


@post("/{tenant:str}/password-sign-in", sync_to_thread=True)
def password_sign_in(request: Request, tenant: FromPath[str], data: Form) -> Redirect:
    """Sign in with a user name and password (and one-time code): a server-side session,
    as for a token. A session this browser held before ends."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    session_id = sign_in_with_password(request, where.code, data)
    sign_out_session(request)
    _, form_cookie = fresh_form_token(request)
    cookies = [sign_in_cookie(request, session_id), form_cookie]
    return see_other(f"{brand_of(where).base}/worklist", cookies)


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
    today = clock.today()
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
    duplicates: list[Any] | None = None,
) -> Template:
    return page(
        request,
        "new_case.html",
        brand_of(where),
        status=status,
        notice=notice,
        duplicates=duplicates or [],
        **_household_form_context(typed),
        **_staff_context(desk),
    )


@get("/{tenant:str}/cases/new", sync_to_thread=True)
def new_case_form(request: Request, tenant: FromPath[str]) -> Template:
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _new_case_page(request, where, desk, blank_household_form(clock.today()))


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
            typed.add_problem("on", exc.zh, exc.en)
            on = None
        if household is None or typed.problems:
            notice = Notice(
                "家庭信息有误,请修改标出的项目", "the household has problems: see below"
            )
            return _new_case_page(request, where, desk, typed, 400, notice)
        duplicate = _duplicate_notice(desk, where, household)
        if duplicate is not None:
            notice, files = duplicate
            return _new_case_page(request, where, desk, typed, 409, notice, duplicates=files)
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
    today = clock.today()
    return page(
        request,
        "case.html",
        brand_of(where),
        status=status,
        notice=notice,
        case=case_page(view, Procedures(where), today),
        sheet=worksheet(view.household, view.evaluation),
        facts_steps=_facts_steps(where),
        documents=printing.DOCUMENTS,
        today=today,
        **file_checks(request, desk, view),
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


# --------------------------------------------------------------------------- duplicates
def _is_open(where: Tenant, status: str) -> bool:
    """Whether a file in ``status`` is still open (not exited, not refused)."""
    procedure = Procedures(where).procedure
    return procedure is None or procedure.is_open(status)


def _duplicate_notice(desk: Desk, where: Tenant, household: Any) -> tuple[Notice, list[Any]] | None:
    """The duplicate check when a file is opened: an open file of this tenant for one of
    the household's ID numbers is shown (number, applicant, status); one of another tenant
    is refused with no word about it beyond "ask the level above"."""
    numbers = [m.id_number for m in household.members if m.id_number]
    here: list[CaseView] = []
    for number in numbers:
        for view in desk.cases.find_by_id_number(desk.principal, number):
            if _is_open(where, view.status) and view.id not in {v.id for v in here}:
                here.append(view)
    if here:
        files = [case_line(v, clock.today()) for v in here]
        return (
            Notice(
                "该身份证号在本地区已有在办档案,请在原档案中办理,不要重复建档",
                "an open file of this region already has this ID number: work on that file "
                "instead of opening another",
            ),
            files,
        )
    if any(desk.cases.open_elsewhere(desk.principal, n) for n in numbers):
        return (
            Notice(
                "该身份证号在其他地区已有在办档案,不能在本地区建档。请联系上级工会核实处理",
                "another region has an open file for this ID number, so no file can be "
                "opened here: please contact the union at the level above",
            ),
            [],
        )
    return None


# --------------------------------------------------------------------------- worklist
@get("/{tenant:str}/worklist", sync_to_thread=True)
def worklist(request: Request, tenant: FromPath[str]) -> Template:
    """My tasks, due this week, overdue, every file: sorted, filtered, searched, a page at a
    time (all of it done by the database)."""
    where = _tenant(request, tenant)
    query = wl.Query.read(dict(request.query_params))
    with open_desk(request, where) as desk:
        listed = desk.cases.worklist(desk.principal, where.code, query.asked())
        return page(
            request,
            "worklist.html",
            brand_of(where),
            listed=listed,
            lines=listed.lines,
            query=query,
            views=wl.VIEWS,
            sorts=wl.SORTS,
            statuses=Procedures(where).statuses(),
            **_staff_context(desk),
        )


@get("/{tenant:str}/worklist.xlsx", sync_to_thread=True)
def worklist_export(request: Request, tenant: FromPath[str]) -> Response[bytes]:
    """The worklist as shown (every page of it), as an Excel workbook."""
    where = _tenant(request, tenant)
    query = wl.Query.read(dict(request.query_params))
    with open_desk(request, where) as desk:
        listed = desk.cases.worklist(desk.principal, where.code, query.asked(whole=True))
    content = excel.export(listed.lines, f"{brand_of(where).display_name} 档案列表", listed.total)
    name = f"cases-{where.code}-{listed.today.isoformat()}.xlsx"
    return Response(
        content,
        media_type=excel.XLSX,
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


# --------------------------------------------------------------------------- import
@get("/{tenant:str}/import", sync_to_thread=True)
def import_form(request: Request, tenant: FromPath[str]) -> Template:
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return page(
            request, "import.html", brand_of(where), columns=excel.COLUMNS, **_staff_context(desk)
        )


@get("/{tenant:str}/import/template.xlsx", sync_to_thread=False)
def import_template(request: Request, tenant: FromPath[str]) -> Response[bytes]:
    _tenant(request, tenant)
    return Response(
        excel.template(),
        media_type=excel.XLSX,
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="bangfu-import-template.xlsx"',
        },
    )


@post("/{tenant:str}/import", sync_to_thread=True)
def import_sheet(request: Request, tenant: FromPath[str], data: Upload) -> Template | Redirect:
    """Check every row of the sheet; open every household's file in one transaction, or
    none when any row has a problem."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    upload = data.get("sheet")
    with open_desk(request, where) as desk:

        def again(status: int, notice: Notice, rows: list[Any] | None = None) -> Template:
            return page(
                request,
                "import.html",
                brand_of(where),
                status=status,
                notice=notice,
                rows=rows or [],
                columns=excel.COLUMNS,
                **_staff_context(desk),
            )

        if upload is None or not hasattr(upload, "file"):
            return again(400, Notice("请选择要导入的 Excel 文件", "choose an Excel file"))
        try:
            rows = excel.read_sheet(upload.file.read(excel.MAX_BYTES + 1))
        except BangfuError as exc:
            return again(http_status(exc), refusal(exc))
        numbers = {n for r in rows for n in r.id_numbers if not r.problems}
        here: dict[str, list[str]] = {}
        elsewhere = set()
        for number in numbers:
            here[number] = [
                v.id
                for v in desk.cases.find_by_id_number(desk.principal, number)
                if _is_open(where, v.status)
            ]
            if desk.cases.open_elsewhere(desk.principal, number):
                elsewhere.add(number)
        excel.check_duplicates(rows, here, elsewhere)
        bad = [r for r in rows if r.problems]
        if bad:
            notice = Notice(
                f"共{len(rows)}行,{len(bad)}行有误:整表未导入,请修改后重新导入",
                f"{len(bad)} of {len(rows)} rows have problems: nothing was imported",
            )
            return again(422, notice, rows)
        try:
            ids = desk.cases.open_cases(
                desk.principal, where.code, [(r.household, r.urgent, r.on) for r in rows]
            )
        except BangfuError as exc:
            return again(http_status(exc), refusal(exc), rows)
        notice = Notice(
            f"已导入{len(ids)}户,建档编号 #{ids[0]}–#{ids[-1]}", f"{len(ids)} imported", "info"
        )
        return page(
            request,
            "import.html",
            brand_of(where),
            notice=notice,
            imported=ids,
            columns=excel.COLUMNS,
            **_staff_context(desk),
        )


# --------------------------------------------------------------------------- facts at a step
def _facts_steps(where: Tenant) -> set[str]:
    procedure = Procedures(where).procedure
    return {a.name for a in procedure.actions if a.records_facts} if procedure else set()


def _facts_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    case_id: str,
    action: str,
    typed: Any = None,
    status: int = 200,
    notice: Notice | None = None,
) -> Template:
    view = desk.cases.find_case(desk.principal, case_id)
    if view is None:
        raise _case_not_found(case_id)
    if action not in _facts_steps(where) or action not in view.available_actions:
        raise bad_input(
            f"'{action}' is not a step that records household facts you may take on this file",
            "该环节不录入家庭情况,或您今天不能办理",
        )
    labels = Procedures(where)
    typed = typed or household_form(view.household)
    masked = {
        k.removesuffix(".masked"): v for k, v in typed.values.items() if k.endswith(".masked")
    }
    return page(
        request,
        "facts.html",
        brand_of(where),
        status=status,
        notice=notice,
        case=case_page(view, labels, desk.cases.today()),
        step=labels.step(action),
        action=action,
        needs_comment=labels.needs_comment(action),
        sheet=worksheet(view.household, view.evaluation),
        masked=masked,
        today=desk.cases.today(),
        **file_checks(request, desk, view),
        **_household_form_context(typed),
        **_staff_context(desk),
    )


@get("/{tenant:str}/cases/{case_id:str}/facts/{action:str}", sync_to_thread=True)
def facts_form(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], action: FromPath[str]
) -> Template:
    """A survey step (进、看、算, updating facts) with the household form, filled in."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _facts_page(request, where, desk, case_id, action)


@post("/{tenant:str}/cases/{case_id:str}/facts/{action:str}", sync_to_thread=True)
def record_facts(
    request: Request,
    tenant: FromPath[str],
    case_id: FromPath[str],
    action: FromPath[str],
    data: Form,
) -> Template | Redirect:
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        household, typed = read_household(data)
        view = desk.cases.find_case(desk.principal, case_id)
        if view is not None:  # masked ID numbers on file stay shown beside their inputs
            for key, value in household_form(view.household).values.items():
                if key.endswith(".masked"):
                    typed.values[key] = value
        if household is None or typed.problems:
            notice = Notice(
                "家庭信息有误,请修改标出的项目", "the household has problems: see below"
            )
            return _facts_page(request, where, desk, case_id, action, typed, 400, notice)
        try:
            step = read_step({**data, "action": action})
            moved = desk.cases.transition(
                desk.principal,
                case_id,
                action,
                step.expected_version,
                step.on,  # as the other step forms send it (until the server dates steps)
                step.comment,
                household,
            )
        except BangfuError as exc:
            status = http_status(exc)
            return _facts_page(request, where, desk, case_id, action, typed, status, refusal(exc))
        return see_other(f"{brand_of(where).base}/cases/{moved.id}")


# --------------------------------------------------------------------------- printing
def _document(request: Request, where: Tenant, desk: Desk, case_id: str, doc: str, embed: bool):
    if doc not in printing.DOCUMENTS:
        raise not_found(f"no printout {doc!r}", f"没有打印件 {doc}")
    view = desk.cases.find_case(desk.principal, case_id)
    if view is None:
        raise _case_not_found(case_id)
    zh, en, template = printing.DOCUMENTS[doc]
    today = desk.cases.today()
    return template, {
        "doc": doc,
        "title_zh": zh,
        "title_en": en,
        "case": case_page(view, Procedures(where), today),
        "sheet": worksheet(view.household, view.evaluation),
        "embed": printing.inlined(where) if embed else None,
        **printing.document_context(where, view, desk.cases.calendar, today),
    }


@get("/{tenant:str}/cases/{case_id:str}/print/{doc:str}", sync_to_thread=True)
def print_document(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], doc: FromPath[str]
) -> Template:
    """A printout as an A4 page (the browser prints it through the print style sheet)."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        template, context = _document(request, where, desk, case_id, doc, embed=False)
        return page(request, template, brand_of(where), **context, **_staff_context(desk))


@get("/{tenant:str}/cases/{case_id:str}/print/{doc:str}/pdf", sync_to_thread=True)
def print_pdf(
    request: Request, tenant: FromPath[str], case_id: FromPath[str], doc: FromPath[str]
) -> Response[bytes]:
    """The same printout as a PDF, drawn by headless Chromium."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        template, context = _document(request, where, desk, case_id, doc, embed=True)
        brand = brand_of(where)
    engine = request.app.template_engine
    assert engine is not None  # the staff pages' app is made with its templates
    html = engine.get_template(template).render(brand=brand, csrf="", csrf_field="", **context)
    content = printing.html_to_pdf(html)
    name = f"{doc}-{where.code}-{case_id}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={**SECURITY_HEADERS, "Content-Disposition": f'inline; filename="{name}"'},
    )


# --------------------------------------------------------------------------- look and feel
@get("/{tenant:str}/logo", sync_to_thread=False, cache_control=CacheControlHeader(max_age=3600))
def logo(request: Request, tenant: FromPath[str]) -> Response[bytes]:
    """The tenant's logo, shipped in its plugin as package data."""
    found = logo_of(_tenant(request, tenant))
    if found is None:
        raise not_found("this region has no logo", "本地区没有标志")
    headers = {
        "X-Content-Type-Options": "nosniff",
        # an SVG opened on its own runs nothing and loads nothing
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }
    return Response(found[0], media_type=found[1], headers=headers)


@post("/{tenant:str}/text-size", sync_to_thread=False)
def text_size(request: Request, tenant: FromPath[str], data: Form) -> Redirect:
    """The font-size switch (适老化): kept in a cookie, no script needed."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    size = data.get("size") if data.get("size") in TEXT_SIZES else "normal"
    given = data.get("back")
    back = given if isinstance(given, str) else ""
    if not back.startswith(brand_of(where).base) or "//" in back or "\\" in back:
        back = f"{brand_of(where).base}/"
    return see_other(back, [text_size_cookie(request, str(size))])


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
    typed = blank_household_form(clock.today())
    typed.values["asOf"] = typed.values.pop("on")
    return _evaluate_page(request, where, typed)


@post("/{tenant:str}/evaluate", sync_to_thread=False)
def evaluation_result(request: Request, tenant: FromPath[str], data: Form) -> Template:
    where = _tenant(request, tenant)
    check_form_token(request, data)
    household, typed = read_household(data)
    try:
        on = read_date(data, "asOf", typed) or clock.today()
    except BangfuError as exc:
        typed.add_problem("asOf", exc.zh, exc.en)
        on = clock.today()
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
            password_sign_in,
            sign_out,
            theme,
            case_list,
            new_case_form,
            open_case,
            case_detail,
            take_step,
            evaluation_form,
            evaluation_result,
            *funds_pages(),
            *verification_pages(),
            worklist,
            worklist_export,
            import_form,
            import_template,
            import_sheet,
            facts_form,
            record_facts,
            print_document,
            print_pdf,
            logo,
            text_size,
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
