"""The worklist and a file's page as a county office uses them, with two tenants' files in
one database (as the demo and a national deployment run): the line's number and its link,
the search by ID number, the export, whose turn a file is, and the buttons of a step."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.web.test_staff_pages import VALID_ID, open_case, step


def interleaved(browser, tokens) -> dict[str, str]:
    """Files of Gansu and Hebei opened in turn, so that Hebei's numbers are not their row
    keys; Hebei's applicants by file number."""
    hebei: dict[str, str] = {}
    for n in range(3):
        browser.sign_in("gansu", tokens["gansu", "caseworker"])
        open_case(browser, "gansu", "2026-11-02", name=f"甘肃{n}")
        browser.sign_in("hebei", tokens["hebei", "caseworker"])
        extra = {"members.0.idNumber": VALID_ID} if n == 2 else {}
        page = open_case(browser, "hebei", "2026-11-02", name=f"河北{n}", **extra)
        hebei[page.rsplit("/", 1)[1]] = f"河北{n}"
    return hebei


def test_the_worklist_links_each_file_by_its_number(browser, tokens):
    hebei = interleaved(browser, tokens)
    assert sorted(hebei) == ["1", "2", "3"]
    listing = browser.get("/staff/hebei/worklist", view="all", sort="id").text
    links = re.findall(r'href="/staff/hebei/cases/(\d+)">#(\d+)</a>', listing)
    assert [(a, b) for a, b in links] == [(n, n) for n in sorted(hebei)]
    for number, name in hebei.items():  # each link opens the file of that line
        page = browser.get(f"/staff/hebei/cases/{number}")
        assert page.status_code == 200 and name in page.text


def test_the_search_by_id_number_and_the_export_name_the_files_numbers(browser, tokens):
    hebei = interleaved(browser, tokens)
    (number,) = [n for n, name in hebei.items() if name == "河北2"]
    found = browser.get("/staff/hebei/worklist", view="all", q=VALID_ID).text
    assert f'href="/staff/hebei/cases/{number}">#{number}</a>' in found and "河北0" not in found
    sheet = browser.get("/staff/hebei/worklist.xlsx", view="all", sort="id")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [(str(r[0]), r[1]) for r in rows[2:]] == sorted(hebei.items())


def test_each_line_says_whose_turn_and_marks_mine(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    open_case(browser, "hebei", "2026-11-02", name="河北甲")
    listing = browser.get("/staff/hebei/worklist", view="all").text
    assert "基层工会审核" in listing and "审核人" in listing and "待我办理" not in listing
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    assert "待我办理" in browser.get("/staff/hebei/worklist").text


def test_a_refusal_is_never_the_primary_button(browser, tokens):
    """After the public notice the approver may approve or refuse (不予认定); the refusal is
    an outlined button after the approval, never the filled primary one, and the file says
    whose turn it is."""
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-01", name="河北乙")
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    assert step(browser, case, "review", "2026-09-02").status_code == 303
    page = browser.get(case).text
    assert "公示" in page and "审核人" in page  # the reviewer's turn: publish
    assert step(browser, case, "publish", "2026-09-03").status_code == 303
    page = browser.get(case).text
    refusal = re.search(r'<button type="submit"([^>]*)>不予认定</button>', page)
    assert refusal and 'class="secondary refusal"' in refusal.group(1)
    assert "县级工会审批 · 审批人" in page  # whose turn it is now
    browser.sign_in("hebei", tokens["hebei", "approver"])
    page = browser.get(case).text
    buttons = re.findall(r'<button type="submit"([^>]*)>([^<]+)</button>', page)
    steps = [(attrs, label) for attrs, label in buttons if label in ("县级工会审批", "不予认定")]
    assert [label for _, label in steps] == ["县级工会审批", "不予认定"]
    assert steps[0][0] == "" and "refusal" in steps[1][0]


# --------------------------------------------------------------------------- import
def test_a_sheet_with_children_and_application_dates_opens_them_as_written(browser, tokens):
    """The template has the application date and three children: a household of four
    comes in with its children (each as CHILD, school stage read), dated on its paper."""
    from core.web import excel
    from tests.web.test_workplace import _row, _sheet, _upload

    def row(name: str, **cells: str) -> tuple:
        values = dict(zip([c.path for c in excel.COLUMNS], _row(name), strict=True))
        values.update(cells)
        return tuple(values[c.path] for c in excel.COLUMNS)

    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    sheet = _sheet(
        row(
            "王秀英",
            on="2026年10月9日",
            **{
                "members.1.name": "李建国",
                "members.2.name": "李小明",
                "members.2.age": "15",
                "members.2.educationStage": "义务教育",
                "members.3.name": "李小红",
                "members.3.age": "19",
                "members.3.educationStage": "大学本专科",
            },
        )
    )
    answer = _upload(browser, "hebei", sheet)
    assert answer.status_code == 200 and "已导入1户" in answer.text, answer.text[-3000:]
    number = re.search(r'href="/staff/hebei/cases/(\d+)">#', answer.text).group(1)
    page = browser.get(f"/staff/hebei/cases/{number}").text
    assert "2026-10-09" in page
    for name in ("王秀英", "李建国", "李小明", "李小红"):
        assert name in page


def test_the_import_report_names_the_childs_column_in_chinese(browser, tokens):
    from core.web import excel
    from tests.web.test_workplace import _row, _sheet, _upload

    values = dict(zip([c.path for c in excel.COLUMNS], _row("王秀英"), strict=True))
    values |= {"members.2.name": "李小明", "members.2.age": "两百", "on": "2026-13-01"}
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    answer = _upload(browser, "hebei", _sheet(tuple(values[c.path] for c in excel.COLUMNS)))
    assert answer.status_code == 422
    assert "子女1年龄:应为整数" in answer.text  # the child is the second member here
    assert "“申请日期”应为日期" in answer.text
    assert "Input should be" not in answer.text
