"""A county caseworker's day in a real browser (Chromium through Playwright): sign in,
open a case, walk it to filed in Hebei and in Gansu with two people (four eyes), print
the public notice, import a sheet; keyboard only where it matters, axe-core on the way."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import Workbook

from core import clock
from core.web import excel
from tests.browser.conftest import PASSWORD, assert_accessible, shot

TODAY = clock.today()  # the server's date: the suite pins it (tests/conftest.py)


def sign_in(page, tenant: str, user: str) -> None:
    """Sign in with the keyboard only: Tab to each field, type, Enter."""
    page.context.clear_cookies()
    page.goto(f"/staff/{tenant}")
    page.get_by_label("用户名").focus()
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/(worklist|password-sign-in)$"))
    assert page.url.endswith(f"/staff/{tenant}/worklist"), page.locator("main").inner_text()


def open_case(page, tenant: str, name: str, on: date | None = None, **fields: str) -> str:
    """Open a file through the new-case form; its number."""
    page.goto(f"/staff/{tenant}/cases/new")
    page.locator('input[name="members.0.name"]').fill(name)
    page.locator('input[name="members.0.age"]').fill(fields.pop("age", "45"))
    page.locator('input[name="members.0.monthlyIncome"]').fill(fields.pop("income", "2000"))
    for key, value in fields.items():
        target = page.locator(f'[name="{key}"]')
        if value == "on":
            target.check()
        elif target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    if on is not None:
        page.locator('input[name="on"]').fill(on.isoformat())
    page.get_by_role("button", name=re.compile("建档")).last.click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    return page.url.rsplit("/", 1)[1]


def take(page, case_url: str, step: str, on: date | None = None, comment: str = "") -> None:
    """Take a step from the case page's form (by its Chinese name)."""
    page.goto(case_url)
    form = page.locator("form.step").filter(has=page.get_by_role("heading", name=step))
    if on is not None and form.locator('input[name="on"]').count():
        form.locator('input[name="on"]').fill(on.isoformat())
    if comment:
        form.locator('textarea[name="comment"]').fill(comment)
    form.get_by_role("button").click()
    page.wait_for_load_state()


def status_of(page) -> str:
    return page.locator(".facts dd strong").first.inner_text()


# --------------------------------------------------------------------------- scenarios
def test_sign_in_with_keyboard_and_the_worklist_is_accessible(page):
    page.goto("/staff/hebei")
    assert "河北省总工会" in page.title()
    page.get_by_label("用户名").fill("zhang.wei")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name=re.compile("^登录")).click()
    page.wait_for_url("**/password-sign-in")
    assert "不正确" in page.locator(".notice").inner_text()
    page.goto("/staff/hebei")
    assert_accessible(page, "signin")
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    sign_in(page, "hebei", "zhang.wei")
    assert "zhang.wei" in page.locator("header").inner_text()
    assert page.locator(".tabs .tab.current").inner_text().startswith("我的待办")
    assert_accessible(page, "worklist-empty")


def test_hebei_case_walked_to_filed_by_two_people(page, server):
    sign_in(page, "hebei", "zhang.wei")
    opened = TODAY - timedelta(days=30)
    number = open_case(
        page, "hebei", "张三", on=opened,
        **{"members.0.seriousIllness": "on", "annualMedicalOutOfPocket": "30000"},
    )  # fmt: skip
    case = f"{server}/staff/hebei/cases/{number}"
    assert status_of(page) == "已申请"
    assert "特困职工" in page.content()  # the category, in Chinese
    assert_accessible(page, "hebei-case-opened")
    take(page, case, "审核", opened + timedelta(days=1))
    take(page, case, "公示", opened + timedelta(days=2))
    assert status_of(page) == "公示中"
    # the one who opened and reviewed it may not approve it (four eyes)
    assert page.locator("form.step").filter(has_text="审批").count() == 0
    sign_in(page, "hebei", "li.na")
    take(page, case, "审批")
    assert status_of(page) == "县级工会已审批", page.locator(".notice").all_inner_texts()
    take(page, case, "备案")
    assert status_of(page) == "已备案", page.locator(".notice").all_inner_texts()
    shot(page, "hebei-filed", full_page=True)
    history = page.locator("table.history").inner_text()
    assert "zhang.wei" in history and "li.na" in history


def test_gansu_case_walked_through_seven_steps_with_the_household_accounts(page, server):
    sign_in(page, "gansu", "wang.fang")
    opened = TODAY - timedelta(days=40)
    number = open_case(
        page, "gansu", "李秀芳", on=opened, income="0", **{"members.0.seriousIllness": "on"}
    )
    case = f"{server}/staff/gansu/cases/{number}"
    for n, step in enumerate(("进:入户调查", "看:察看核实", "算:算收支账"), start=1):
        page.goto(case)
        page.get_by_role("link", name=step).click()
        page.wait_for_url(re.compile(r".*/facts/\w+$"))
        if step.startswith("进"):
            members = page.locator("details.member")
            members.nth(1).locator("summary").click()
            page.locator('[name="members.1.name"]').fill("南红涛")
            page.locator('[name="members.1.relation"]').select_option("SPOUSE")
            page.locator('[name="members.1.age"]').fill("47")
            page.locator('[name="members.1.monthlyIncome"]').fill("2000")
            page.locator('[name="members.1.employment"]').select_option("FLEXIBLE")
            page.locator('[name="members.1.ableToWork"]').check()
            page.locator("details.more-members > summary").click()  # members 3 to 30
            members.nth(2).locator("summary").click()
            page.locator('[name="members.2.name"]').fill("南小明")
            page.locator('[name="members.2.relation"]').select_option("CHILD")
            page.locator('[name="members.2.age"]').fill("17")
            page.locator('[name="members.2.educationStage"]').select_option("HIGH_SCHOOL")
            page.locator('[name="members.2.employment"]').select_option("STUDENT")
        if step.startswith("算"):
            for kind, amount in (("rent", "800"), ("living", "12000"), ("medical", "6000"),
                                 ("education", "12000")):  # fmt: skip
                page.locator(f'[name="annualExpenses.{kind}"]').fill(amount)
            assert_accessible(page, "gansu-facts-form")
            shot(page, "gansu-assess-form")
        page.locator('input[name="on"]').fill((opened + timedelta(days=n)).isoformat())
        page.get_by_role("button", name=re.compile("^提交")).click()
        page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert page.locator("#gap").inner_text() == "6800.00"
    assert page.locator("#income-total").inner_text() == "24000.00"
    shot(page, "gansu-worksheet", full_page=True)
    take(page, case, "议:集体研究", opened + timedelta(days=4), comment="集体研究同意")
    take(page, case, "评:评议认定", opened + timedelta(days=5))
    take(page, case, "公示", opened + timedelta(days=6))
    assert status_of(page) == "公示中"
    assert page.locator("form.step").filter(has_text="审核").count() == 0  # four eyes
    sign_in(page, "gansu", "liu.yang")
    take(page, case, "审核")
    assert status_of(page) == "已审核", page.locator(".notice").all_inner_texts()
    page.goto(case)  # 工会主席不签字不建档: no filing before the signature
    assert page.locator("form.step").filter(has_text="建档立卡").count() == 0
    sign_in(page, "gansu", "wang.fang")  # the admin signs for the chairman
    take(page, case, "工会主席签字")
    sign_in(page, "gansu", "liu.yang")
    take(page, case, "建档立卡")
    assert status_of(page) == "已建档立卡", page.locator(".notice").all_inner_texts()


def test_worklist_search_and_the_printed_notice(page, server):
    sign_in(page, "hebei", "zhang.wei")
    opened = TODAY - timedelta(days=10)
    number = open_case(page, "hebei", "赵丽华", on=opened, **{"members.0.seriousIllness": "on",
                       "annualMedicalOutOfPocket": "30000"})  # fmt: skip
    case = f"{server}/staff/hebei/cases/{number}"
    take(page, case, "审核", opened + timedelta(days=1))
    take(page, case, "公示", opened + timedelta(days=2))
    open_case(page, "hebei", "钱小红", on=TODAY - timedelta(days=2))
    page.goto("/staff/hebei/worklist?view=all")
    page.get_by_role("searchbox").fill("赵")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*[?&]q=.*"))
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 1 and "赵丽华" in rows.first.inner_text()
    page.goto("/staff/hebei/worklist?view=all&sort=opened&order=desc")
    assert_accessible(page, "worklist")
    shot(page, "worklist")
    page.goto(f"{case}/print/notice")
    text = page.locator("main").inner_text()
    assert "赵**" in text and "赵丽华" not in text
    assert (
        "5 个工作日" in text
        and "起方可审批" in text
        and "所在县(市、区)总工会困难职工帮扶中心" in text
    )
    assert_accessible(page, "notice")
    shot(page, "notice-sheet")  # as the page shows the A4 sheet on screen
    page.emulate_media(media="print")
    shot(page, "notice-printed", full_page=True)
    page.emulate_media(media="screen")
    pdf = page.request.get(f"{case}/print/notice/pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (shot.__globals__["ARTEFACTS"] / "notice.pdf").write_bytes(pdf.body())


def test_import_a_sheet(page):
    sign_in(page, "gansu", "wang.fang")
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in excel.COLUMNS])
    for name, income in (("孙杰", "4000"), ("周敏", "1500")):
        row = dict.fromkeys((c.header for c in excel.COLUMNS), "")
        row |= {"申请人姓名": name, "申请人年龄": "46", "申请人月收入(元)": income,
                "申请人就业状况": "下岗", "申请人有劳动能力": "是"}  # fmt: skip
        sheet.append([row[c.header] for c in excel.COLUMNS])
    content = io.BytesIO()
    book.save(content)
    page.goto("/staff/gansu/import")
    page.locator('input[type="file"]').set_input_files(
        {"name": "households.xlsx", "mimeType": excel.XLSX, "buffer": content.getvalue()}
    )
    page.get_by_role("button", name=re.compile("校验并导入")).click()
    page.wait_for_load_state()
    assert "已导入2户" in page.locator(".notice").inner_text()
    shot(page, "imported")
    page.goto("/staff/gansu/worklist?view=all")
    listing = page.locator("table.worklist").inner_text()
    assert "孙杰" in listing and "周敏" in listing


def test_the_text_size_switch(page):
    page.goto("/staff/gansu")
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="特大").click()
    page.wait_for_load_state()
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after > before * 1.3
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert line >= 1.3 * after
    assert_accessible(page, "signin-larger")
