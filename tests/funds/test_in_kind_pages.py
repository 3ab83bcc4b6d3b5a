"""The staff forms of relief in kind (003 五.9) and of benefit documents, over HTTP: stock
received, a distribution list made, a line handed over (签收 or a witness), a tax
certificate issued. Every refusal shows the page again with the service's message in
Chinese first and a 4xx status, keeps what was typed, and changes nothing."""

from __future__ import annotations

import re

import pytest

from core.cases.service import CaseService
from core.db.session import session_factory
from core.funds.in_kind import stock_matches_ledger
from core.funds.service import FundsService
from tests.casefile_samples import ILL, D
from tests.funds.conftest import APPROVER, CASEWORKER, TODAY, TREASURER, clone_filed, file_case
from tests.web.conftest import Browser

RECEIVE = {
    "year": "2026",
    "source": "song_wennuan",
    "kind": "goods",
    "name": "大米10公斤",
    "unit": "袋",
    "quantity": "10",
    "unitCost": "45.50",
    "supplier": "粮油公司",
    "document": "发票0001",
    "firstSerial": "",
    "serialPrefix": "",
}


@pytest.fixture
def hebei(database_url, registry):
    """Two filed Hebei files, one only opened (not entitled to anything yet), and
    3,000.00 of 送温暖 money received."""
    with session_factory(database_url)() as session:
        cases = CaseService(session, registry, today=lambda: TODAY)
        first = file_case(cases)
        [second] = [str(n) for n in clone_filed(session, first, 1)]
        opened = cases.open_case(CASEWORKER, "hebei", ILL, on=D("2026-11-01")).id
        funds = FundsService(session, registry, today=lambda: TODAY)
        funds.record_receipt(TREASURER, 2026, "song_wennuan", 3_000_00, "送温暖〔2026〕1号")
    return {"first": first, "second": second, "opened": opened}


class Ledger:
    """What the service says, read afresh: to prove a refusal changed nothing."""

    def __init__(self, database_url, registry) -> None:
        self.url, self.registry = database_url, registry

    def __call__(self) -> tuple:
        with session_factory(self.url)() as session:
            funds = FundsService(session, self.registry)
            stock = funds.stock(APPROVER)
            balances = funds.balances(APPROVER)
            lists = funds.distributions(APPROVER)
            return (
                [(b.item.name, b.received, b.listed, b.handed) for b in stock],
                [(b.year, b.source, b.raised, b.spent, b.stock, b.bank) for b in balances],
                [(s.made.id, s.lines, s.waiting) for s in lists],
                stock_matches_ledger(stock, {(b.year, b.source): b.stock for b in balances}),
            )

    def stock(self) -> dict[str, object]:
        with session_factory(self.url)() as session:
            return {b.item.name: b for b in FundsService(session, self.registry).stock(APPROVER)}


@pytest.fixture
def ledger(database_url, registry) -> Ledger:
    return Ledger(database_url, registry)


def _refused(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    notice = re.search(r'<div class="notice refusal" role="alert">(.*?)</div>', response.text, re.S)
    assert notice, "the refusal is shown on the page"
    for word in words:
        assert word in notice.group(1), (word, notice.group(1))
    # Chinese first: the first paragraph of the notice is the Chinese message
    first = re.search(r"<p>(.*?)</p>", notice.group(1), re.S).group(1)
    assert re.search(r"[\u4e00-\u9fff]", first), first


def test_receive_stock_and_its_refusals(browser: Browser, tokens, hebei, ledger):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get("/staff/hebei/stock")
    assert page.status_code == 200 and "库存物资" in page.text and "尚无库存物资" in page.text
    assert 'action="/staff/hebei/stock"' not in page.text  # the form is the treasurers'
    before = ledger()
    _refused(browser.post("/staff/hebei/stock", RECEIVE), 403, "无权")
    browser.sign_in("hebei", tokens["hebei", "admin"])
    page = browser.get("/staff/hebei/stock")
    assert 'action="/staff/hebei/stock"' in page.text and "物资入库" in page.text
    assert browser.post("/staff/hebei/stock", RECEIVE, form_token=False).status_code == 403
    bad = browser.post("/staff/hebei/stock", {**RECEIVE, "quantity": "十"})
    _refused(bad, 400, "数量应为整数")
    assert 'value="大米10公斤"' in bad.text  # what was typed is kept
    _refused(browser.post("/staff/hebei/stock", {**RECEIVE, "quantity": "0"}), 400, "数量")
    _refused(browser.post("/staff/hebei/stock", {**RECEIVE, "unitCost": "45.555"}), 400, "两位")
    _refused(browser.post("/staff/hebei/stock", {**RECEIVE, "unitCost": "４５"}), 400, "半角")
    _refused(browser.post("/staff/hebei/stock", {**RECEIVE, "document": ""}), 400, "供货凭证号")
    _refused(browser.post("/staff/hebei/stock", {**RECEIVE, "quantity": "100"}), 422, "量入为出")
    voucher = {**RECEIVE, "kind": "voucher", "name": "购物券100元", "unit": "张"}
    _refused(browser.post("/staff/hebei/stock", voucher), 400, "起始编号")
    assert ledger() == before
    done = browser.post("/staff/hebei/stock", RECEIVE)
    assert done.status_code == 303 and "/staff/hebei/stock?received=" in done.headers["location"]
    cards = {**voucher, "quantity": "20", "unitCost": "100", "firstSerial": "1"}
    cards["serialPrefix"] = "QJ"
    assert browser.post("/staff/hebei/stock", cards).status_code == 303
    after = ledger()
    _refused(browser.post("/staff/hebei/stock", {**cards, "quantity": "2"}), 409, "编号")
    assert ledger() == after
    page = browser.get("/staff/hebei/stock")
    assert "大米10公斤" in page.text and "455.00" in page.text and "2000.00" in page.text
    # by fund, to the fen: the value on hand beside the ledger's stock account
    assert "账实相符" in page.text and page.text.count('<td class="num">2455.00</td>') == 2
    stock = ledger.stock()
    assert (stock["大米10公斤"].on_hand, stock["购物券100元"].on_hand) == (10, 20)
    funds = browser.get("/staff/hebei/funds", year="2026")
    assert "545.00" in funds.text  # available: 3,000.00 - 455.00 - 2,000.00


@pytest.fixture
def stocked(database_url, registry, hebei):
    with session_factory(database_url)() as session:
        funds = FundsService(session, registry, today=lambda: TODAY)
        rice = funds.receive_stock(
            TREASURER, 2026, "song_wennuan", "goods", "大米10公斤", "袋", 10, 45_50,
            "粮油公司", "发票0001",
        ).id  # fmt: skip
        cards = funds.receive_stock(
            TREASURER, 2026, "song_wennuan", "voucher", "购物券100元", "张", 20, 100_00,
            "某超市", "发票0002", first_serial=1, serial_prefix="QJ",
        ).id  # fmt: skip
    return {**hebei, "rice": str(rice), "cards": str(cards)}


def _list(stocked, lines: str, **extra: str) -> dict[str, str]:
    return {
        "programme": "living_relief",
        "period": "2026",
        "title": "2026年送温暖",
        "item": stocked["rice"],
        "lines": lines,
        **extra,
    }


def test_make_a_distribution_list_and_its_refusals(browser: Browser, tokens, stocked, ledger):
    first, second, opened = stocked["first"], stocked["second"], stocked["opened"]
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get("/staff/hebei/distributions")
    assert page.status_code == 200 and "制作发放名册" in page.text and "尚无发放名册" in page.text
    assert "可分配 10袋" in page.text
    before = ledger()
    go = "/staff/hebei/distributions"
    bad = browser.post(go, _list(stocked, f"{first} 2\n\n{second} 零"))
    _refused(bad, 422, "第2行", "数量“零”有误")
    assert f"{first} 2\n{second} 零</textarea>" in bad.text  # kept, blank line gone
    _refused(browser.post(go, _list(stocked, f"{first} 1 999")), 422, "第1行:没有物资 999")
    _refused(browser.post(go, _list(stocked, f"{first}\n99999")), 422, "第2行:没有档案 99999")
    refused = browser.post(go, _list(stocked, f"{first} 1\n{opened} 1"))
    _refused(refused, 422, "第2行", f"档案 {opened}", "现行认定没有")
    _refused(browser.post(go, _list(stocked, f"{first} 11")), 422, "第1行", "库存不足")
    _refused(browser.post(go, _list(stocked, f"{first} 8 {stocked['cards']}")), 422, "超过认定金额")
    _refused(browser.post(go, _list(stocked, f"{first}", period="2026-13")), 400, "期间")
    _refused(browser.post(go, _list(stocked, "   ")), 400, "至少应有一户")
    assert browser.post(go, _list(stocked, f"{first}"), form_token=False).status_code == 403
    assert ledger() == before
    done = browser.post(go, _list(stocked, f"{first} 2\n{second},7,{stocked['cards']}"))
    assert done.status_code == 303, done.text
    made = done.headers["location"].rsplit("/", 1)[1]
    page = browser.get(done.headers["location"])
    assert "2026年送温暖 发放名册" in page.text and "91.00" in page.text and "700.00" in page.text
    listing = browser.get(go)
    assert f'href="/staff/hebei/distributions/{made}"' in listing.text and "791.00" in listing.text
    after = ledger()
    again = browser.post(go, _list(stocked, f"{first} 1", title="再发"))
    _refused(again, 409, "不重复")
    assert ledger() == after
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    assert browser.get(f"/staff/gansu/distributions/{made}").status_code == 404
    assert "2026年送温暖" not in browser.get("/staff/gansu/distributions").text


def test_hand_over_a_line_once(browser: Browser, tokens, stocked, ledger, database_url, registry):
    with session_factory(database_url)() as session:
        funds = FundsService(session, registry, today=lambda: TODAY)
        made = funds.make_distribution(
            CASEWORKER, "living_relief", "2026", "春节慰问",
            [(stocked["first"], stocked["rice"], 2), (stocked["second"], stocked["cards"], 3)],
        )  # fmt: skip
        _made, lines = funds.distribution(APPROVER, made.id)
    rice_line, card_line = lines[0]["line"], lines[1]["line"]
    here = f"/staff/hebei/distributions/{made.id}"
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get(here)
    assert page.text.count('class="handover no-print"') == 2 and "签收发放" in page.text
    before = ledger()
    _refused(browser.post(f"{here}/lines/{rice_line}", {"signedBy": " "}), 400, "签收或见证人")
    _refused(browser.post(f"{here}/lines/99999", {"signedBy": "张三"}), 404, "没有第99999号")
    no_token = browser.post(f"{here}/lines/{rice_line}", {"signedBy": "张三"}, form_token=False)
    assert no_token.status_code == 403
    assert ledger() == before
    done = browser.post(f"{here}/lines/{rice_line}", {"signedBy": "张三"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"#line-{rice_line}")
    after = ledger()
    twice = browser.post(f"{here}/lines/{rice_line}", {"witness": "社区干部王五"})
    _refused(twice, 409, "不能重复发放")
    assert ledger() == after
    assert ledger.stock()["大米10公斤"].on_hand == 8  # left stock once
    witnessed = browser.post(f"{here}/lines/{card_line}", {"witness": "社区干部王五"})
    assert witnessed.status_code == 303
    page = browser.get(here)
    assert page.text.count('class="handover no-print"') == 0
    assert "签收人 <span" in page.text and "张三" in page.text and "社区干部王五" in page.text
    assert "QJ000001, QJ000002, QJ000003" in page.text and str(TODAY.year) in page.text
    assert page.text.count("已签收") == 2 and "待发放 <span" in page.text
    assert ledger()[3] is True  # to the fen
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    elsewhere = f"/staff/gansu/distributions/{made.id}/lines/{card_line}"
    assert browser.post(elsewhere, {"signedBy": "x"}).status_code == 404


def test_issue_a_tax_certificate_from_the_documents_page(
    browser: Browser, tokens, database_url, registry
):
    from tests.funds.test_forms import file_city_case

    with session_factory(database_url)() as session:
        city = file_city_case(CaseService(session, registry, today=lambda: TODAY))
        hebei = file_case(CaseService(session, registry, today=lambda: TODAY))
    here = f"/staff/demo_city/cases/{city}/documents"
    browser.sign_in("demo_city", tokens["demo_city", "caseworker"])
    page = browser.get(here)
    assert "出具证明" in page.text and 'value="demo_city.tax_relief"' in page.text
    assert "不会自动生成" in page.text
    tax = {"programme": "demo_city.tax_relief", "period": "2026"}
    assert browser.post(here, tax, form_token=False).status_code == 403
    _refused(browser.post(here, {**tax, "period": "明年"}), 400, "期间")
    _refused(browser.post(here, {**tax, "programme": "living_relief"}), 422, "资金支付")
    assert "尚未出具证明" in browser.get(here).text
    done = browser.post(here, tax)
    assert done.status_code == 303, done.text
    page = browser.get(here)
    assert "不发放现金" in page.text and "8000.00" in page.text and "税务部门" in page.text
    _refused(browser.post(here, tax), 409, "不重复出具")
    assert browser.get(here).text.count("<pre") == 1
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get(f"/staff/hebei/cases/{hebei}/documents")
    assert (
        "均由帮扶资金支付" in page.text and f'action="/staff/hebei/cases/{hebei}' not in page.text
    )
