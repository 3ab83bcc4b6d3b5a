"""Relief in kind and vouchers (003 五.9): goods bought from a fund into stock, a
distribution list naming households and what each receives, 签收 or a witness closing a
line once, vouchers issued by serial once; stock balances to the unit and to the fen."""

from __future__ import annotations

from core.errors import BAD_INPUT, CONFLICT, RULE_VIOLATION
from core.funds import ledger
from core.funds.in_kind import stock_matches_ledger
from tests.casefile_samples import D
from tests.funds.conftest import APPROVER, CASEWORKER, TREASURER, clone_filed, file_case
from tests.funds.test_ledger import LIVING, refused


def _ledger_stock(session, tenant="hebei"):
    return {(b.year, b.source): b.stock for b in ledger.balances(session, tenant)}


def test_goods_and_vouchers_from_stock_to_households(funds, cases, session):
    first = file_case(cases)
    [second, third] = clone_filed(session, first, 2)
    funds.record_receipt(TREASURER, 2026, "song_wennuan", 3_000_00, "送温暖〔2026〕1号")
    rice = funds.receive_stock(
        TREASURER,
        2026,
        "song_wennuan",
        "goods",
        "大米10公斤",
        "袋",
        10,
        45_50,
        "粮油公司",
        "发票0001",
    )
    cards = funds.receive_stock(
        TREASURER, 2026, "song_wennuan", "voucher", "超市购物券100元", "张", 20, 100_00,
        "某超市", "发票0002", first_serial=1, serial_prefix="QJ",
    )  # fmt: skip
    [fund] = funds.balances(APPROVER, 2026)
    assert (fund.stock, fund.bank, fund.available) == (2_455_00, 545_00, 545_00)
    # more than the fund holds: refused, naming the shortfall
    refused(
        RULE_VIOLATION, funds.receive_stock, TREASURER, 2026, "song_wennuan", "goods", "油",
        "桶", 100, 99_00, "粮油公司", "发票0003",
    )  # fmt: skip
    # a voucher serial already received: refused
    refused(
        CONFLICT, funds.receive_stock, TREASURER, 2026, "song_wennuan", "voucher", "券", "张",
        2, 1_00, "某超市", "发票0004", first_serial=20, serial_prefix="QJ",
    )  # fmt: skip
    made = funds.make_distribution(
        CASEWORKER,
        "living_relief",
        "2026",
        "2026年送温暖",
        [(first, rice.id, 2), (second, cards.id, 7), (third, rice.id, 1)],
    )
    _list, lines = funds.distribution(APPROVER, made.id)
    assert [(line["item"], line["quantity"], line["amount"]) for line in lines] == [
        ("大米10公斤", 2, "91.00"),
        ("超市购物券100元", 7, "700.00"),
        ("大米10公斤", 1, "45.50"),
    ]
    # the same household and period again: refused, on any list
    error = refused(
        CONFLICT, funds.make_distribution, CASEWORKER, "living_relief", "2026", "再发",
        [(first, rice.id, 1)],
    )  # fmt: skip
    assert "不重复" in error.zh
    # worth more than the entitlement (790.00): refused; and more than stock
    refused(
        RULE_VIOLATION, funds.make_distribution, CASEWORKER, "medical_relief", "2026", "超额",
        [(first, cards.id, 30)],
    )  # fmt: skip
    # a bank payment of a period already given in kind is refused too (and vice versa)
    refused(CONFLICT, funds.propose, CASEWORKER, first, "living_relief", "2026", "government")
    # 签收 or a witness closes a line, once
    refused(BAD_INPUT, funds.hand_over, CASEWORKER, lines[0]["line"])
    funds.hand_over(CASEWORKER, lines[0]["line"], signed_by="张三")
    refused(CONFLICT, funds.hand_over, CASEWORKER, lines[0]["line"], signed_by="张三")
    funds.hand_over(CASEWORKER, lines[1]["line"], witness="社区干部王五")
    _list, lines = funds.distribution(APPROVER, made.id)
    assert lines[1]["serials"] == [f"QJ{n:06d}" for n in range(1, 8)]
    assert (lines[0]["statusZh"], lines[0]["signedBy"]) == ("已签收", "张三")
    # to the unit and to the fen
    stock = {b.item.id: b for b in funds.stock(APPROVER)}
    assert (stock[rice.id].on_hand, stock[rice.id].listed, stock[rice.id].free) == (8, 1, 7)
    assert (stock[cards.id].on_hand, stock[cards.id].free) == (13, 13)
    assert stock_matches_ledger(list(stock.values()), _ledger_stock(session))
    [fund] = funds.balances(APPROVER, 2026)
    assert fund.spent == 91_00 + 700_00 and fund.stock == 8 * 45_50 + 13 * 100_00
    assert fund.raised == fund.spent + fund.stock + fund.available
    assert funds.reconcile(APPROVER, 2026).balanced
    assert LIVING


def test_an_exit_before_the_hand_over_stops_the_line(funds, cases, session):
    first = file_case(cases)
    funds.record_receipt(TREASURER, 2026, "donation", 1_000_00, "捐赠1号")
    rice = funds.receive_stock(
        TREASURER, 2026, "donation", "goods", "大米", "袋", 5, 50_00, "粮油公司", "发票1"
    )
    made = funds.make_distribution(
        CASEWORKER, "living_relief", "2026", "名册", [(first, rice.id, 2)]
    )
    case = cases.find_case(APPROVER, first)
    cases.transition(APPROVER, first, "exit", case.version, D("2026-12-01"), "已解困")
    _list, [line] = funds.distribution(APPROVER, made.id)
    # the exit stopped the line, with its reason: it is not handed over
    assert line["status"] == "stopped" and line["stopReason"].startswith("办理退出:档案已不在册")
    error = refused(CONFLICT, funds.hand_over, CASEWORKER, line["line"], signed_by="张三")
    assert error.zh == f"名册第{line['line']}号已停发,不能重复发放"
    [balance] = funds.stock(APPROVER)
    assert (balance.on_hand, balance.free) == (5, 5)
    assert stock_matches_ledger([balance], _ledger_stock(session))


RECEIVE = """mutation($k: String!, $n: String!, $q: Int!, $c: Decimal!, $f: Int) {
  receiveStock(year: 2026, source: "song_wennuan", kind: $k, name: $n, unit: "份",
    quantity: $q, unitCost: $c, supplier: "超市", document: "发票9", firstSerial: $f,
    serialPrefix: "GQ") { id onHand valueOnHand } }"""
MAKE = """mutation($l: [DistributionLineInput!]!) {
  makeDistributionList(programme: "living_relief", period: "2026", title: "春节慰问",
    lines: $l) { id lines { id name quantity amount status } } }"""
HAND = """mutation($id: ID!, $s: String) { handOver(lineId: $id, signedBy: $s) {
  status statusZh signedBy serials } }"""


def test_in_kind_through_graphql_and_the_printable_list(
    caller, database_url, registry, browser, tokens
):
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from tests.funds.conftest import TODAY

    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
    admin, worker = caller("hebei", "admin"), caller("hebei", "caseworker")
    admin.ok(
        """mutation { recordReceipt(year: 2026, source: "song_wennuan", amount: "1000.00",
        document: "送温暖1号") }"""
    )
    cards = admin.ok(RECEIVE, k="voucher", n="购物券50元", q=10, c="50.00", f=1)
    assert (cards["onHand"], cards["valueOnHand"]) == (10, "500.00")
    worker.refused("FORBIDDEN", RECEIVE, k="goods", n="米", q=1, c="1.00", f=None)
    made = worker.ok(MAKE, l=[{"caseId": first, "item": cards["id"], "quantity": 3}])
    [line] = made["lines"]
    assert (line["name"], line["amount"], line["status"]) == ("张三", "150.00", "listed")
    done = worker.ok(HAND, id=line["id"], s="张三")
    assert done["serials"] == ["GQ000001", "GQ000002", "GQ000003"] and done["statusZh"] == "已签收"
    caller("gansu", "caseworker").refused("NOT_FOUND", HAND, id=line["id"], s="x")
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get(f"/staff/hebei/distributions/{made['id']}")
    assert page.status_code == 200 and "春节慰问" in page.text and "GQ000003" in page.text
    assert "张三" in page.text and "150.00" in page.text
