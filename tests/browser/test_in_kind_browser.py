"""In a real browser: relief in kind (003 五.9) from the staff pages. The treasurer
receives rice and supermarket vouchers into stock; a caseworker makes a distribution
list (a refused line is named, in Chinese), hands a line over by the recipient's
signature and another by a witness; the list prints without its forms. axe-core checks
every page on the way; the screenshots are kept to be looked at.

A server of its own (its database is prepared with two filed Hebei files and the year's
送温暖 money first)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import PASSWORD, VIEWPORT, assert_accessible, shot
from tests.casefile_samples import ILL, D, staff

PEOPLE = (("hebei", "zhou.li", "admin"), ("hebei", "sun.qiang", "caseworker"))


@pytest.fixture(scope="module")
def prepared(chromium, sqlite_template, tmp_path_factory) -> Iterator[tuple[str, list[str]]]:
    """The server, with two filed Hebei files, one opened only, and 3,000.00 received."""
    from core.auth.accounts import create_user
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from core.db.testing import sqlite_database
    from core.funds.service import FundsService
    from core.registry import load_registry
    from tests.funds.conftest import TODAY, clone_filed, file_case
    from tests.live import live_server

    folder = tmp_path_factory.mktemp("in-kind-browser")
    registry = load_registry()
    with sqlite_database(sqlite_template, folder) as url:
        with session_factory(url)() as session:
            for tenant, user, role in PEOPLE:
                create_user(session, tenant, user, role, PASSWORD, set(registry.tenants))
            cases = CaseService(session, registry, today=lambda: TODAY)
            first = file_case(cases)
            [second] = [str(n) for n in clone_filed(session, first, 1)]
            opened = cases.open_case(
                staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-11-01")
            ).id
            FundsService(session, registry, today=lambda: TODAY).record_receipt(
                staff("hebei", "admin"), 2026, "song_wennuan", 3_000_00, "冀工送〔2026〕1号"
            )
        with live_server(url, folder / "server.log") as base:
            yield base, [first, str(second), opened]


@pytest.fixture
def tab(chromium_browser, prepared):
    base, _ = prepared
    context = chromium_browser.new_context(
        viewport=VIEWPORT, base_url=base, locale="zh-CN", bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, user: str) -> None:
    page.context.clear_cookies()
    page.goto("/staff/hebei")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^登录")).click()
    page.wait_for_url(re.compile(r".*/worklist$"))


def receive(page, **fields: str) -> None:
    form = page.locator('form[action="/staff/hebei/stock"]')
    for name, value in fields.items():
        target = form.locator(f'[name="{name}"]')
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.get_by_role("button", name=re.compile("^入库")).click()
    page.wait_for_load_state()


def test_receive_stock_make_a_list_and_hand_it_over(tab, prepared):
    page = tab
    _, (first, second, opened) = prepared
    sign_in(page, "zhou.li")
    page.get_by_role("link", name=re.compile("^物资发放")).click()
    page.locator("nav.tabs").get_by_role("link", name=re.compile("^库存物资")).click()
    page.wait_for_url(re.compile(r".*/stock$"))
    rice = {"source": "song_wennuan", "kind": "goods", "name": "大米10公斤", "unit": "袋"}
    receive(page, **rice, quantity="10", unitCost="45.5", supplier="粮油公司", document="发票0001")
    assert "已入库" in page.locator(".notice").inner_text()
    receive(
        page, source="song_wennuan", kind="voucher", name="超市购物券100元", unit="张",
        quantity="20", unitCost="100", supplier="某超市", document="发票0002",
        firstSerial="1", serialPrefix="QJ",
    )  # fmt: skip
    # more than the fund may still spend: refused, the shortfall named, nothing received
    receive(page, **rice, quantity="100", unitCost="50", supplier="粮油公司", document="发票0003")
    notice = page.locator(".notice").inner_text()
    assert notice.startswith("量入为出") and "缺口" in notice, notice
    assert page.locator('[name="document"]').input_value() == "发票0003"  # kept
    assert page.locator("table.stock tbody tr").count() == 2
    assert "账实相符" in page.locator("main").inner_text()
    assert_accessible(page, "in-kind-stock-refused")
    shot(page, "in-kind-stock", full_page=True)

    sign_in(page, "sun.qiang")
    page.goto("/staff/hebei/distributions")
    form = page.locator('form[action="/staff/hebei/distributions"]')
    form.locator('[name="title"]').fill("2026年春节送温暖")
    form.locator('[name="lines"]').fill(f"{first} 2\n{opened} 1\n{second} 3 2")
    form.get_by_role("button", name=re.compile("^生成名册")).click()
    page.wait_for_load_state()
    notice = page.locator(".notice").inner_text()
    assert notice.startswith("发放名册未生成") and f"第2行:档案 {opened}" in notice, notice
    assert_accessible(page, "in-kind-list-refused")
    shot(page, "in-kind-list-refused", full_page=True)
    form.locator('[name="lines"]').fill(f"{first} 2\n{second} 3 2")
    form.get_by_role("button", name=re.compile("^生成名册")).click()
    page.wait_for_url(re.compile(r".*/distributions/\d+$"))
    rows = page.locator("table.distribution tbody tr")
    assert rows.count() == 2 and "91.00" in rows.nth(0).inner_text()
    assert_accessible(page, "in-kind-list")
    shot(page, "in-kind-list", full_page=True)

    rows.nth(0).get_by_label("签收人").fill("张三")
    rows.nth(0).get_by_role("button", name=re.compile("^签收发放")).click()
    page.wait_for_load_state()
    assert "已签收" in rows.nth(0).inner_text() and "张三" in rows.nth(0).inner_text()
    assert rows.nth(0).locator("form").count() == 0
    rows.nth(1).get_by_label("或见证人").fill("社区干部王五")
    rows.nth(1).get_by_role("button", name=re.compile("^签收发放")).click()
    page.wait_for_load_state()
    second_row = rows.nth(1).inner_text()
    assert "社区干部王五" in second_row and "QJ000001, QJ000002, QJ000003" in second_row
    assert_accessible(page, "in-kind-handed")
    shot(page, "in-kind-handed", full_page=True)
    page.emulate_media(media="print")  # the list as printed: no header, tabs or forms
    assert not page.locator("header").is_visible() and not page.locator(".tabs").is_visible()
    assert page.locator("table.distribution").is_visible()
    shot(page, "in-kind-printed", full_page=True)
    page.emulate_media(media="screen")
    page.goto("/staff/hebei/stock")
    cells = page.locator("table.stock tbody tr").nth(0).locator("td")
    assert [cells.nth(n).inner_text() for n in (5, 6, 8)] == ["2", "8", "8"]  # to the unit
