"""In a real browser: a caseworker sees the data comparison beside the household form at
the survey step and uploads a hospital bill there; the approver sees the comparison and
the bill before approving, and may approve only once the blocking difference is resolved.

A server of its own (its database is prepared with the file and the roster first)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import PASSWORD, VIEWPORT, shot
from tests.casefile_samples import ILL, D, staff
from tests.evidence.test_documents import png
from tests.live import live_server
from tests.verification.conftest import SOCIAL, person, write_csv
from tests.verification.test_comparison import with_id

PEOPLE = (
    ("hebei", "wang.jing", "caseworker"),
    ("hebei", "zhao.min", "approver"),
    ("hebei", "li.hua", "reviewer"),
)
NUMBER = person(41)


@pytest.fixture(scope="module")
def prepared(chromium, sqlite_template, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The server, with a Hebei file in public notice and a roster that questions it."""
    from core.auth.accounts import create_user
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from core.db.testing import sqlite_database
    from core.registry import load_registry
    from core.verification.service import VerificationService

    folder = tmp_path_factory.mktemp("verification-browser")
    registry = load_registry()
    with sqlite_database(sqlite_template, folder) as url:
        with session_factory(url)() as session:
            for tenant, user, role in PEOPLE:
                create_user(session, tenant, user, role, PASSWORD, set(registry.tenants))
            cases = CaseService(session, registry, today=lambda: D("2026-11-20"))
            worker, reviewer = (
                staff("hebei", "caseworker", "wang.jing"),
                staff("hebei", "reviewer", "li.hua"),
            )
            case = cases.open_case(worker, "hebei", with_id(ILL, NUMBER), on=D("2026-11-02"))
            case = cases.transition(reviewer, case.id, "review", case.version, D("2026-11-03"))
            case = cases.transition(reviewer, case.id, "publish", case.version, D("2026-11-04"))
            roster = write_csv(folder / "社保.csv", SOCIAL, [(NUMBER, "是", "否", "9000")])
            VerificationService(session, registry, today=lambda: D("2026-11-20")).import_roster(
                staff("hebei", "admin"),
                "social_security",
                str(roster),
                D("2026-10-31"),
                "冀人社函〔2026〕12号",
            )
        with live_server(url, folder / "server.log") as base:
            yield base, case.id


@pytest.fixture
def tab(chromium_browser, prepared):
    base, _ = prepared
    context = chromium_browser.new_context(viewport=VIEWPORT, base_url=base, locale="zh-CN")
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


def test_a_bill_at_the_survey_and_both_seen_before_approval(tab, prepared, tmp_path):
    _, case_id = prepared
    page = tab
    # the caseworker: the survey step (更新家庭情况) with the comparison beside the form
    sign_in(page, "wang.jing")
    page.goto(f"/staff/hebei/cases/{case_id}")
    page.get_by_role("link", name="更新家庭情况").click()
    page.wait_for_url(re.compile(r".*/facts/update_facts$"))
    comparison = page.locator("#comparison")
    assert "工资收入" in comparison.inner_text()
    assert "2000.00" in comparison.locator("td.declared").inner_text()
    assert "9000.00" in comparison.locator("td.found").inner_text()
    assert "冀人社函〔2026〕12号" in comparison.inner_text()
    assert page.locator("form.household").is_visible()  # the household form on the same page
    bill = tmp_path / "门诊票据.png"
    bill.write_bytes(png(40, 30))
    upload = page.locator("form.upload")
    upload.locator('select[name="kind"]').select_option("medical_bill")
    upload.locator('input[name="title"]').fill("门诊票据 2026-10")
    upload.locator('input[name="document"]').set_input_files(str(bill))
    upload.get_by_role("button", name=re.compile("上传")).click()
    page.wait_for_url(re.compile(r".*/facts/update_facts$"))
    assert "门诊票据 2026-10" in page.locator("#evidence").inner_text()
    shot(page, "verification-survey-caseworker", full_page=True)
    # a file that is not a picture is refused, told by its content
    fake = tmp_path / "票据.png"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    upload = page.locator("form.upload")
    upload.locator('input[name="document"]').set_input_files(str(fake))
    upload.get_by_role("button", name=re.compile("上传")).click()
    assert "只接受完整的PDF、JPEG或PNG文件" in page.locator(".notice").inner_text()
    # asks to keep the declared wage, with a reason
    page.goto(f"/staff/hebei/cases/{case_id}")
    form = page.locator("#comparison form.resolve")
    form.locator("textarea").fill("按当地最低缴费基数缴纳,实际工资见工资条")
    form.get_by_role("button", name=re.compile("保留申报值")).click()
    assert "保留申报值,待确认" in page.locator("#comparison").inner_text()

    # the approver: the differences worklist, then the file with the comparison and the bill
    sign_in(page, "zhao.min")
    page.get_by_role("link", name=re.compile("比对差异")).click()
    line = page.locator("table.differences tbody tr").first
    assert "待遇将终止" in line.inner_text() and "3190.00" in line.inner_text()
    shot(page, "verification-differences-worklist")
    page.goto(f"/staff/hebei/cases/{case_id}")
    assert "县级工会审批" not in page.locator(".steps").inner_text()  # blocked for now
    assert "门诊票据 2026-10" in page.locator("#evidence").inner_text()
    shot(page, "verification-case-approver-before", full_page=True)
    page.locator("#evidence").get_by_role("link", name=re.compile("门诊票据")).click()
    image = page.locator(".viewer img")
    image.wait_for()
    assert page.evaluate("document.querySelector('.viewer img').naturalWidth") == 40
    shot(page, "verification-evidence-viewer")
    answer = page.request.get(image.get_attribute("src"))  # the bytes: never kept by a cache
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    page.go_back()
    form = page.locator("#comparison form.resolve")
    form.get_by_role("button", name=re.compile("同意保留")).click()
    assert "已保留申报值" in page.locator("#comparison").inner_text()
    step = page.locator("form.step", has=page.get_by_role("button", name="县级工会审批"))
    step.get_by_role("button", name="县级工会审批").click()
    page.wait_for_url(re.compile(rf".*/cases/{case_id}$"))
    assert "县级工会已审批" in page.locator("dl.facts").inner_text()
    shot(page, "verification-case-approved", full_page=True)
