"""A county office's first day in Chromium, with two regions' files in one database (as the
demo and a national deployment run): the worklist's link opens the file of its line, the
ID-number search finds it, the export names it, an older applicant's real ID number is
taken, the printed notice keeps its column heads whole, and checkboxes grow with 特大.

The screenshots of the worklist, a file and the printed notice are the README's
(``docs/``); they are kept as test artefacts here and copied there by hand."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from tests.browser.conftest import assert_accessible, shot
from tests.browser.test_staff_browser import TODAY, open_case, sign_in, take

#: born 12 March 1966, under 长安区's code of 1983 (python-stdnum alone refuses it)
ID_1966 = "130102196603121237"
ILL = {"members.0.seriousIllness": "on", "annualMedicalOutOfPocket": "30000"}


def test_two_regions_in_one_database_the_worklist_search_and_export(page, server):
    sign_in(page, "gansu", "wang.fang")
    open_case(page, "gansu", "马兰花", on=TODAY - timedelta(days=3))
    sign_in(page, "hebei", "zhang.wei")
    opened = TODAY - timedelta(days=12)
    number = open_case(
        page, "hebei", "王秀英", on=opened, age="60", **ILL, **{"members.0.idNumber": ID_1966}
    )
    case = f"{server}/staff/hebei/cases/{number}"
    take(page, case, "审核", opened + timedelta(days=1))
    take(page, case, "公示", opened + timedelta(days=2))
    open_case(page, "hebei", "孙志刚", on=TODAY - timedelta(days=1))

    page.goto("/staff/hebei/worklist?view=all&sort=id&order=desc")
    row = page.locator("table.worklist tbody tr").filter(has_text="王秀英")
    link = row.get_by_role("link", name=f"#{number}")
    assert link.count() == 1, page.locator("table.worklist").inner_text()
    assert "县级工会审批" in row.inner_text() and "审批人" in row.inner_text()  # whose turn
    assert_accessible(page, "worklist-two-regions")
    shot(page, "worklist-docs")
    link.click()
    page.wait_for_url(f"**/staff/hebei/cases/{number}")
    assert "王秀英" in page.locator("h1").inner_text()
    assert "**************1237" in page.content()  # the ID number, masked
    shot(page, "case-docs", full_page=True)

    page.goto("/staff/hebei/worklist?view=all")
    page.get_by_role("searchbox").fill(ID_1966)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*[?&]q=.*"))
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 1 and f"#{number}" in rows.first.inner_text()
    assert "按身份证号查找" in page.locator("main").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("导出 Excel")).click()
    content = open(download.value.path(), "rb").read()  # noqa: SIM115 - read at once
    lines = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[2:]
    assert [(line[0], line[1]) for line in lines] == [(int(number), "王秀英")]


def test_the_printed_notice_keeps_its_column_heads_on_one_line(page, server):
    sign_in(page, "hebei", "zhang.wei")
    opened = TODAY - timedelta(days=9)
    # in four national groups at once: the notice's last column is long, the others narrow
    hard = {
        **ILL,
        "members.0.employment": "UNEMPLOYED",
        "members.0.ableToWork": "on",
        "dibaoRecipient": "on",
        "dibaoContinuousMonths": "24",
        "laidOffInRestructuring": "on",
        "migrantWorker": "on",
        "yearsInCity": "10",
    }
    number = open_case(page, "hebei", "欧阳秀兰", on=opened, income="500", **hard)
    case = f"{server}/staff/hebei/cases/{number}"
    take(page, case, "审核", opened + timedelta(days=1))
    take(page, case, "公示", opened + timedelta(days=2))
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as printed
    page.goto(f"{case}/print/notice")
    page.emulate_media(media="print")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('table.grid-table th, td.masked-name')].map(th => {
            const range = document.createRange();
            range.selectNodeContents(th);
            return [th.innerText, new Set([...range.getClientRects()].map(r => r.top)).size];
        })"""
    )
    assert len(lines) == 6 and all(n == 1 for _, n in lines), lines
    assert "结构性改革中下岗失业致生活困难" in page.locator("table.grid-table").inner_text()
    shot(page, "notice-docs", full_page=True)
    page.emulate_media(media="screen")


def test_checkboxes_grow_with_the_text_size(page):
    sign_in(page, "hebei", "zhang.wei")

    def checkbox_width() -> float:
        page.goto("/staff/hebei/cases/new")
        box = page.locator('input[name="members.0.seriousIllness"]')
        return float(box.evaluate("e => e.getBoundingClientRect().width"))

    normal = checkbox_width()
    page.get_by_role("button", name="特大").click()
    page.wait_for_load_state()
    larger = checkbox_width()
    assert larger >= 1.3 * normal and larger >= 22, (normal, larger)
    page.get_by_role("button", name="标准").click()
