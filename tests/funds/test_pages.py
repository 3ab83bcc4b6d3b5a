"""The funds' staff pages: a fund's balances and entries, the payments waiting for
approval (approved with the form token, four eyes, refusals shown on the page), a case's
payments; Chinese first; another tenant's case is not found."""

from __future__ import annotations

import pytest

from core.db.session import session_factory
from core.funds.service import FundsService
from tests.casefile_samples import staff
from tests.funds.conftest import TODAY, file_case
from tests.web.conftest import Browser


@pytest.fixture
def proposed(database_url, registry):
    """A filed Hebei case, a receipt, and a payment proposed by the caseworker."""
    from core.cases.service import CaseService

    with session_factory(database_url)() as session:
        first = file_case(CaseService(session, registry, today=lambda: TODAY))
        funds = FundsService(session, registry, today=lambda: TODAY)
        funds.record_receipt(
            staff("hebei", "admin"), TODAY.year, "government", 1000_00, "冀财社12号"
        )
        payment = funds.propose(
            staff("hebei", "caseworker", "caseworker.hebei"),
            first,
            "living_relief",
            str(TODAY.year),
            "government",
        )
    return first, payment.id


def test_approve_from_the_waiting_list(browser: Browser, tokens, proposed):
    case_id, payment_id = proposed
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get("/staff/hebei/payments")
    assert page.status_code == 200 and "待审批支付" in page.text and "790.00" in page.text
    # the proposer cannot approve: the role, and four eyes
    refused = browser.post("/staff/hebei/payments/approve", {"payment": str(payment_id)})
    assert refused.status_code == 403 and "无权" in refused.text
    browser.sign_in("hebei", tokens["hebei", "approver"])
    browser.get("/staff/hebei/payments")
    no_token = browser.post(
        "/staff/hebei/payments/approve", {"payment": str(payment_id)}, form_token=False
    )
    assert no_token.status_code == 403
    done = browser.post("/staff/hebei/payments/approve", {"payment": str(payment_id)})
    assert done.status_code == 303
    assert "没有待审批的支付" in browser.get("/staff/hebei/payments").text
    funds = browser.get("/staff/hebei/funds", year=str(TODAY.year))
    assert "帮扶资金台账" in funds.text and "财政拨款" in funds.text
    assert "210.00" in funds.text  # available: 1,000.00 - 790.00
    assert "审批支出" in funds.text and "冀财社12号" in funds.text
    mine = browser.get(f"/staff/hebei/cases/{case_id}/payments")
    assert "已审批待发放" in mine.text and "790.00" in mine.text


def test_the_shortfall_and_other_tenants(
    browser: Browser, tokens, proposed, database_url, registry
):
    case_id, payment_id = proposed
    with session_factory(database_url)() as session:
        funds = FundsService(session, registry, today=lambda: TODAY)
        journal = funds.entries(staff("hebei", "admin"), TODAY.year)[0].journal
        funds.reverse(staff("hebei", "admin"), journal, "录入错误")
    browser.sign_in("hebei", tokens["hebei", "approver"])
    browser.get("/staff/hebei/payments")
    refused = browser.post("/staff/hebei/payments/approve", {"payment": str(payment_id)})
    assert (
        refused.status_code == 422 and "量入为出" in refused.text and "缺口790.00元" in refused.text
    )
    browser.sign_in("gansu", tokens["gansu", "approver"])
    assert browser.get(f"/staff/gansu/cases/{case_id}/payments").status_code == 404
    assert "790.00" not in browser.get("/staff/gansu/funds").text
