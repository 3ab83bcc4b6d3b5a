"""The staff case page shows what issue 8 records: when each step was entered, late
entries, and new facts waiting for a second person beside the determination in force."""

from __future__ import annotations

from core.cases.service import CaseService
from core.db.session import session_factory
from tests.casefile_samples import ILL, D, staff


def test_the_case_page_shows_entry_times_late_entries_and_waiting_facts(
    browser, tokens, database_url, registry
):
    with session_factory(database_url)() as session:
        service = CaseService(session, registry)  # the server's clock (pinned for the suite)
        case = service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-09-24"))
        for who, action, day in (
            ("reviewer", "review", "2026-09-25"),
            ("reviewer", "publish", "2026-09-28"),
            ("approver", "approve", "2026-10-10"),
            ("approver", "file", "2026-10-12"),
        ):
            case = service.transition(staff("hebei", who), case.id, action, case.version, D(day))
        more = {**ILL, "annualMedicalOutOfPocket": "100000"}
        service.transition(
            staff("hebei", "caseworker"), case.id, "update_facts", case.version, household=more
        )
    browser.sign_in("hebei", tokens["hebei", "approver"])
    page = browser.get(f"/staff/hebei/cases/{case.id}")
    assert page.status_code == 200, page.text
    assert "待审批的家庭情况变更" in page.text and "caseworker@hebei" in page.text
    assert "8000.00" in page.text and "2400.00" in page.text  # the new and the approved
    assert "补录逾期" in page.text  # the back-dated steps were entered long after
    assert "录入" in page.text and "2026-11-20" in page.text
    assert "待审批 awaiting approval" in page.text
    # the approver decides on the page; the caseworker who entered them is offered nothing
    assert 'value="approve_facts"' in page.text and 'value="reject_facts"' in page.text
    version = int(__import__("re").search(r'<dd class="version">(\d+)</dd>', page.text).group(1))
    from tests.web.test_staff_pages import step

    done = step(browser, f"/staff/hebei/cases/{case.id}", "approve_facts", "", version=version)
    assert done.status_code == 303, done.text
    page = browser.get(f"/staff/hebei/cases/{case.id}")
    assert "待审批的家庭情况变更" not in page.text and "审批通过家庭情况变更" in page.text
