"""Staff pages of relief in kind (003 五.9: 实物、超市购物券), under ``/staff/{tenant}``:

* ``/stock``: goods and vouchers on hand (to the unit and to the fen, checked against the
  ledger's ``stock`` account), and the form to receive what a fund bought;
* ``/distributions``: the distribution lists (发放名册), and the form to make one: one
  line per household (``档案号 数量 物资编号``), refused as a whole, naming each line;
* ``/distributions/{id}``: one list, printable, with a hand-over form (签收人 or 见证人)
  on each line still waiting; a closed line shows who signed and when.

Server-rendered like the other funds pages (:mod:`core.funds.web`), on the same service
as GraphQL (:class:`core.funds.in_kind.InKind`): its roles, rules and refusals. A POST
carries the form token; a refusal shows the page again with the service's message
(Chinese first) and a 4xx status, keeps what was typed, and changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from core import clock
from core.errors import RULE_VIOLATION, BangfuError, bad_input, not_found
from core.funds.desk import PROPOSERS, TREASURERS, small_number
from core.funds.in_kind import KINDS, MAX_QUANTITY, VOUCHER, stock_matches_ledger
from core.funds.ledger import SOURCES
from core.funds.service import FundsService
from core.model import BenefitForm
from core.money import OTHER_DIGITS_EN, OTHER_DIGITS_ZH, format_yuan, to_fen, written_amount
from core.registry import Registry, Tenant
from core.web.desk import Desk, open_desk
from core.web.pages import page, see_other
from core.web.presenters import Notice, brand_of, http_status, refusal, signed, staff_tenant
from core.web.session import check_form_token

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
#: the programmes a distribution list may be made for: those paid from a fund
FUND_FORMS = (BenefitForm.FUND_CASH, BenefitForm.FUND_IN_KIND)
MAX_LINES = 2000
_SEPARATORS = re.compile(r"[\s,,、;;]+")


# --------------------------------------------------------------------------- typed
def _text(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value or "").strip()[:4000]


def whole(text: str, zh: str, en: str, required: bool = True) -> int | None:
    """A whole number as a person types it (ASCII digits); ``BAD_INPUT`` naming the field."""
    if not text:
        if required:
            raise bad_input(f"{en} is required", f"请填写{zh}")
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise bad_input(
            f"{en}: {text[:20]!r} is not a whole number", f"{zh}应为整数(半角数字):{text[:20]}"
        )
    return int(text)


def yuan_to_fen(text: str, zh: str, en: str) -> int:
    """An amount typed in yuan (``45.50``) as fen; ``BAD_INPUT`` naming the field."""
    if not text:
        raise bad_input(f"{en} is required", f"请填写{zh}")
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise bad_input(f"{en}: {OTHER_DIGITS_EN}", f"{zh}:{OTHER_DIGITS_ZH}")
    if len(text) > 20 or not written_amount(text) or "e" in text.lower():
        raise bad_input(
            f'{en}: {text[:20]!r} is not an amount of yuan; write it like "45.50"',
            f"{zh}:{text[:20]} 不是金额,请写成 45.50 的形式",
        )
    try:
        return to_fen(text)
    except (ValueError, ArithmeticError):
        raise bad_input(f"{en} has more than two decimals", f"{zh}最多两位小数(到分)") from None


def household_lines(kept: list[str], default_item: str) -> list[tuple[str, str, int]]:
    """The lines of the list as typed (blank ones left out): one household a line,
    ``档案号 [数量 [物资编号]]`` (quantity 1 and the chosen item when left out; spaces,
    commas or tabs between, as pasted from a sheet). The n-th household is 第n行, here and
    in the service's refusals; ``RULE_VIOLATION`` naming every line that cannot be read."""
    if not kept:
        raise bad_input("a list needs at least one household", "名册至少应有一户")
    if len(kept) > MAX_LINES:
        raise bad_input(
            f"at most {MAX_LINES} households a list", f"一份名册至多{MAX_LINES}户,请分册制作"
        )
    problems: list[str] = []
    lines: list[tuple[str, str, int]] = []
    for n, line in enumerate(kept, 1):
        parts = _SEPARATORS.split(line)
        if len(parts) > 3:
            problems.append(f"第{n}行:应为“档案号 数量 物资编号”,多了内容:{line[:40]}")
            continue
        case_id = parts[0]
        quantity_text = parts[1] if len(parts) > 1 else "1"
        item = parts[2] if len(parts) > 2 else default_item
        quantity = small_number(quantity_text)
        if quantity is None or quantity > MAX_QUANTITY:
            problems.append(f"第{n}行:数量“{quantity_text[:20]}”有误,应为1至{MAX_QUANTITY}的整数")
            continue
        if not item:
            problems.append(f"第{n}行:未选择物资")
            continue
        lines.append((case_id[:40], item[:40], quantity))
    if problems:
        raise BangfuError(
            RULE_VIOLATION,
            f"the distribution list was not made: {len(problems)} line(s) cannot be read",
            "发放名册未生成:" + ";".join(problems[:20]),
            {"guard": "distribution_lines", "problems": problems[:100]},
        )
    return lines


# --------------------------------------------------------------------------- desk
def _tenant(request: Request, code: str) -> Tenant:
    registry: Registry = request.app.state.registry
    return staff_tenant(registry, code)


def _funds(request: Request, desk: Desk) -> FundsService:
    return FundsService(desk.cases.session, request.app.state.registry)


def _source(code: str) -> str:
    return SOURCES.get(code, (code,))[0]


def _items(funds: FundsService, desk: Desk) -> list[dict[str, Any]]:
    return [
        {
            "id": b.item.id,
            "kind": KINDS.get(b.item.kind, (b.item.kind,))[0],
            "name": b.item.name,
            "unit": b.item.unit,
            "fund": f"{b.item.year}年{_source(b.item.source)}",
            "received": b.received,
            "listed": b.listed,
            "handed": b.handed,
            "on_hand": b.on_hand,
            "free": b.free,
            "unit_cost": format_yuan(b.item.unit_cost_fen),
            "value": format_yuan(b.value_on_hand),
            "supplier": b.item.supplier,
            "document": b.item.document,
            "received_on": b.item.received_on,
        }
        for b in funds.stock(desk.principal)
    ]


# --------------------------------------------------------------------------- stock
def _stock_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    status: int = 200,
    notice: Notice | None = None,
    typed: dict[str, str] | None = None,
) -> Template:
    funds = _funds(request, desk)
    balances = funds.stock(desk.principal)
    ledger_stock = {(b.year, b.source): b.stock for b in funds.balances(desk.principal)}
    by_fund: dict[tuple[int, str], int] = {}
    for b in balances:
        key = (b.item.year, b.item.source)
        by_fund[key] = by_fund.get(key, 0) + b.value_on_hand
    return page(
        request,
        "stock.html",
        brand_of(where),
        status=status,
        notice=notice,
        items=_items(funds, desk),
        funds=[
            {
                "fund": f"{year}年{_source(source)}",
                "value": format_yuan(value),
                "ledger": format_yuan(ledger_stock.get((year, source), 0)),
            }
            for (year, source), value in sorted(by_fund.items())
        ],
        agrees=stock_matches_ledger(balances, ledger_stock),
        may_receive=desk.principal.role in TREASURERS,
        sources=[(code, zh, en) for code, (zh, en) in SOURCES.items()],
        kinds=[(code, zh, en) for code, (zh, en) in KINDS.items()],
        typed={"year": str(clock.today().year), "kind": "goods", **(typed or {})},
        signed=signed(desk.principal),
    )


@get("/{tenant:str}/stock", sync_to_thread=True)
def stock_page(
    request: Request, tenant: FromPath[str], received: FromQuery[str | None] = None
) -> Template:
    """Goods and vouchers on hand, and the form to receive stock."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        notice = None
        if received:
            notice = Notice(
                f"已入库(物资编号 {received[:10]})", f"received into stock as item {received[:10]}",
                "info",
            )  # fmt: skip
        return _stock_page(request, where, desk, notice=notice)


RECEIVE_FIELDS = (
    "year", "source", "kind", "name", "unit", "quantity", "unitCost", "supplier", "document",
    "firstSerial", "serialPrefix",
)  # fmt: skip


@post("/{tenant:str}/stock", sync_to_thread=True)
def receive_stock(request: Request, tenant: FromPath[str], data: Form) -> Template | Redirect:
    """Receive goods or vouchers a fund bought (量入为出; vouchers numbered, each once)."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    typed = {key: _text(data, key) for key in RECEIVE_FIELDS}
    with open_desk(request, where) as desk:
        try:
            kind = typed["kind"]
            item = _funds(request, desk).receive_stock(
                desk.principal,
                whole(typed["year"], "年度", "the year") or 0,
                typed["source"],
                kind,
                typed["name"],
                typed["unit"],
                whole(typed["quantity"], "数量", "the quantity") or 0,
                yuan_to_fen(typed["unitCost"], "单价(元)", "the unit cost"),
                typed["supplier"],
                typed["document"],
                whole(typed["firstSerial"], "起始编号", "the first serial", kind == VOUCHER),
                typed["serialPrefix"],
            )
        except BangfuError as exc:
            return _stock_page(request, where, desk, http_status(exc), refusal(exc), typed)
    return see_other(f"{brand_of(where).base}/stock?received={item.id}")


# --------------------------------------------------------------------------- lists
def _programmes(where: Tenant) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in where.programmes if p.form in FUND_FORMS]


def _lists_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    status: int = 200,
    notice: Notice | None = None,
    typed: dict[str, str] | None = None,
) -> Template:
    funds = _funds(request, desk)
    names = {p.code: p.name for p in where.programmes}
    return page(
        request,
        "distributions.html",
        brand_of(where),
        status=status,
        notice=notice,
        lists=[
            {
                "id": s.made.id,
                "title": s.made.title,
                "programme": names.get(s.made.programme, s.made.programme),
                "period": s.made.period,
                "made_by": s.made.made_by,
                "made_on": s.made.made_on,
                "lines": s.lines,
                "waiting": s.waiting,
                "value": format_yuan(s.value_fen),
            }
            for s in funds.distributions(desk.principal)
        ],
        items=[i for i in _items(funds, desk) if i["free"] > 0],
        programmes=_programmes(where),
        may_make=desk.principal.role in PROPOSERS,
        typed={"period": str(clock.today().year), **(typed or {})},
        signed=signed(desk.principal),
    )


@get("/{tenant:str}/distributions", sync_to_thread=True)
def distribution_lists(request: Request, tenant: FromPath[str]) -> Template:
    """The distribution lists (发放名册), and the form to make one."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _lists_page(request, where, desk)


@post("/{tenant:str}/distributions", sync_to_thread=True)
def make_distribution(request: Request, tenant: FromPath[str], data: Form) -> Template | Redirect:
    """Make a list: refused as a whole, each line that is not allowed named with why."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    typed = {key: _text(data, key) for key in ("programme", "period", "title", "item")}
    typed["lines"] = str(data.get("lines") or "")[:100_000]
    with open_desk(request, where) as desk:
        try:
            kept = [line.strip() for line in typed["lines"].splitlines() if line.strip()]
            typed["lines"] = "\n".join(kept)  # shown again, numbered as the refusal says
            lines = household_lines(kept, typed["item"])
            made = _funds(request, desk).make_distribution(
                desk.principal, typed["programme"], typed["period"], typed["title"], lines
            )
        except BangfuError as exc:
            return _lists_page(request, where, desk, http_status(exc), refusal(exc), typed)
    return see_other(f"{brand_of(where).base}/distributions/{made.id}")


# --------------------------------------------------------------------------- one list
def _list_page(
    request: Request,
    where: Tenant,
    desk: Desk,
    list_id: str,
    status: int = 200,
    notice: Notice | None = None,
) -> Template:
    made, lines = _funds(request, desk).distribution(desk.principal, list_id)
    names = {p.code: p.name for p in where.programmes}
    return page(
        request,
        "distribution.html",
        brand_of(where),
        status=status,
        notice=notice,
        list_id=made.id,
        title=made.title,
        programme=names.get(made.programme, made.programme),
        period=made.period,
        made_by=made.made_by,
        made_on=made.made_on,
        lines=lines,
        waiting=sum(1 for x in lines if x["status"] == "listed"),
        total=format_yuan(sum(x["amountFen"] for x in lines)),
        may_hand_over=desk.principal.role in PROPOSERS,
        signed=signed(desk.principal),
    )


@get("/{tenant:str}/distributions/{list_id:str}", sync_to_thread=True)
def distribution_page(request: Request, tenant: FromPath[str], list_id: FromPath[str]) -> Template:
    """A distribution list (发放名册), printable: what each household receives, with room
    for the recipient's signature (签收) or the witness; a hand-over form on open lines."""
    where = _tenant(request, tenant)
    with open_desk(request, where) as desk:
        return _list_page(request, where, desk, list_id)


@post("/{tenant:str}/distributions/{list_id:str}/lines/{line_id:str}", sync_to_thread=True)
def hand_over(
    request: Request,
    tenant: FromPath[str],
    list_id: FromPath[str],
    line_id: FromPath[str],
    data: Form,
) -> Template | Redirect:
    """Close a line by the recipient's signature or a witness (once)."""
    where = _tenant(request, tenant)
    check_form_token(request, data)
    with open_desk(request, where) as desk:
        funds = _funds(request, desk)
        try:
            _made, lines = funds.distribution(desk.principal, list_id)
            if small_number(line_id) not in {x["line"] for x in lines}:
                raise not_found(
                    f"list {list_id[:20]} has no line {line_id[:20]}",
                    f"名册 {list_id[:20]} 中没有第{line_id[:20]}号",
                )
            funds.hand_over(
                desk.principal, line_id, _text(data, "signedBy"), _text(data, "witness")
            )
        except BangfuError as exc:
            return _list_page(request, where, desk, list_id, http_status(exc), refusal(exc))
    return see_other(f"{brand_of(where).base}/distributions/{list_id}#line-{line_id}")


def in_kind_pages() -> list[Any]:
    """The route handlers, for :func:`core.funds.web.funds_pages`."""
    return [
        stock_page,
        receive_stock,
        distribution_lists,
        make_distribution,
        distribution_page,
        hand_over,
    ]
