"""Hebei's ground (g), "其他原因造成生活特别困难" (003 一.1(g)), through the case service,
the annual review and the funds desk, on SQLite and PostgreSQL (issue 18, part 2).

A reviewer chooses (g) on purpose, with a written reason (its own step; a comment on the
ordinary review admits nobody). The file then carries the ground: its determinations, the
living relief of 五.9 (对每个特困职工), a payment proposal, the April review, and an exit
that needs a reason, until a person removes the ground with a reason.
"""

from __future__ import annotations

import pytest

from core.cases.service import CaseService
from core.errors import RULE_VIOLATION, BangfuError
from core.funds.service import FundsService
from core.review import decisions_of, run_review
from tests.casefile_samples import D, staff

#: 900 a month alone: below 1.5 times Hebei's line (9,480 a year), above the line itself,
#: and none of criteria a-f (nobody ill, employed, no 低保)
LONE_CARER = {
    "members": [
        {"name": "冯英", "relation": "APPLICANT", "age": 58, "monthlyIncome": "900",
         "employment": "EMPLOYED", "ableToWork": True},
    ]
}  # fmt: skip
#: a couple earning 50,000 a month
RICH = {
    "members": [
        {"name": "郑伟", "relation": "APPLICANT", "age": 40, "monthlyIncome": "25000",
         "employment": "EMPLOYED", "ableToWork": True},
        {"name": "郑丽", "relation": "SPOUSE", "age": 40, "monthlyIncome": "25000",
         "employment": "EMPLOYED", "ableToWork": True},
    ]
}  # fmt: skip
REASON = "独自赡养瘫痪老人,无力维持生活"


class Clock:
    def __init__(self) -> None:
        self.day = D("2026-06-01")

    def __call__(self):
        return self.day


@pytest.fixture
def desk(session, registry):
    clock = Clock()
    return (
        CaseService(session, registry, today=clock),
        FundsService(session, registry, clock),
        clock,
    )


def walk(cases: CaseService, clock: Clock, household, *steps):
    clock.day = D("2026-06-01")
    case = cases.open_case(staff("hebei", "caseworker"), "hebei", household)
    for action, role, day, comment in steps:
        clock.day = D(day)
        case = cases.transition(
            staff("hebei", role), case.id, action, case.version, comment=comment
        )
    return case


ON_G = (
    ("review_other_ground", "reviewer", "2026-06-02", REASON),
    ("publish", "reviewer", "2026-06-03", None),
    ("approve", "approver", "2026-06-12", None),
    ("file", "approver", "2026-06-15", None),
)


def refused(fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == RULE_VIOLATION
    return info.value


def test_a_comment_on_the_review_admits_nobody(desk):
    cases, _, clock = desk
    case = walk(cases, clock, RICH)
    clock.day = D("2026-06-02")
    reviewer = staff("hebei", "reviewer")
    error = refused(cases.transition, reviewer, case.id, "review", case.version, comment=REASON)
    assert error.details["guard"] == "household_eligible" and "review_other_ground" in error.en
    # the deliberate step does not admit a couple on 50,000 a month either
    error = refused(
        cases.transition, reviewer, case.id, "review_other_ground", case.version, comment=REASON
    )
    assert error.details["guard"] == "household_eligible"
    assert cases.get_case(reviewer, case.id).status == "applied"


def test_a_file_on_ground_g_keeps_its_relief_through_filing_payment_and_review(desk, session):
    cases, funds, clock = desk
    case = walk(cases, clock, LONE_CARER, *ON_G)
    assert case.status == "filed"
    assert case.evaluation.eligible and case.evaluation.category == "tekun"
    assert [r.code for r in case.evaluation.reasons] == ["g"]
    relief = case.evaluation.entitlement("living_relief")
    assert relief is not None and str(relief.amount) == "790.00"
    last = case.history[-1].determination
    assert ("living_relief", "790.00") in [tuple(e) for e in last["outcome"]["entitlements"]]
    assert last["outcome"]["reasons"] == ["g"]
    # the funds desk proposes the living relief on the determination in force
    payment = funds.propose(
        staff("hebei", "caseworker"), case.id, "living_relief", "2026", "government"
    )
    assert payment.amount_fen == 79_000
    # the April review keeps the file: no exit proposed, entitlements unchanged
    result = run_review(session, cases.registry, "hebei", D("2027-04-30"))
    [decision] = decisions_of(session, result.run_id)
    assert decision.eligible and not decision.propose_exit and not decision.entitlements_changed
    # an exit still needs a reason
    clock.day = D("2027-04-20")
    approver = staff("hebei", "approver")
    error = refused(cases.transition, approver, case.id, "exit", case.version)
    assert error.details["guard"] == "out_of_hardship_or_reason"


def test_removing_ground_g_needs_a_reason_and_ends_its_relief(desk, session):
    cases, _, clock = desk
    case = walk(cases, clock, LONE_CARER, *ON_G)
    clock.day = D("2027-04-20")
    approver = staff("hebei", "approver")
    with pytest.raises(BangfuError) as info:
        cases.transition(approver, case.id, "remove_other_ground", case.version)
    assert info.value.details.get("guard") == "comment_required"
    case = cases.transition(
        approver, case.id, "remove_other_ground", case.version, comment="老人已入住养老机构"
    )
    assert case.status == "filed" and not case.evaluation.eligible
    assert case.evaluation.entitlement("living_relief") is None
    result = run_review(session, cases.registry, "hebei", D("2027-04-30"))
    [decision] = decisions_of(session, result.run_id)
    assert decision.propose_exit
    exited = cases.transition(approver, case.id, "exit", case.version)  # out of hardship
    assert exited.status == "exited"
