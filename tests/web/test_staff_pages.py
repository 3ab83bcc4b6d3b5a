"""The staff pages: branding per tenant, sign-in, working a case through forms (four eyes
and all), CSRF, the public evaluation page, and hostile requests answered without a fault.
"""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import TENANTS, Browser, household_form

BRANDS = {
    "hebei": ("河北省总工会 特困职工帮扶", "#1565c0"),
    "gansu": ("甘肃省总工会 城市困难职工解困脱困", "#2e7d32"),
    "demo_city": ("示例市总工会 困难职工帮扶", "#6a1b9a"),
}
VALID_ID = "11010519491231002X"  # checksum-valid resident ID


def version_on(html: str) -> int:
    return int(re.search(r'<dd class="version">(\d+)</dd>', html).group(1))


def open_case(browser: Browser, tenant: str, on: str, **fields: str) -> str:
    """Open a file through the form; its page's address."""
    browser.get(f"/staff/{tenant}/cases/new")
    response = browser.post(f"/staff/{tenant}/cases/new", {**household_form(**fields), "on": on})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def step(browser: Browser, case: str, action: str, on: str, comment: str = "", version=None):
    page = browser.get(case)
    assert page.status_code == 200, page.text
    form = {
        "action": action,
        "on": on,
        "comment": comment,
        "expectedVersion": str(version_on(page.text) if version is None else version),
    }
    return browser.post(case, form)


# --------------------------------------------------------------------------- branding
def test_the_tenant_list_links_every_regional_tenant(browser):
    page = browser.get("/staff/")
    assert page.status_code == 200
    for code, (name, _) in BRANDS.items():
        assert f'href="/staff/{code}/"' in page.text
        assert name in page.text
    assert "/staff/national/" not in page.text  # the national level works no case files


@pytest.mark.parametrize("tenant", TENANTS)
def test_each_tenant_pages_carry_its_name_colour_and_language(browser, tenant):
    name, colour = BRANDS[tenant]
    for path in ("", "/evaluate"):
        page = browser.get(f"/staff/{tenant}{path}")
        assert page.status_code == 200
        assert name in page.text
        assert f'<meta name="theme-color" content="{colour}">' in page.text
        assert f'href="/staff/{tenant}/theme.css"' in page.text
        assert '<html lang="zh-CN">' in page.text
        others = [n for code, (n, _) in BRANDS.items() if code != tenant]
        assert not any(other in page.text for other in others)
    theme = browser.get(f"/staff/{tenant}/theme.css")
    assert theme.headers["content-type"].startswith("text/css")
    assert f"--brand: {colour};" in theme.text


def test_pages_are_not_cached_framed_or_scripted(browser):
    page = browser.get("/staff/hebei")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script" not in page.headers["content-security-policy"]  # default-src 'none'
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in page.text


def test_unknown_and_national_tenants_are_not_found(browser):
    for path in ("/staff/atlantis", "/staff/national", "/staff/national/cases"):
        assert browser.get(path).status_code == 404


# --------------------------------------------------------------------------- signing in
def test_sign_in_with_a_good_token_keeps_it_in_a_strict_cookie(browser, tokens):
    response = browser.sign_in("hebei", tokens["hebei", "caseworker"])
    assert response.headers["location"] == "/staff/hebei/worklist"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "bangfu_staff=" in c)
    assert "HttpOnly" in cookie and "Path=/staff;" in cookie
    assert "samesite=strict" in cookie.lower()
    page = browser.get("/staff/hebei/cases")
    assert page.status_code == 200
    assert "caseworker.hebei" in page.text and "经办人" in page.text
    assert tokens["hebei", "caseworker"] not in page.text


def test_a_token_of_another_tenant_is_refused_like_an_unknown_one(browser, tokens):
    browser.get("/staff/hebei")
    other = browser.post("/staff/hebei/sign-in", {"token": tokens["gansu", "approver"]})
    assert other.status_code == 401
    assert "此令牌不能登录河北省" in other.text and "does not sign in to 河北省" in other.text
    assert not any("bangfu_staff=bf_" in c for c in other.headers.get_list("set-cookie"))
    assert "甘肃" not in other.text  # nothing tells which region the token belongs to
    unknown = browser.post("/staff/hebei/sign-in", {"token": "bf_not-a-real-token"})
    assert unknown.status_code == 401
    notice = re.compile(r'<div class="notice.*?</div>', re.S)
    assert notice.search(other.text).group(0) == notice.search(unknown.text).group(0)
    national = browser.post("/staff/hebei/sign-in", {"token": tokens["national", "national"]})
    assert national.status_code == 401
    assert browser.get("/staff/hebei/cases").status_code == 401


def test_pages_with_case_files_ask_to_sign_in(browser, tokens):
    for path in ("/staff/hebei/cases", "/staff/hebei/cases/new", "/staff/hebei/cases/1"):
        page = browser.get(path)
        assert page.status_code == 401
        assert 'action="/staff/hebei/sign-in"' in page.text


def test_signed_in_to_one_region_is_not_signed_in_to_another(browser, tokens):
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    assert browser.get("/staff/hebei/cases").status_code == 401
    assert browser.get("/staff/gansu/cases").status_code == 200  # still signed in there


def test_sign_out_forgets_the_token(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    browser.get("/staff/hebei/cases")
    out = browser.post("/staff/hebei/sign-out", {})
    assert out.status_code == 303
    assert browser.get("/staff/hebei/cases").status_code == 401


# --------------------------------------------------------------------------- CSRF
def test_a_post_without_the_form_token_is_refused_and_changes_nothing(browser, tokens):
    browser.get("/staff/hebei")
    signin = browser.post(
        "/staff/hebei/sign-in", {"token": tokens["hebei", "admin"]}, form_token=False
    )
    assert signin.status_code == 403
    assert "表单已过期" in signin.text and "form has expired" in signin.text
    assert browser.get("/staff/hebei/cases").status_code == 401  # not signed in

    browser.sign_in("hebei", tokens["hebei", "admin"])
    case = open_case(browser, "hebei", "2026-09-24")
    forged = {"action": "review", "on": "2026-09-25", "expectedVersion": "1"}
    assert browser.post(case, forged, form_token=False).status_code == 403
    assert browser.post(case, {**forged, "csrf": "x" * 43}, form_token=False).status_code == 403
    page = browser.get(case)
    assert version_on(page.text) == 1 and "已申请" in page.text
    opened = browser.post("/staff/hebei/cases/new", household_form(), form_token=False)
    assert opened.status_code == 403


# --------------------------------------------------------------------------- working a case
def test_open_review_publish_and_approve_through_the_forms_with_four_eyes(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "admin"])
    case = open_case(browser, "hebei", "2026-09-24")
    page = browser.get(case)
    assert page.status_code == 200
    assert "已申请" in page.text and version_on(page.text) == 1
    assert "2400.00" in page.text and "医疗救助" in page.text
    assert step(browser, case, "review", "2026-09-25").status_code == 303
    assert step(browser, case, "publish", "2026-09-28").status_code == 303
    page = browser.get(case)
    assert "公示中" in page.text and version_on(page.text) == 3

    # the admin opened and reviewed the file: four eyes forbid them to approve it
    refused = step(browser, case, "approve", "2026-10-10")
    assert refused.status_code in (403, 422)
    assert 'class="notice refusal"' in refused.text
    assert version_on(refused.text) == 3
    assert version_on(browser.get(case).text) == 3

    browser.sign_in("hebei", tokens["hebei", "approver"])
    early = step(browser, case, "approve", "2026-10-09")  # the notice period runs on
    assert early.status_code == 422
    assert "2026-10-10" in early.text
    assert version_on(browser.get(case).text) == 3
    assert step(browser, case, "approve", "2026-10-10").status_code == 303
    page = browser.get(case)
    assert "县级工会已审批" in page.text and version_on(page.text) == 4
    assert "approver.hebei" in page.text and "admin.hebei" in page.text
    history = page.text[page.text.index("办理记录") :]
    for taken in ("2026-09-24", "2026-09-25", "2026-09-28", "2026-10-10"):
        assert taken in history


def test_a_role_that_may_not_take_a_step_is_told_so(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-24")
    page = browser.get(case)
    assert 'value="review"' not in page.text  # only the steps the viewer may take
    refused = step(browser, case, "review", "2026-09-25")
    assert refused.status_code == 403
    assert "审核" in refused.text and "may not take the step" in refused.text
    assert version_on(refused.text) == 1


def test_a_stale_version_is_a_conflict(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    browser.forget()
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-24")
    browser.sign_in("hebei", tokens["hebei", "reviewer"])
    assert step(browser, case, "review", "2026-09-25").status_code == 303
    stale = step(browser, case, "publish", "2026-09-28", version=1)
    assert stale.status_code == 409
    assert "刷新" in stale.text and "reload" in stale.text.lower()
    assert version_on(stale.text) == 2


def test_the_case_list_filters_by_status_and_shows_overdue_deadlines(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    late = open_case(browser, "hebei", "2026-01-05", name="李四")
    listing = browser.get("/staff/hebei/cases")
    assert listing.status_code == 200
    number = late.rsplit("/", 1)[1]
    row = re.search(rf'<tr class="overdue">.*?#{number}</a>.*?</tr>', listing.text, re.S)
    assert row and "李四" in row.group(0) and "已逾期" in row.group(0)
    assert "李四" not in browser.get("/staff/hebei/cases", status="approved").text
    assert "李四" in browser.get("/staff/hebei/cases", status="applied").text


def test_paging_through_the_case_list(browser, tokens):
    browser.sign_in("demo_city", tokens["demo_city", "caseworker"])
    for n in range(22):
        open_case(browser, "demo_city", "2026-11-02", name=f"成员{n:02d}")
    first = browser.get("/staff/demo_city/cases")
    assert "成员00" in first.text and "成员21" not in first.text
    after = re.search(r"after=(\d+)", first.text).group(1)
    second = browser.get("/staff/demo_city/cases", after=after)
    assert "成员21" in second.text and "成员00" not in second.text


def test_another_tenants_case_is_not_found_like_a_missing_one(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-24", name="王五")
    number = case.rsplit("/", 1)[1]
    browser.sign_in("gansu", tokens["gansu", "admin"])
    theirs = browser.get(f"/staff/gansu/cases/{number}")
    missing = browser.get("/staff/gansu/cases/999999")
    assert theirs.status_code == missing.status_code == 404
    assert "王五" not in theirs.text
    notice = re.compile(r'<div class="notice.*?</div>', re.S)
    said = [re.sub(r"\d+", "N", notice.search(p.text).group(0)) for p in (theirs, missing)]
    assert said[0] == said[1]
    posted = browser.post(
        f"/staff/gansu/cases/{number}", {"action": "visit", "expectedVersion": "1"}
    )
    assert posted.status_code == 404


def test_a_household_with_problems_comes_back_with_what_was_typed(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    browser.get("/staff/hebei/cases/new")
    form = household_form(name="赵六", monthly_income="lots")
    form["members.1.name"] = "赵小六"
    form["members.1.relation"] = "CHILD"
    form["members.1.age"] = "abc"
    page = browser.post("/staff/hebei/cases/new", form)
    assert page.status_code == 400
    assert (
        'value="赵六"' in page.text and 'value="lots"' in page.text and 'value="abc"' in page.text
    )
    income = re.search(
        r'<label class="field bad">\s*<span class="label">月收入.*?</label>', page.text, re.S
    )
    assert income and "lots" in income.group(0) and 'class="problem"' in income.group(0)
    # Chinese first, the English beside it
    said = re.search(r'<span class="problem">(.*?)</span></span>', income.group(0), re.S)
    assert said and said.group(1).startswith("“lots”不是金额")
    assert 'name="members.1.age" value="abc"' in page.text
    assert "应为整数" in page.text
    assert "赵六" not in browser.get("/staff/hebei/cases").text  # nothing was opened


def test_names_are_escaped_and_resident_ids_masked(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(
        browser,
        "hebei",
        "2026-09-24",
        name="<script>alert(1)</script>",
        **{"members.0.idNumber": VALID_ID},
    )
    assert VALID_ID not in case
    page = browser.get(case)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert VALID_ID not in page.text
    assert "**************002X" in page.text


# --------------------------------------------------------------------------- evaluation
def test_the_evaluation_page_shows_h1_medical_relief_without_signing_in(browser):
    browser.get("/staff/hebei/evaluate")
    page = browser.post("/staff/hebei/evaluate", {**household_form(), "asOf": "2026-06-01"})
    assert page.status_code == 200
    row = re.search(r'<tr id="programme-medical_relief">.*?</tr>', page.text, re.S)
    assert row and '<td class="num amount">2400.00</td>' in row.group(0)
    assert "符合帮扶条件" in page.text and "eligible" in page.text
    assert "<details><summary>" in page.text  # explanations fold away
    assert "按总额的 8% = 2400.00 元" in page.text
    assert 'value="30000"' in page.text  # the form keeps the household


def test_the_evaluation_page_points_at_problems(browser):
    browser.get("/staff/gansu/evaluate")
    page = browser.post("/staff/gansu/evaluate", {"members.0.name": "", "asOf": "someday"})
    assert page.status_code == 400
    assert "members" in page.text and "someday" in page.text


# --------------------------------------------------------------------------- hostile requests
def test_odd_requests_are_answered_without_a_fault(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    case = open_case(browser, "hebei", "2026-09-24")
    for path, params in (
        ("/staff/hebei/cases/abc", {}),
        ("/staff/hebei/cases/-1", {}),
        ("/staff/hebei/cases/99999999999999999999", {}),
        ("/staff/hebei/cases", {"after": "x"}),
        ("/staff/hebei/cases", {"status": "<b>nope</b>"}),
        ("/staff/hebei/cases", {"after": "1", "status": "applied"}),
        ("/staff/%3Cscript%3E", {}),
        ("/staff/static/../../core/settings.py", {}),
    ):
        answer = browser.get(path, **params)
        assert answer.status_code in (200, 400, 404), (path, answer.status_code)
        assert "<b>nope</b>" not in answer.text
    for form in (
        {"action": "review"},
        {"action": "review", "expectedVersion": "one"},
        {"action": "", "expectedVersion": "1"},
        {"action": "no_such_step", "expectedVersion": "1", "on": "2026-09-25"},
        {"action": "review", "expectedVersion": "1", "on": "31/12/2026"},
        {"action": "review", "expectedVersion": "1", "comment": "长" * 5000},
        {"action": ["review", "publish"], "expectedVersion": ["1", "2"]},
    ):
        answer = browser.post(case, form)
        assert 400 <= answer.status_code < 500, (form, answer.status_code)
    as_json = browser.client.post(case, json={"action": "review"}, follow_redirects=False)
    assert 400 <= as_json.status_code < 500
    many = {f"members.{i}.name": "x" * 500 for i in range(10)}
    assert browser.post("/staff/hebei/cases/new", many).status_code == 400
    assert version_on(browser.get(case).text) == 1


def test_the_case_list_shows_the_reports_the_tenant_owes(browser, tokens):
    browser.sign_in("hebei", tokens["hebei", "caseworker"])
    page = browser.get("/staff/hebei/cases")
    assert page.status_code == 200
    assert "本地区待办上报" in page.text and "季度统计上报" in page.text
    browser.sign_in("gansu", tokens["gansu", "caseworker"])
    assert "季度统计上报" not in browser.get("/staff/gansu/cases").text  # Gansu owes none
