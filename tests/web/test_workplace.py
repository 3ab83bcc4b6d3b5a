"""The staff workplace through its pages (in-process): password sign-in with lock-out and
TOTP, the worklist and its search, the duplicate check, household facts at survey steps
(Gansu's 算账), 30 members, Chinese labels, printouts, Excel in and out, GraphiQL assets.
The same scenarios in a real browser are in ``tests/browser``."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from openpyxl import Workbook, load_workbook

from core.auth.accounts import MAX_FAILURES, create_user
from core.db.session import session_factory
from core.web import excel
from tests.web.conftest import Browser, household_form
from tests.web.test_staff_pages import VALID_ID, open_case, step

PASSWORD = "correct horse battery"
OTHER_ID = "110105198001010016"  # checksum-valid, not VALID_ID


@pytest.fixture
def accounts(app, api_registry, database_url, tokens):
    """Create an account on the test database: ``accounts(tenant, user, role, totp=False)``."""
    known = set(api_registry.tenants)

    def make(tenant: str, user: str, role: str, totp: bool = False) -> str | None:
        with session_factory(database_url)() as session:
            return create_user(session, tenant, user, role, PASSWORD, known, totp=totp)

    return make


def password_sign_in(browser: Browser, tenant: str, user: str, password: str, code: str = ""):
    browser.forget()
    browser.get(f"/staff/{tenant}")
    return browser.post(
        f"/staff/{tenant}/password-sign-in",
        {"username": user, "password": password, "code": code},
    )


# --------------------------------------------------------------------------- accounts
def test_password_sign_in_opens_a_session_and_sign_out_ends_it(browser, accounts):
    accounts("hebei", "li.caseworker", "caseworker")
    answer = password_sign_in(browser, "hebei", "li.caseworker", PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/hebei/worklist"
    page = browser.get("/staff/hebei/worklist")
    assert page.status_code == 200 and "li.caseworker" in page.text
    assert PASSWORD not in page.text
    browser.post("/staff/hebei/sign-out", {})
    assert browser.get("/staff/hebei/worklist").status_code == 401


def test_wrong_passwords_lock_the_account_with_one_answer_for_every_failure(browser, accounts):
    accounts("hebei", "wang", "reviewer")
    unknown = password_sign_in(browser, "hebei", "nobody", PASSWORD)
    assert unknown.status_code == 401 and "不正确" in unknown.text
    notice = re.compile(r'<div class="notice.*?</div>', re.S)
    for _ in range(MAX_FAILURES):
        wrong = password_sign_in(browser, "hebei", "wang", "not the password")
        assert wrong.status_code == 401
        assert notice.search(wrong.text).group(0) == notice.search(unknown.text).group(0)
    locked = password_sign_in(browser, "hebei", "wang", PASSWORD)  # right, but locked now
    assert locked.status_code == 401
    assert browser.get("/staff/hebei/worklist").status_code == 401
    other_region = password_sign_in(browser, "gansu", "wang", PASSWORD)
    assert other_region.status_code == 401  # an account belongs to one tenant


def test_an_account_with_totp_needs_the_current_code(browser, accounts):
    secret = accounts("gansu", "zhao", "approver", totp=True)
    assert password_sign_in(browser, "gansu", "zhao", PASSWORD).status_code == 401
    assert password_sign_in(browser, "gansu", "zhao", PASSWORD, "000000").status_code in (401,)
    code = pyotp.TOTP(secret).now()
    assert password_sign_in(browser, "gansu", "zhao", PASSWORD, code).status_code == 303


def test_the_user_commands_create_and_disable_accounts(browser, database_url, tokens):
    from typer.testing import CliRunner

    from core.cli import app as cli

    runner = CliRunner()
    args = ["--tenant", "hebei", "--user", "sun", "--database-url", database_url]
    made = runner.invoke(
        cli, ["user", "create", *args, "--role", "approver", "--password", PASSWORD]
    )
    assert made.exit_code == 0, made.output
    short = runner.invoke(
        cli, ["user", "create", "--tenant", "hebei", "--user", "x", "--role", "approver",
              "--password", "short", "--database-url", database_url],
    )  # fmt: skip
    assert short.exit_code == 1 and "密码" in short.output
    assert password_sign_in(browser, "hebei", "sun", PASSWORD).status_code == 303
    assert runner.invoke(cli, ["user", "disable", *args]).exit_code == 0
    assert password_sign_in(browser, "hebei", "sun", PASSWORD).status_code == 401
    assert runner.invoke(cli, ["user", "disable", *args]).exit_code == 1  # already


# --------------------------------------------------------------------------- worklist
def test_worklist_views_search_by_name_and_by_id_number_hash(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    late = open_case(browser, "hebei", "2026-01-05", name="李四")
    open_case(browser, "hebei", "2026-01-06", name="王五", **{"members.0.idNumber": VALID_ID})
    mine = browser.get("/staff/hebei/worklist")  # the review is not the caseworker's step
    assert "李四" not in mine.text and "王五" not in mine.text
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    mine = browser.get("/staff/hebei/worklist")
    assert "李四" in mine.text and "王五" in mine.text and "基层工会审核" in mine.text
    overdue = browser.get("/staff/hebei/worklist", view="overdue")
    assert f"#{late.rsplit('/', 1)[1]}" in overdue.text and "已逾期" in overdue.text
    by_name = browser.get("/staff/hebei/worklist", view="all", q="李")
    assert "李四" in by_name.text and "王五" not in by_name.text
    by_id = browser.get("/staff/hebei/worklist", view="all", q=VALID_ID.lower())
    assert "王五" in by_id.text and "李四" not in by_id.text and "按身份证号查找" in by_id.text
    assert VALID_ID not in by_id.text.replace(f'value="{VALID_ID.lower()}"', "")
    ordered = browser.get("/staff/hebei/worklist", view="all", sort="applicant", order="desc")
    assert ordered.text.index("王五") < ordered.text.index("李四")
    assert browser.get("/staff/hebei/worklist", view="<b>", sort="x").status_code == 200


def test_the_worklist_exports_to_excel(browser, tokens):
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    open_case(browser, "gansu", "2026-06-01", name="赵彩虹")
    answer = browser.get("/staff/gansu/worklist.xlsx", view="all")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(excel.XLSX)
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "申请人", "状态") and rows[2][1] == "赵彩虹"
    assert rows[2][2] == "已登记"


def test_opening_a_duplicate_shows_our_file_and_refuses_another_regions(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    ours = open_case(
        browser, "hebei", "2026-09-24", name="王五", **{"members.0.idNumber": VALID_ID}
    )
    browser.get("/staff/hebei/cases/new")
    again = browser.post(
        "/staff/hebei/cases/new",
        {**household_form(name="王五", **{"members.0.idNumber": VALID_ID}), "on": "2026-09-25"},
    )
    assert again.status_code == 409
    assert f'href="{ours}"' in again.text and "已有在办档案" in again.text
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    browser.get("/staff/gansu/cases/new")
    theirs = browser.post(
        "/staff/gansu/cases/new",
        {**household_form(name="王五", **{"members.0.idNumber": VALID_ID}), "on": "2026-09-25"},
    )
    assert theirs.status_code == 409
    assert "其他地区已有在办档案" in theirs.text and "上级工会" in theirs.text
    number = ours.rsplit("/", 1)[1]
    assert "河北" not in theirs.text and f"#{number}" not in theirs.text
    assert f"/cases/{number}" not in theirs.text and "duplicates" not in theirs.text
    assert "王五" not in browser.get("/staff/gansu/worklist", view="all").text


# --------------------------------------------------------------------------- facts, 算账
GANSU_EXAMPLE = {
    "members.0.name": "李秀芳",
    "members.0.relation": "APPLICANT",
    "members.0.age": "45",
    "members.0.seriousIllness": "on",
    "members.1.name": "南红涛",
    "members.1.relation": "SPOUSE",
    "members.1.age": "47",
    "members.1.monthlyIncome": "2000",
    "members.1.employment": "FLEXIBLE",
    "members.1.ableToWork": "on",
    "members.2.name": "南小明",
    "members.2.relation": "CHILD",
    "members.2.age": "17",
    "members.2.educationStage": "HIGH_SCHOOL",
    "members.2.employment": "STUDENT",
    "annualExpenses.rent": "800",
    "annualExpenses.living": "12000",
    "annualExpenses.medical": "6000",
    "annualExpenses.education": "12000",
    "hasHousing": "on",
    "medicalInInsuranceCatalog": "on",
}


def _version(html: str) -> str:
    return re.search(r'name="expectedVersion" value="(\d+)"', html).group(1)


def test_gansu_survey_steps_record_the_facts_and_the_worksheet_shows_the_gap(browser, tokens):
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    case = open_case(
        browser, "gansu", "2026-06-01", name="李秀芳", **{"members.0.idNumber": VALID_ID}
    )
    assert browser.get(f"{case}/facts/assess").status_code == 400  # after 看, not before
    assert f'href="{case}/facts/visit"' in browser.get(case).text
    for action in ("visit", "inspect", "assess"):
        page = browser.get(f"{case}/facts/{action}")
        assert page.status_code == 200, (action, page.text[:500])
        assert "**************002X" in page.text  # the ID on file, masked, kept when empty
        sent = browser.post(
            f"{case}/facts/{action}", {**GANSU_EXAMPLE, "expectedVersion": _version(page.text)}
        )
        assert sent.status_code == 303, (action, sent.text[-3000:])
    page = browser.get(case)
    gap = re.search(r'<strong id="gap">([^<]*)</strong>', page.text).group(1)
    assert gap == "6800.00"
    assert re.search(r'id="income-total">24000.00<', page.text)
    assert re.search(r'id="spending-total">30800.00<', page.text)
    assert "**************002X" in page.text  # the identity survived three updates


def test_a_facts_form_with_problems_keeps_what_was_typed_beside_each_field(browser, tokens):
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    case = open_case(browser, "gansu", "2026-06-01", name="李秀芳")
    page = browser.get(f"{case}/facts/visit")
    bad = {**GANSU_EXAMPLE, "members.1.age": "abc", "expectedVersion": _version(page.text)}
    answer = browser.post(f"{case}/facts/visit", bad)
    assert answer.status_code == 400
    block = re.search(
        r'<label class="field bad">.*?name="members.1.age".*?</label>', answer.text, re.S
    )
    assert block and 'class="problem"' in block.group(0) and 'value="abc"' in block.group(0)
    assert "已登记" in browser.get(case).text  # still registered: nothing was taken


def test_the_household_form_takes_thirty_members(browser, tokens):
    browser.sign_in("demo_city", tokens["demo_city", "caseworker"])
    page = browser.get("/staff/demo_city/cases/new")
    assert 'name="members.29.name"' in page.text and 'name="members.30.name"' not in page.text
    form = {**household_form(name="户主")}
    for i in range(1, 30):
        form |= {f"members.{i}.name": f"成员{i}", f"members.{i}.relation": "CHILD"}
    answer = browser.post("/staff/demo_city/cases/new", {**form, "on": "2026-06-01"})
    assert answer.status_code == 303
    assert "成员29" in browser.get(answer.headers["location"]).text


def test_codes_are_shown_with_chinese_labels(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-24")
    page = browser.get(case).text
    assert "特困职工" in page and ">tekun<" not in page and ": tekun" not in page
    assert "因病、灾害或意外致家庭支出突增" in page and ">sudden_expense<" not in page


# --------------------------------------------------------------------------- printing
def test_the_notice_masks_names_and_states_period_and_where_to_object(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "admin"])
    case = open_case(browser, "hebei", "2026-09-24", name="张三丰")
    step(browser, case, "review", "2026-09-25")
    step(browser, case, "publish", "2026-09-28")
    notice = browser.get(f"{case}/print/notice")
    assert notice.status_code == 200
    assert "张**" in notice.text and "张三丰" not in notice.text
    assert "2026-09-28" in notice.text and "5 个工作日" in notice.text
    assert "2026-10-10" in notice.text  # the fifth working day after the National Day week
    assert "所在县(市、区)总工会困难职工帮扶中心" in notice.text
    assert 'href="/staff/static/print.css"' in notice.text and "河北省总工会" in notice.text
    for doc in ("application", "approval", "summary"):
        assert browser.get(f"{case}/print/{doc}").status_code == 200
    assert browser.get(f"{case}/print/nonsense").status_code == 404


def test_a_printout_comes_as_a_pdf_from_chromium(browser, tokens):
    from core.web.printing import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium): no PDF")
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    case = open_case(browser, "gansu", "2026-06-01", name="李秀芳")
    pdf = browser.get(f"{case}/print/notice/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


# --------------------------------------------------------------------------- Excel import
def _sheet(*rows: tuple[str, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in excel.COLUMNS])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(name: str, id_number: str = "", age: str = "45", income: str = "2000") -> tuple:
    values = {c.path: "" for c in excel.COLUMNS}
    values |= {
        "members.0.name": name,
        "members.0.idNumber": id_number,
        "members.0.age": age,
        "members.0.monthlyIncome": income,
        "members.0.seriousIllness": "是",
        "annualMedicalOutOfPocket": "30000",
    }
    return tuple(values[c.path] for c in excel.COLUMNS)


def _upload(browser: Browser, tenant: str, content: bytes):
    browser.get(f"/staff/{tenant}/import")
    return browser.client.post(
        f"/staff/{tenant}/import",
        data={"csrf": browser.form_token},
        files={"sheet": ("households.xlsx", content, excel.XLSX)},
        follow_redirects=False,
    )


def test_a_sheet_with_one_bad_row_imports_nothing_and_reports_every_row(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    content = _sheet(_row("甲一"), _row("乙二", age="两百"), _row("丙三", income="-5"))
    answer = _upload(browser, "hebei", content)
    assert answer.status_code == 422
    assert "3行" in answer.text or "共3行" in answer.text
    assert (
        'id="row-2"' in answer.text and 'id="row-3"' in answer.text and 'id="row-4"' in answer.text
    )
    assert "✔" in answer.text and "申请人年龄" in answer.text and "申请人月收入" in answer.text
    assert "甲一" not in browser.get("/staff/hebei/worklist", view="all").text


def test_a_good_sheet_imports_every_household(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    answer = _upload(browser, "hebei", _sheet(_row("甲一", VALID_ID), _row("乙二", OTHER_ID)))
    assert answer.status_code == 200, answer.text.split("<main")[1][:2500]
    assert "已导入2户" in answer.text
    listing = browser.get("/staff/hebei/worklist", view="all").text
    assert "甲一" in listing and "乙二" in listing
    again = _upload(browser, "hebei", _sheet(_row("丁四", VALID_ID)))
    assert again.status_code == 422 and "本地区已有在办档案" in again.text


def test_the_template_and_junk_files(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    template = browser.get("/staff/hebei/import/template.xlsx")
    assert template.status_code == 200
    assert excel.read_sheet(template.content)[0].problems == []
    junk = _upload(browser, "hebei", b"not a workbook")
    assert junk.status_code == 400 and "Excel" in junk.text


# --------------------------------------------------------------------------- GraphiQL, look
def test_graphiql_loads_nothing_from_a_cdn(http):
    page = http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg" not in page.text and "https://" not in page.text.split("<body")[0]
    scripts = re.findall(r'src="(/graphql-assets/[^"]+)"', page.text)
    assert len(scripts) >= 4
    from core.api.graphiql import installed

    if installed():
        for src in scripts:
            assert http.get(src).status_code == 200
    assert http.get("/graphql-assets/graphiql/package.json").status_code == 404


def test_a_plugin_logo_and_the_text_size_switch(browser, tokens):
    logo = browser.get("/staff/hebei/logo")
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg")
    assert browser.get("/staff/demo_city/logo").status_code == 404  # ships none
    page = browser.get("/staff/hebei")
    assert 'src="/staff/hebei/logo"' in page.text and 'class="text-normal"' in page.text
    bigger = browser.post(
        "/staff/hebei/text-size", {"size": "larger", "back": "/staff/hebei/evaluate"}
    )
    assert bigger.status_code == 303 and bigger.headers["location"] == "/staff/hebei/evaluate"
    assert 'class="text-larger"' in browser.get("/staff/hebei/evaluate").text
    away = browser.post(
        "/staff/hebei/text-size", {"size": "large", "back": "https://evil.example/"}
    )
    assert away.headers["location"] == "/staff/hebei/"
