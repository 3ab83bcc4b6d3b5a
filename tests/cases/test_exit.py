"""Hebei's exit (003 三.5: 对已经解困、生活稳定的要及时办理退出) through the case service, on
SQLite and PostgreSQL, dated by the server's clock: refused with a bilingual
RULE_VIOLATION while the household is still in hardship and no approver wrote a reason,
and nothing changes; allowed with the reason, or once the household is out of hardship."""

from __future__ import annotations

import pytest

from core.cases.service import CaseService
from core.errors import RULE_VIOLATION, BangfuError
from tests.casefile_samples import COMFORTABLE, ILL, D, staff


class Clock:
    def __init__(self) -> None:
        self.day = D("2026-09-24")

    def __call__(self):
        return self.day


def filed(service: CaseService, clock: Clock):
    clock.day = D("2026-09-24")
    case = service.open_case(staff("hebei", "caseworker"), "hebei", ILL)
    for action, role, day in (
        ("review", "reviewer", "2026-09-25"),
        ("publish", "reviewer", "2026-09-28"),
        ("approve", "approver", "2026-10-12"),
        ("file", "approver", "2026-10-13"),
    ):
        clock.day = D(day)
        case = service.transition(staff("hebei", role), case.id, action, case.version)
    assert case.status == "filed"
    return case


@pytest.fixture
def service(session, registry):
    clock = Clock()
    return CaseService(session, registry, today=clock), clock


def test_an_exit_in_hardship_without_a_reason_is_refused_and_changes_nothing(service):
    service, clock = service
    case = filed(service, clock)
    clock.day = D("2026-12-01")
    with pytest.raises(BangfuError) as info:
        service.transition(staff("hebei", "approver"), case.id, "exit", case.version)
    error = info.value
    assert error.code == RULE_VIOLATION and error.details["guard"] == "out_of_hardship_or_reason"
    assert "尚未解困" in error.zh and "not out of hardship" in error.en
    after = service.get_case(staff("hebei", "approver"), case.id)
    assert (after.status, after.version, len(after.history)) == (
        "filed",
        case.version,
        len(case.history),
    )
    done = service.transition(
        staff("hebei", "approver"), case.id, "exit", case.version, comment="已由民政兜底,生活稳定"
    )
    assert done.status == "exited" and done.history[-1].on == D("2026-12-01")


def test_an_exit_out_of_hardship_needs_no_reason(service):
    service, clock = service
    case = filed(service, clock)
    clock.day = D("2026-11-30")
    case = service.transition(
        staff("hebei", "caseworker"), case.id, "update_facts", case.version, household=COMFORTABLE
    )
    clock.day = D("2026-12-01")
    done = service.transition(staff("hebei", "approver"), case.id, "exit", case.version)
    assert done.status == "exited"
    assert done.history[-1].details["notes"]["exit_ground"] == "out_of_hardship"
