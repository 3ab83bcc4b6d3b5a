"""The national dashboard, under ``/national``: server-rendered, Chinese first, charts in SVG.

For the national role: a national account's user name and password (``bangfu user create
--tenant national --role national``), or a ``national`` bearer token pasted once, is
exchanged for a server-side session (:mod:`core.auth.sessions`, as the staff pages do);
the browser keeps only the session's random id, in an HttpOnly, ``SameSite=Strict``
cookie scoped to ``/national``. Forms carry the session's form token and are refused
from another origin. It shows:

* coverage and yearly cost by tenant, by programme and by national group, for an
  illustrative synthetic population (:mod:`core.simulation.synthetic`) on today's date;
* a reform (one parameter's value, a programme switched off) against its baseline: cost
  change per programme, winners and losers by income decile;
* the caseload of every tenant over the last twelve months, from ``statistics`` (counts
  below 5 suppressed exactly as there);
* exits against each tenant's targets (:mod:`core.targets`), suppressed as ``statistics``.

Every table downloads as CSV or XLSX with the same rows (:mod:`core.simulation.tables`).
Nothing loads from another site and no script runs: the pages' security headers are the
staff pages' (:data:`core.web.pages.SECURITY_HEADERS`).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.exc import SQLAlchemyError

from core import clock
from core.auth.principal import Principal
from core.auth.sessions import (
    SESSION_ID,
    end_session,
    form_token_of,
    resolve_session,
    start_session,
)
from core.auth.tokens import find_token
from core.db.request import STATE_KEY, RequestDatabase
from core.errors import UNAUTHENTICATED, BangfuError, bad_input
from core.memo import ByIdentity
from core.parameters import value_problem
from core.registry import Registry, Tenant
from core.settings import database_url, session_absolute_timeout
from core.simulation import tables
from core.simulation.caseload import caseload_trend, month_ends
from core.simulation.reforms import Reform, ReformResult, compare, reformed_tenant
from core.simulation.simulate import SimulationResult, simulate
from core.simulation.synthetic import synthetic_population
from core.web import charts
from core.web.accounts import sign_in_with_password
from core.web.pages import SECURITY_HEADERS
from core.web.presenters import yuan
from core.web.session import (
    MAX_TOKEN_LENGTH,
    check_origin,
    new_form_token,
    pasted_token,
    request_scheme,
)

log = logging.getLogger("bangfu.web.national")
PATH = "/national"
SESSION_COOKIE = "bangfu_national"  #: the server-side session's id
NATIONAL = "national"
CSRF_COOKIE = "bangfu_national_csrf"
CSRF_FIELD = "csrf"
SAMPLE_HOUSEHOLDS = 20_000
SAMPLE_SEED = 2026
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
#: The staff pages' headers, but the referrer policy "same-origin": with "no-referrer"
#: Chromium sends ``Origin: null`` on a same-site form POST, which the origin check must
#: refuse. "same-origin" still sends nothing to other sites.
HEADERS = {**SECURITY_HEADERS, "Referrer-Policy": "same-origin"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- cookies
def _cookie(request: Request, key: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request_scheme(request) == "https",
    )


def _session_id(request: Request) -> str | None:
    value = request.cookies.get(SESSION_COOKIE)
    return value if isinstance(value, str) and SESSION_ID.fullmatch(value) else None


def _form_token(request: Request) -> tuple[str, list[Cookie]]:
    """Signed in: the session's form token; otherwise one kept in a cookie of its own."""
    session_id = _session_id(request)
    if session_id is not None:
        return form_token_of(session_id), []
    current = request.cookies.get(CSRF_COOKIE) or ""
    if 20 <= len(current) <= 100 and current.isascii():
        return current, []
    token = new_form_token()
    return token, [_cookie(request, CSRF_COOKIE, token, None)]


def _form_ok(request: Request, form: dict[str, Any]) -> bool:
    """The POST came from this site (``Origin``) with the form token of this browser."""
    try:
        check_origin(request)
    except BangfuError:
        return False
    session_id = _session_id(request)
    expected = form_token_of(session_id) if session_id else request.cookies.get(CSRF_COOKIE)
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not expected or not sent.isascii() or not expected.isascii():
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def _page(
    request: Request,
    template: str,
    status: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Template:
    token, more = _form_token(request)
    return Template(
        template_name=template,
        context={"csrf": token, "csrf_field": CSRF_FIELD, **context},
        status_code=status,
        cookies=[*(cookies or []), *more],
        headers=HEADERS,
    )


def _see_other(url: str, cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(url, status_code=303, cookies=cookies or [], headers=HEADERS)


# --------------------------------------------------------------------------- who
def _database(request: Request) -> RequestDatabase:
    url = request.app.state.get(STATE_KEY) or database_url()
    return RequestDatabase(url)


def _signed_in(request: Request) -> tuple[RequestDatabase, Principal] | None:
    """The database and the national user of this browser's live session, or None."""
    session_id = _session_id(request)
    if session_id is None or not session_id.startswith(f"{NATIONAL}."):
        return None
    db = _database(request)
    try:
        principal = resolve_session(db.session, session_id)
    except BaseException:
        db.close()
        raise
    if principal is None or not principal.is_national:
        db.close()
        return None
    return db, principal


def _registry(request: Request) -> Registry:
    return request.app.state.registry


# --------------------------------------------------------------------------- data
_BASELINES: ByIdentity[SimulationResult] = ByIdentity(limit=8)


def baseline(registry: Registry, on: date) -> SimulationResult:
    """Every tenant over the illustrative sample, once per day and registry."""

    def make() -> SimulationResult:
        population = synthetic_population(SAMPLE_HOUSEHOLDS, SAMPLE_SEED)
        source = (
            f"合成样本 {SAMPLE_HOUSEHOLDS} 户(种子 {SAMPLE_SEED},收入分布仅为示意)"
            f" / synthetic sample, illustrative"
        )
        return simulate(registry.ordered(), population, on, source=source)

    return _BASELINES.get(registry, on, make)


@dataclass(frozen=True)
class ReformAsked:
    tenant: str
    parameter: str
    value: str
    off: str

    @property
    def given(self) -> bool:
        """Something was asked (a half-filled form too: it is refused, not ignored)."""
        return bool(self.parameter or self.value or self.off)

    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self.__dict__)


def _asked(request: Request, registry: Registry) -> ReformAsked:
    q = request.query_params

    def text(name: str) -> str:
        value = q.get(name) or ""
        return value.strip()[:100] if isinstance(value, str) else ""

    regional = registry.regional()
    default = "hebei" if "hebei" in registry.tenants else (regional[0].code if regional else "")
    tenant = text("tenant") or default
    return ReformAsked(tenant, text("parameter"), text("value"), text("off"))


def _value(text: str) -> Any:
    """A value typed into the form, read as in a parameter file (900, 0.08, true)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


#: what a value of each parameter type is, for the reform form's refusals
KIND_ZH = {
    "money": ("金额(元),如 900", "an amount in yuan, such as 900"),
    "rate": ("0到1之间的比例,如 0.05", "a fraction between 0 and 1, such as 0.05"),
    "number": ("不小于0的数,如 1.5", "a number >= 0, such as 1.5"),
    "integer": ("不小于0的整数,如 12", "a whole number >= 0, such as 12"),
    "boolean": ("true(是)或 false(否)", "true or false"),
    "text": ("文字", "a text"),
    "schedule": (
        "分段表(请在 Python 中用 Reform 调整)",
        "a schedule (change it with a Reform in Python)",
    ),
}


@dataclass(frozen=True)
class ParameterChoice:
    """A parameter the reform form offers: its name, what it is, and its value today."""

    name: str
    description: str
    kind: str
    shown: str  #: the value in force, with its unit
    provisional: bool

    @property
    def label(self) -> str:
        flag = "(暂定)" if self.provisional else ""
        return f"{self.name} · {self.description} · 现值 {self.shown}{flag}"


def parameter_choices(tenant: Tenant, on: date) -> list[ParameterChoice]:
    """Every parameter of the tenant with a value on ``on``, with that value."""
    found = []
    for name, p in tenant.parameter_table.resolve_all(on).items():
        value = p.json_value()
        shown = "分段表" if p.type == "schedule" else str(value)
        if p.unit and p.type != "schedule":
            shown += f" {p.unit}"
        found.append(ParameterChoice(name, p.description, p.type, shown, p.provisional))
    return found


def check_reform(tenant: Tenant, asked: ReformAsked, on: date) -> None:
    """Refuse, saying what to do, a reform form that names no parameter for its value, no
    value for its parameter, a parameter the tenant does not have, or a value the
    parameter cannot take (nothing is simulated then)."""
    choices = {c.name: c for c in parameter_choices(tenant, on)}
    chosen = choices.get(asked.parameter)
    if asked.parameter and chosen is None:
        raise bad_input(
            f"{tenant.info.name} has no parameter {asked.parameter!r}",
            f"{tenant.info.name}没有参数 {asked.parameter},请从列表中选择",
        )
    if asked.value and chosen is None:
        raise bad_input(
            "choose the parameter the new value is for",
            f"已填写新取值“{asked.value}”,请选择要调整的参数",
        )
    if chosen is None:
        return
    if not asked.value:
        raise bad_input(
            f"give {chosen.name} a new value (today: {chosen.shown})",
            f"请填写参数 {chosen.name}({chosen.description})的新取值,现值 {chosen.shown}",
        )
    problem = value_problem(chosen.kind, _value(asked.value))
    if problem is not None:
        zh, en = KIND_ZH.get(chosen.kind, (chosen.kind, chosen.kind))
        raise bad_input(
            f"{asked.value!r} cannot be a value of {chosen.name}: it is {en} ({problem})",
            f"新取值“{asked.value}”不能用于参数 {chosen.name}({chosen.description}):"
            f"应为{zh},现值 {chosen.shown}",
            parameter=chosen.name,
        )


def reform_result(registry: Registry, asked: ReformAsked, on: date) -> ReformResult:
    tenant = registry.get(asked.tenant)
    check_reform(tenant, asked, on)
    parameters: dict[str, Any] = {}
    if asked.parameter and asked.value:
        parameters[asked.parameter] = _value(asked.value)
    name = "; ".join(
        [f"{asked.parameter} = {asked.value}"] * bool(parameters)
        + [f"关闭 {asked.off}"] * bool(asked.off)
    )
    reform = Reform(name, parameters, {asked.off: False} if asked.off else {}, tenant.code)
    changed = reformed_tenant(tenant, reform, registry)
    population = synthetic_population(SAMPLE_HOUSEHOLDS, SAMPLE_SEED)
    return compare(tenant, changed, population, on, reform.name)


def _trend_table(db: RequestDatabase, registry: Registry, who: Principal, today: date):
    trend = caseload_trend(db.session, registry, who, None, month_ends(today, 12))
    names = {t.code: t.info.name for t in registry.ordered()}
    return trend, tables.trend_table(trend, names)


def _all_tables(
    request: Request, db: RequestDatabase, who: Principal, today: date
) -> tuple[dict[str, tables.DataTable], dict[str, Any]]:
    """Every table of the dashboard, and what the page shows besides."""
    registry = _registry(request)
    result = baseline(registry, today)
    out = {
        t.key: t
        for t in (
            tables.coverage_table(result),
            tables.programme_table(result),
            tables.group_table(result),
            tables.parameter_table(result),
        )
    }
    extra: dict[str, Any] = {
        "result": result,
        "notice": None,
        "reform": None,
        "trend": None,
        "targets": None,
    }
    asked = _asked(request, registry)
    extra["asked"] = asked
    if asked.given:
        try:
            reform = reform_result(registry, asked, today)
        except BangfuError as exc:
            extra["notice"] = exc
        else:
            extra["reform"] = reform
            out["reform_programmes"] = tables.reform_programme_table(reform)
            out["reform_deciles"] = tables.reform_decile_table(reform)
    try:
        from core.cases.reports import targets
        from core.cases.service import CaseService

        progress = targets(CaseService(db.session, registry), who, None, today)
    except (SQLAlchemyError, BangfuError) as exc:
        log.warning("national dashboard: no targets (%s)", type(exc).__name__)
        db.session.rollback()
    else:
        extra["targets"] = progress
        names = {t.code: t.info.name for t in registry.ordered()}
        out["targets"] = tables.target_table(progress, names)
    try:
        trend, table = _trend_table(db, registry, who, today)
    except (SQLAlchemyError, BangfuError) as exc:
        log.warning("national dashboard: no caseload trend (%s)", type(exc).__name__)
        db.session.rollback()
    else:
        extra["trend"] = trend
        out["trend"] = table
    return out, extra


def _charts(extra: dict[str, Any], registry: Registry) -> dict[str, Any]:
    result: SimulationResult = extra["result"]
    regional = [t for t in result.tenants if t.programmes]
    shown = {
        "cost": charts.bars(
            "cost",
            "各地区年度支出 yearly cost by tenant",
            [(t.name, t.yearly_cost, f"{yuan(t.yearly_cost)} 元") for t in regional],
        ),
        "coverage": charts.bars(
            "coverage",
            "各地区受助户数 households covered by tenant",
            [
                (t.name, t.covered_households, f"{t.covered_households:,} 户")
                for t in result.tenants
            ],
            colour=charts.PALETTE[1],
        ),
    }
    reform: ReformResult | None = extra["reform"]
    if reform is not None:
        shown["reform"] = charts.diverging(
            "reform",
            "改革前后各项目年度支出变化 change in yearly cost per programme",
            [
                (
                    n,
                    max(rc - bc, 0),
                    max(bc - rc, 0),
                    f"+{yuan(max(rc - bc, 0))}",
                    f"-{yuan(max(bc - rc, 0))}",
                )
                for _c, n, _bh, _rh, bc, rc in reform.programme_changes()
            ],
        )
        shown["deciles"] = charts.diverging(
            "deciles",
            "按收入十等分的受益户与受损户 winners and losers by decile",
            [
                (
                    f"第{d.decile}组 D{d.decile}",
                    d.winners,
                    d.losers,
                    f"{d.winners:,} 户受益",
                    f"{d.losers:,} 户受损",
                )
                for d in reform.deciles
            ],
        )
    progress = extra["targets"]
    if progress:
        names = {t.code: t.info.name for t in registry.ordered()}
        shown["targets"] = charts.bars(
            "targets",
            "脱困目标完成比例 share of baseline files exited, against the target",
            [
                (
                    f"{names.get(t.tenant, t.tenant)} {t.due.isoformat()}",
                    0 if t.percent is None else int(t.percent * 100),
                    ("—(不足5件不显示)" if t.percent is None else f"{t.percent}%")
                    + f" / 要求 {t.required_percent}%",
                )
                for t in progress
            ],
            colour=charts.PALETTE[2],
        )
    trend = extra["trend"]
    if trend:
        names = {t.code: t.info.name for t in registry.ordered()}
        shown["trend"] = charts.lines(
            "trend",
            "各地区在办档案数 open cases over time (少于5件不显示)",
            [
                (names.get(code, code), [(p.on, p.open_cases) for p in points])
                for code, points in trend.items()
            ],
        )
    return shown


# --------------------------------------------------------------------------- pages
@get("/", sync_to_thread=True)
def door(request: Request) -> Template | Redirect:
    signed = _signed_in(request)
    if signed is not None:
        signed[0].close()
        return _see_other(f"{PATH}/dashboard")
    return _page(request, "national_signin.html")


_FORM_EXPIRED = BangfuError(
    UNAUTHENTICATED,
    "the form has expired or came from another site: nothing was changed; sign in again",
    "表单已过期或来自其他网站,未作任何更改,请重新登录",
)


@post("/sign-in", sync_to_thread=True)
def sign_in(request: Request, data: Form) -> Template | Redirect:
    """Exchange a national token for a server-side session (core/auth/sessions.py)."""
    refused = BangfuError(
        UNAUTHENTICATED,
        "this token does not sign in to the national dashboard: it is unknown, revoked or "
        "not a national token",
        "此令牌不能登录全国总工会页面:令牌不存在、已撤销或不是全国总工会令牌",
    )
    if not _form_ok(request, data):
        return _page(request, "national_signin.html", status=403, notice=_FORM_EXPIRED)
    raw = data.get("token")
    token = (
        pasted_token(raw) if isinstance(raw, str) and len(raw) <= MAX_TOKEN_LENGTH + 20 else None
    )
    if token is None:
        return _page(request, "national_signin.html", status=401, notice=refused)
    db = _database(request)
    try:
        row = find_token(db.session, token)
        if row is None or row.tenant != NATIONAL or row.role != NATIONAL:
            return _page(request, "national_signin.html", status=401, notice=refused)
        principal = Principal(row.user, row.tenant, row.role)
        db.session.rollback()
        session_id = start_session(db.session, principal, via="token", token_id=row.id)
    finally:
        db.close()
    return _into_dashboard(request, session_id)


@post("/password-sign-in", sync_to_thread=True)
def password_sign_in(request: Request, data: Form) -> Template | Redirect:
    """Sign in with a national account's user name and password (and one-time code), as
    the staff pages do (:func:`core.web.accounts.sign_in_with_password`)."""
    if not _form_ok(request, data):
        return _page(request, "national_signin.html", status=403, notice=_FORM_EXPIRED)
    try:
        session_id = sign_in_with_password(request, NATIONAL, data, _is_national)
    except BangfuError as exc:
        return _page(request, "national_signin.html", status=401, notice=exc)
    return _into_dashboard(request, session_id)


def _is_national(principal: Principal) -> bool:
    return principal.tenant == NATIONAL and principal.role == NATIONAL


def _into_dashboard(request: Request, session_id: str) -> Redirect:
    """Signed in: the session's cookie, and on to the dashboard."""
    seconds = int(session_absolute_timeout().total_seconds())
    return _see_other(
        f"{PATH}/dashboard",
        [
            _cookie(request, SESSION_COOKIE, session_id, seconds),
            _cookie(request, CSRF_COOKIE, "", 0),
        ],
    )


@post("/sign-out", sync_to_thread=True)
def sign_out(request: Request, data: Form) -> Redirect:
    if not _form_ok(request, data):
        return _see_other(f"{PATH}/dashboard")
    session_id = _session_id(request)
    if session_id is not None:
        db = _database(request)
        try:
            end_session(db.session, session_id)
        finally:
            db.close()
    return _see_other(f"{PATH}/", [_cookie(request, SESSION_COOKIE, "", 0)])


@get("/dashboard", sync_to_thread=True)
def dashboard(request: Request) -> Template | Redirect:
    signed = _signed_in(request)
    if signed is None:
        return _see_other(f"{PATH}/")
    db, who = signed
    registry = _registry(request)
    today = clock.today()  # the server's clock
    try:
        found, extra = _all_tables(request, db, who, today)
    finally:
        db.close()
    asked: ReformAsked = extra["asked"]
    chosen = registry.tenants.get(asked.tenant)
    return _page(
        request,
        "national.html",
        status=400 if extra["notice"] else 200,
        who=who,
        today=today,
        tables=found,
        charts=_charts(extra, registry),
        result=extra["result"],
        reform=extra["reform"],
        reform_refused=extra["notice"],  # shown beside the reform form
        asked=asked,
        query=asked.query() if asked.given else "",
        tenants=registry.regional(),
        parameter_choices=parameter_choices(chosen, today) if chosen else [],
        programme_codes=[p.code for p in chosen.programmes] if chosen else [],
        yuan=yuan,
        sample_households=SAMPLE_HOUSEHOLDS,
        sample_seed=SAMPLE_SEED,
        reform_parameters=repr(
            {asked.parameter: _value(asked.value)} if asked.parameter and asked.value else {}
        ),
        reform_tenant=repr(asked.tenant),
        reform_programmes=repr({asked.off: False} if asked.off else {}),
    )


@get("/download/{key:str}", sync_to_thread=True)
def download(request: Request, key: FromPath[str]) -> Response | Redirect:
    signed = _signed_in(request)
    if signed is None:
        return _see_other(f"{PATH}/")
    db, who = signed
    try:
        found, _extra = _all_tables(request, db, who, clock.today())
    finally:
        db.close()
    fmt = request.query_params.get("format") or "csv"
    table = found.get(key)
    if table is None or fmt not in ("csv", "xlsx"):
        return Response(
            content="没有这个表格或格式 / no such table or format (csv, xlsx)\n",
            status_code=404,
            media_type="text/plain; charset=utf-8",
            headers=HEADERS,
        )
    body = tables.to_csv(table) if fmt == "csv" else tables.to_xlsx(table)
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX,
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="bangfu-{key}.{fmt}"',
        },
    )


def national_pages() -> Router:
    """The national dashboard's pages, under ``/national``."""
    return Router(
        path=PATH, route_handlers=[door, password_sign_in, sign_in, sign_out, dashboard, download]
    )


__all__ = ["national_pages"]
