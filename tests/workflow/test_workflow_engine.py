"""The engine enforces each tenant's declared procedure: roles, statuses, dates, guards,
deadlines, four eyes. Walked in memory (no database)."""

from __future__ import annotations

import pytest

from core.errors import BAD_INPUT, FORBIDDEN, RULE_VIOLATION, BangfuError
from core.workflow.engine import Workflow, no_procedure
from core.workflow.simulation import SimulatedCase
from core.workflow.state import Actor
from tests.casefile_samples import (
    ADMIN,
    APPROVER,
    CASEWORKER,
    CHAIRMAN,
    COMFORTABLE,
    ILL,
    NO_HOUSING,
    RESTRUCTURED,
    REVIEWER,
    D,
)


def refused(code: str, fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    assert info.value.zh and info.value.en
    return info.value


def hebei_to_notice(hebei, published: str = "2026-09-28") -> SimulatedCase:
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-24"))
    case.take("review", REVIEWER, D("2026-09-25"))
    case.take("publish", REVIEWER, D(published))
    return case


# --------------------------------------------------------------------------- Hebei
def test_hebei_walks_from_application_to_filing(hebei):
    case = hebei_to_notice(hebei)
    case.take("approve", APPROVER, D("2026-10-10"))
    case.take("file", APPROVER, D("2026-10-12"))
    assert case.status == "filed"
    assert [s.action for s in case.state.history] == [
        "open",
        "review",
        "publish",
        "approve",
        "file",
    ]
    assert case.state.history[0].from_status == ""


def test_h7_review_due_on_the_third_working_day(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    [deadline] = case.deadlines()
    assert (deadline.step, deadline.due, deadline.provisional) == ("review", D("2026-10-10"), False)


def test_an_urgent_case_is_reviewed_the_same_day(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"), urgent=True)
    assert case.deadlines()[0].due == D("2026-09-30")


def test_h8_approval_refused_before_the_fifth_working_day_of_notice(hebei):
    case = hebei_to_notice(hebei, "2026-09-28")
    error = refused(RULE_VIOLATION, case.take, "approve", APPROVER, D("2026-10-09"))
    assert error.details["allowedFrom"] == "2026-10-10"
    assert "2026-10-10" in error.en and "2026-10-10" in error.zh
    assert case.status == "in_public_notice"  # nothing changed
    case.take("approve", APPROVER, D("2026-10-10"))
    assert case.status == "approved"


def test_approval_deadline_counts_notice_and_county_days(hebei):
    case = hebei_to_notice(hebei, "2026-09-28")
    [deadline] = case.deadlines()
    # 5 working days of notice (to 10 Oct), then 7 for the county: 12..16, 19, 20 Oct
    assert (deadline.step, deadline.due) == ("approve", D("2026-10-20"))


def test_a_late_step_is_allowed_and_marked_late(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    decision = case.take("review", REVIEWER, D("2026-10-12"))
    assert decision.late is not None and decision.late.due == D("2026-10-10")
    assert case.deadlines() == []


def test_wrong_role_is_forbidden_and_names_who_may(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    error = refused(FORBIDDEN, case.take, "review", CASEWORKER, D("2026-10-08"))
    assert "reviewer" in error.en


def test_admin_may_take_every_step_but_not_past_four_eyes(hebei):
    case = SimulatedCase.open(hebei, ILL, ADMIN, D("2026-09-24"))
    case.take("review", REVIEWER, D("2026-09-25"))
    case.take("publish", ADMIN, D("2026-09-28"))
    refused(FORBIDDEN, case.take, "approve", ADMIN, D("2026-10-10"))  # the admin opened it


def test_four_eyes_nobody_approves_a_case_they_reviewed(hebei):
    case = hebei_to_notice(hebei)
    reviewer_with_approver_role = Actor(REVIEWER.user, "approver")
    error = refused(FORBIDDEN, case.take, "approve", reviewer_with_approver_role, D("2026-10-12"))
    assert error.details["guard"] == "four_eyes" and "review" in error.details["steps"]


def test_a_step_from_the_wrong_status_names_the_way_there(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    error = refused(RULE_VIOLATION, case.take, "approve", APPROVER, D("2026-10-20"))
    assert error.details["next"] == ["review", "publish"]
    assert "review -> publish" in error.en


def test_an_unknown_action_is_bad_input_listing_the_steps(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    error = refused(BAD_INPUT, case.take, "teleport", ADMIN, D("2026-10-08"))
    assert "review" in error.en
    refused(BAD_INPUT, case.take, "open", ADMIN, D("2026-10-08"))


def test_a_step_dated_before_the_previous_one_is_refused(hebei):
    case = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    error = refused(RULE_VIOLATION, case.take, "review", REVIEWER, D("2026-09-29"))
    assert error.details["previous"] == "2026-09-30"


def test_ground_g_is_a_deliberate_step_not_a_comment(hebei):
    """003 一.1(g): a comment on the review admits nobody (issue 18: it admitted a
    well-paid household); the reviewer's own step with a reason records ground g, and only
    for a household the general conditions bind."""
    case = SimulatedCase.open(hebei, COMFORTABLE, CASEWORKER, D("2026-09-30"))
    error = refused(RULE_VIOLATION, case.take, "review", REVIEWER, D("2026-10-08"))
    assert "review_other_ground" in error.en
    refused(RULE_VIOLATION, case.take, "review", REVIEWER, D("2026-10-08"), "房屋被拆迁,临时无住所")
    refused(
        RULE_VIOLATION, case.take, "review_other_ground", REVIEWER, D("2026-10-08"), "房屋被拆迁"
    )
    lone = {"members": [{"name": "冯英", "relation": "APPLICANT", "age": 58,
                         "monthlyIncome": "900", "employment": "EMPLOYED", "ableToWork": True}]}  # fmt: skip
    case = SimulatedCase.open(hebei, lone, CASEWORKER, D("2026-09-30"))
    refused(RULE_VIOLATION, case.take, "review_other_ground", REVIEWER, D("2026-10-08"))
    decision = case.take("review_other_ground", REVIEWER, D("2026-10-08"), "房屋被拆迁,临时无住所")
    assert case.recorded_grounds == "g" and decision.evaluation.category == "tekun"


def test_emergency_relief_first_then_the_steps(hebei):
    ordinary = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"))
    refused(RULE_VIOLATION, ordinary.take, "emergency_relief", CASEWORKER, D("2026-09-30"), "x")
    urgent = SimulatedCase.open(hebei, ILL, CASEWORKER, D("2026-09-30"), urgent=True)
    refused(RULE_VIOLATION, urgent.take, "emergency_relief", CASEWORKER, D("2026-09-30"))
    urgent.take("emergency_relief", CASEWORKER, D("2026-09-30"), "2000元救助金")
    assert urgent.status == "applied"  # the procedure is still to be completed
    urgent.take("review", REVIEWER, D("2026-09-30"))
    assert urgent.status == "reviewed"


def test_reject_exit_and_reentry(hebei):
    rejected = SimulatedCase.open(hebei, COMFORTABLE, CASEWORKER, D("2026-09-30"))
    refused(RULE_VIOLATION, rejected.take, "reject", REVIEWER, D("2026-10-08"))  # no reason
    rejected.take("reject", REVIEWER, D("2026-10-08"), "收入高于标准")
    assert rejected.status == "rejected" and rejected.available(ADMIN, D("2026-10-09")) == []

    case = hebei_to_notice(hebei)
    case.take("approve", APPROVER, D("2026-10-10"))
    case.take("file", APPROVER, D("2026-10-12"))
    case.take("exit", APPROVER, D("2026-12-01"), "已就业")
    assert case.status == "exited" and case.deadlines() == []
    case.take("reenter", CASEWORKER, D("2026-12-14"), "再次失业", household=ILL)
    assert case.status == "applied"
    assert case.deadlines()[0].due == D("2026-12-17")  # review due again after re-entry


def test_available_actions_follow_role_status_date_and_guards(hebei):
    case = hebei_to_notice(hebei, "2026-09-28")
    assert case.available(APPROVER, D("2026-10-09")) == ["reject"]  # notice still running
    assert case.available(APPROVER, D("2026-10-10")) == ["approve", "reject"]
    assert case.available(REVIEWER, D("2026-10-10")) == ["reject"]
    assert case.available(Actor(REVIEWER.user, "approver"), D("2026-10-10")) == ["reject"]


def test_demo_city_inherits_hebei_procedure(demo_city, hebei):
    assert Workflow.for_tenant(demo_city).procedure is Workflow.for_tenant(hebei).procedure


def test_the_national_level_keeps_no_case_files(registry):
    with pytest.raises(BangfuError) as info:
        Workflow.for_tenant(registry.get("national"))
    assert info.value.code == no_procedure("national").code


# --------------------------------------------------------------------------- Gansu
def gansu_to_approved(gansu, household=NO_HOUSING) -> SimulatedCase:
    """A Gansu file rated and approved: the household in hardship (housing not secured:
    rating refuses a household whose 两有五保障 are all secured)."""
    case = SimulatedCase.open(gansu, household, CASEWORKER, D("2026-06-01"))
    case.take("visit", CASEWORKER, D("2026-06-02"))
    case.take("inspect", CASEWORKER, D("2026-06-03"))
    case.take("assess", CASEWORKER, D("2026-06-04"))
    case.take("discuss", REVIEWER, D("2026-06-05"), "集体研究同意")
    case.take("rate", REVIEWER, D("2026-06-08"))
    case.take("publish", REVIEWER, D("2026-06-09"))
    case.take("approve", APPROVER, D("2026-06-16"))
    return case


def test_gansu_seven_steps_then_signature_then_file(gansu):
    case = gansu_to_approved(gansu)
    case.take("sign", CHAIRMAN, D("2026-06-17"))
    assert case.status == "approved"  # the signature is recorded, the status stays
    case.take("file", APPROVER, D("2026-06-18"))
    assert case.status == "filed"


def test_g2_filing_without_the_chairmans_signature_is_refused(gansu):
    case = gansu_to_approved(gansu)
    before = case.state
    error = refused(RULE_VIOLATION, case.take, "file", APPROVER, D("2026-06-18"))
    assert "工会主席不签字不建档" in error.zh
    assert "chairman" in error.en and error.details["missing"] == ["sign"]
    assert case.state == before


def test_only_the_chairman_signs(gansu):
    case = gansu_to_approved(gansu)
    refused(FORBIDDEN, case.take, "sign", APPROVER, D("2026-06-17"))


def test_g3_exit_refused_while_housing_is_not_secured(gansu):
    case = gansu_to_approved(gansu, NO_HOUSING)
    case.take("sign", CHAIRMAN, D("2026-06-17"))
    case.take("file", APPROVER, D("2026-06-18"))
    error = refused(RULE_VIOLATION, case.take, "exit", APPROVER, D("2026-09-01"))
    assert error.details["unmet"] == ["housing"]
    assert case.status == "filed"
    case.take("update_facts", CASEWORKER, D("2026-09-02"), household=RESTRUCTURED)
    case.take("exit", APPROVER, D("2026-09-03"))
    assert case.status == "exited"


def test_follow_up_checks_after_exit_and_reentry_when_fallen_back(gansu):
    case = gansu_to_approved(gansu)
    case.take("sign", CHAIRMAN, D("2026-06-17"))
    case.take("file", APPROVER, D("2026-06-18"))
    case.take("update_facts", CASEWORKER, D("2026-06-30"), household=RESTRUCTURED)  # housed
    case.take("exit", APPROVER, D("2026-07-01"))
    [follow_up] = case.deadlines()
    assert follow_up.step == "follow_up" and follow_up.counted_from == "exit"
    case.take("follow_up", CASEWORKER, D("2026-09-01"))
    [again] = case.deadlines()
    assert again.counted_from == "follow_up" and again.due > follow_up.due
    refused(RULE_VIOLATION, case.take, "reenter", CASEWORKER, D("2026-09-02"), "返困")
    case.take("reenter", CASEWORKER, D("2026-09-02"), "失去住房", household=NO_HOUSING)
    assert case.status == "registered"
    # a new round: filing needs the whole survey again, the old signature does not count
    assert case.available(CASEWORKER, D("2026-09-03")) == ["visit", "update_facts"]


def test_gansu_file_guard_counts_only_the_current_round(gansu):
    case = gansu_to_approved(gansu)
    case.take("sign", CHAIRMAN, D("2026-06-17"))
    case.take("file", APPROVER, D("2026-06-18"))
    case.take("update_facts", CASEWORKER, D("2026-06-30"), household=RESTRUCTURED)  # housed
    case.take("exit", APPROVER, D("2026-07-01"))
    case.take("reenter", CASEWORKER, D("2026-09-02"), "失去住房", household=NO_HOUSING)
    for step, actor, day in [
        ("visit", CASEWORKER, "2026-09-03"),
        ("inspect", CASEWORKER, "2026-09-04"),
        ("assess", CASEWORKER, "2026-09-07"),
        ("discuss", REVIEWER, "2026-09-08"),
        ("rate", REVIEWER, "2026-09-09"),
        ("publish", REVIEWER, "2026-09-10"),
        ("approve", APPROVER, "2026-09-17"),
    ]:
        case.take(step, actor, D(day), "ok")
    error = refused(RULE_VIOLATION, case.take, "file", APPROVER, D("2026-09-18"))
    assert error.details["missing"] == ["sign"]
