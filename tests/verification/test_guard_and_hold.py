"""A difference that blocks stops approval until resolved; Hebei's payment runs hold a
file with a difference waiting (``verification.hold_payments``) and pay it once resolved."""

from __future__ import annotations

import pytest

from core.cases.service import CaseService
from core.errors import RULE_VIOLATION, BangfuError
from core.funds.service import FundsService
from core.verification.service import VerificationService
from tests.casefile_samples import ILL, D
from tests.verification.conftest import (
    ADMIN,
    APPROVER,
    CASEWORKER,
    REVIEWER,
    SOCIAL,
    person,
    write_csv,
)
from tests.verification.test_comparison import with_id

B, F = person(21), person(22)


def social_roster(verification, tmp_path, rows):
    path = write_csv(tmp_path / "社保.csv", SOCIAL, rows)
    verification.import_roster(ADMIN, "social_security", str(path), D("2026-10-31"), "冀人社函")


def test_approval_waits_until_a_blocking_difference_is_resolved(cases, verification, tmp_path):
    case = cases.open_case(CASEWORKER, "hebei", with_id(ILL, B), on=D("2026-09-24"))
    case = cases.transition(REVIEWER, case.id, "review", case.version, D("2026-09-25"))
    case = cases.transition(REVIEWER, case.id, "publish", case.version, D("2026-09-28"))
    social_roster(verification, tmp_path, [(B, "是", "否", "9000")])
    seen = cases.get_case(APPROVER, case.id)
    assert "approve" not in seen.available_actions  # the page does not offer it
    with pytest.raises(BangfuError) as info:
        cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    assert info.value.code == RULE_VIOLATION
    assert info.value.details["guard"] == "differences_resolved"
    assert info.value.details["differences"] == ["wage"]
    assert info.value.message.startswith("县级工会审批前须先处理数据比对发现的差异")
    (wage,) = verification.differences(CASEWORKER, case.id)
    verification.keep(CASEWORKER, wage.id, "按最低缴费基数缴纳,实际工资见工资条")
    with pytest.raises(BangfuError):  # asked, not yet confirmed: still waiting
        cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    verification.confirm(staff_admin(), wage.id, agree=True)
    done = cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    assert done.status == "approved"


def staff_admin():
    from tests.casefile_samples import staff

    return staff("hebei", "admin", "chief@hebei")


def filed(cases: CaseService, number: str) -> str:
    case = cases.open_case(CASEWORKER, "hebei", with_id(ILL, number), on=D("2026-09-24"))
    case = cases.transition(REVIEWER, case.id, "review", case.version, D("2026-09-25"))
    case = cases.transition(REVIEWER, case.id, "publish", case.version, D("2026-09-28"))
    case = cases.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    return cases.transition(APPROVER, case.id, "file", case.version, D("2026-10-12")).id


def test_a_payment_run_holds_a_file_with_a_difference_waiting(session, registry, tmp_path):
    today = lambda: D("2026-12-10")
    cases = CaseService(session, registry, today=today)
    verification = VerificationService(session, registry, today=today)
    funds = FundsService(session, registry, today=today)
    questioned, clear = filed(cases, B), filed(cases, F)
    social_roster(verification, tmp_path, [(B, "是", "否", "9000"), (F, "是", "否", "2000")])
    (wage,) = verification.differences(CASEWORKER, questioned)
    assert verification.differences(CASEWORKER, clear) == []

    run = funds.run(CASEWORKER, "2026", "government")
    assert run.created == 1  # the questioned file is held

    verification.keep(CASEWORKER, wage.id, "最低缴费基数高于实际工资")
    assert funds.run(CASEWORKER, "2026", "government").created == 0  # still waiting
    verification.confirm(APPROVER, wage.id, agree=True)
    again = funds.run(CASEWORKER, "2026", "government")
    assert (again.created, again.total) == (1, 2)


def test_before_the_hold_is_switched_on_nothing_is_held(cases, verification, funds_early, tmp_path):
    filed(cases, B)
    social_roster(verification, tmp_path, [(B, "是", "否", "9000")])
    assert funds_early.run(CASEWORKER, "2026", "government").created == 1


@pytest.fixture
def funds_early(session, registry):
    return FundsService(session, registry, today=lambda: D("2026-11-20"))
