"""Every guard of the library, refusing and allowing; and every tenant's guards come from it.

``TESTED`` lists the guard kinds tested here; a guard added to the library without a test
here fails :func:`test_every_library_guard_is_tested`.
"""

from __future__ import annotations

import pytest

from core.calendar import default_calendar
from core.errors import FORBIDDEN, RULE_VIOLATION
from core.evaluation import evaluate
from core.model import parse_household
from core.workflow import guards
from core.workflow.conformance import guard_kinds
from core.workflow.engine import Workflow
from core.workflow.state import Actor, CaseState, FileRecords, Step, StepContext
from tests.casefile_samples import (
    COMFORTABLE,
    DIBAO_TOPUP,
    ILL,
    NO_HOUSING,
    RESTRUCTURED,
    D,
)

APPROVER = Actor("approver", "approver")
TESTED = {
    "requires_prior_action",
    "notice_period_elapsed",
    "checklist_all_met",
    "checklist_not_all_met",
    "household_eligible",
    "ground_recorded",
    "quota_not_exceeded",
    "four_eyes",
    "comment_required",
    "urgent_case",
    "out_of_hardship_or_reason",
    "fallen_back",
    "parameter_allows",
    "differences_resolved",
    "evidence_present",
}


def step(action: str, on: str, actor: str = "someone", to: str = "x") -> Step:
    return Step(action, "", to, D(on), actor, "caseworker")


def context(
    tenant,
    action: str,
    history: tuple[Step, ...] = (),
    household=ILL,
    on: str = "2026-10-10",
    comment: str | None = None,
    actor: Actor = APPROVER,
    counter=lambda code: 0,
    urgent: bool = False,
) -> StepContext:
    flow = Workflow.for_tenant(tenant)
    parsed = parse_household(household)
    when = D(on)
    return StepContext(
        tenant=tenant,
        procedure=flow.procedure,
        case=CaseState(tenant.code, "x", urgent, D("2026-09-01"), history),
        action=flow.procedure.action(action),
        actor=actor,
        on=when,
        comment=comment,
        calendar=default_calendar(),
        evaluate=lambda: evaluate(tenant, parsed, when),
        admitted_on_ground=counter,
    )


def test_every_library_guard_is_tested():
    assert set(guards.LIBRARY) == TESTED


@pytest.mark.parametrize("code", ["hebei", "gansu", "demo_city"])
def test_every_tenant_guard_comes_from_the_library(registry, code):
    procedure = Workflow.for_tenant(registry.get(code)).procedure
    assert guard_kinds(procedure) <= set(guards.LIBRARY)
    for _action, guard in procedure.guards():
        assert guard.description and guard.name


# --------------------------------------------------------------------------- guards
def test_requires_prior_action(gansu):
    guard = guards.requires_prior_action("sign", zh="工会主席不签字不建档", en="no signature")
    history = (step("open", "2026-06-01"), step("visit", "2026-06-02"))
    refusal = guard.check(context(gansu, "file", history))
    assert refusal.code == RULE_VIOLATION and refusal.details["missing"] == ["sign"]
    assert "工会主席不签字不建档" in refusal.zh and "工会主席签字" in refusal.zh
    assert guard.check(context(gansu, "file", (*history, step("sign", "2026-06-03")))) is None
    # a re-entry starts a new round: the old signature no longer counts
    later = (*history, step("sign", "2026-06-03"), step("reenter", "2026-09-01"))
    assert guard.check(context(gansu, "file", later)).details["missing"] == ["sign"]


def test_notice_period_elapsed(hebei):
    guard = guards.notice_period_elapsed(5)
    assert "尚未公示" in guard.check(context(hebei, "approve", ())).zh
    published = (step("open", "2026-09-24"), step("publish", "2026-09-28"))
    early = guard.check(context(hebei, "approve", published, on="2026-10-09"))
    assert early.details == {
        "guard": "notice_period_elapsed",
        "publishedOn": "2026-09-28",
        "allowedFrom": "2026-10-10",
        "provisional": False,
        "workingDays": 5,
        "counting": "after_publication_day",
    }
    assert guard.check(context(hebei, "approve", published, on="2026-10-10")) is None


def test_notice_period_into_an_unpublished_year_is_provisional(hebei):
    guard = guards.notice_period_elapsed(5)
    published = (step("open", "2026-12-20"), step("publish", "2026-12-28"))
    early = guard.check(context(hebei, "approve", published, on="2027-01-01"))
    assert early.details["provisional"] is True and "provisional" in early.en


def test_checklist_all_met(gansu, hebei):
    guard = guards.checklist_all_met()
    refusal = guard.check(context(gansu, "exit", household=NO_HOUSING))
    assert refusal.details["unmet"] == ["housing"] and "housing" in refusal.zh
    assert guard.check(context(gansu, "exit", household=RESTRUCTURED)) is None
    assert "no checklist" in guard.check(context(hebei, "exit")).en


def test_checklist_not_all_met(gansu):
    guard = guards.checklist_not_all_met()
    assert guard.check(context(gansu, "reenter", household=NO_HOUSING)) is None
    assert guard.check(context(gansu, "reenter", household=RESTRUCTURED)).code == RULE_VIOLATION


def test_household_eligible(hebei, gansu):
    plain = guards.household_eligible()
    assert plain.check(context(gansu, "rate", household=RESTRUCTURED)) is None
    assert plain.check(context(gansu, "rate", household=COMFORTABLE)).code == RULE_VIOLATION
    with_g = guards.household_eligible("review_other_ground")
    assert "review_other_ground" in with_g.check(context(hebei, "review", household=COMFORTABLE)).en
    # a comment admits nobody (issue 18: any comment admitted a couple on 50,000 a month)
    ctx = context(hebei, "review", household=COMFORTABLE, comment="房屋拆迁,无处居住")
    assert with_g.check(ctx).code == RULE_VIOLATION and not ctx.notes


def test_quota_not_exceeded(hebei):
    guard = guards.quota_not_exceeded("f", "tekun.dibao_quota_share", "dibao.recipients_total")
    cap = 380_000 * 5 // 100  # the illustrative Hebei figures: 5% of 380,000 recipients
    assert (
        guard.check(context(hebei, "approve", household=DIBAO_TOPUP, counter=lambda c: cap - 1))
        is None
    )
    ctx = context(hebei, "approve", household=DIBAO_TOPUP, counter=lambda c: cap)
    refusal = guard.check(ctx)
    assert refusal.details == {"guard": "quota_not_exceeded", "admitted": cap, "cap": cap}
    assert {p.name for p in ctx.parameters_read()} == {
        "tekun.dibao_quota_share",
        "dibao.recipients_total",
    }
    # a household that also meets another ground does not use the quota
    both = {**DIBAO_TOPUP, "disasterLoss": True}
    assert guard.check(context(hebei, "approve", household=both, counter=lambda c: cap)) is None


def test_four_eyes(hebei):
    guard = guards.four_eyes("open", "review")
    history = (step("open", "2026-09-24", "wang"), step("review", "2026-09-25", "li"))
    refusal = guard.check(context(hebei, "approve", history, actor=Actor("li", "approver")))
    assert refusal.code == FORBIDDEN and refusal.details["steps"] == ["review"]
    assert guard.check(context(hebei, "approve", history, actor=Actor("zhao", "approver"))) is None


def test_comment_required(hebei):
    guard = guards.comment_required()
    assert guard.needs_input
    assert guard.check(context(hebei, "reject", comment="  ")).code == RULE_VIOLATION
    assert guard.check(context(hebei, "reject", comment="收入超标")) is None


def test_urgent_case(hebei):
    guard = guards.urgent_case()
    assert guard.check(context(hebei, "emergency_relief")).code == RULE_VIOLATION
    assert guard.check(context(hebei, "emergency_relief", urgent=True)) is None


def test_a_guard_that_fails_inside_becomes_a_refusal_not_a_crash(hebei):
    from core.workflow.engine import Workflow as Engine
    from core.workflow.procedure import Guard

    def broken(ctx):
        raise ZeroDivisionError

    flow = Engine.for_tenant(hebei)
    refusal = flow._run_guard(Guard("broken", "broken", "always fails", broken), None)
    assert refusal.code == "PLUGIN_ERROR"


def test_notice_period_reads_its_days_and_counting_from_parameters(hebei):
    guard = guards.notice_period_elapsed(
        "procedure.notice_min_working_days", counting="procedure.notice_counting"
    )
    assert guard.parameters == ("procedure.notice_min_working_days", "procedure.notice_counting")
    published = (step("open", "2026-09-24"), step("publish", "2026-09-28"))
    ctx = context(hebei, "approve", published, on="2026-10-09")
    assert guard.check(ctx).details["allowedFrom"] == "2026-10-10"
    assert {p.name for p in ctx.parameters_read()} == {
        "procedure.notice_min_working_days",
        "procedure.notice_counting",
    }


def test_out_of_hardship_or_reason(hebei):
    guard = guards.out_of_hardship_or_reason()
    refusal = guard.check(context(hebei, "exit", household=ILL))
    assert refusal.code == RULE_VIOLATION and "尚未解困" in refusal.zh
    ctx = context(hebei, "exit", household=ILL, comment="已由民政部门纳入特困供养")
    assert guard.check(ctx) is None and ctx.notes == {"exit_ground": "written_reason"}
    ctx = context(hebei, "exit", household=COMFORTABLE)
    assert guard.check(ctx) is None and ctx.notes == {"exit_ground": "out_of_hardship"}


def test_fallen_back(gansu):
    guard = guards.fallen_back("follow_up.help_again_trigger")
    assert guard.check(context(gansu, "reenter", household=NO_HOUSING)) is None
    refusal = guard.check(context(gansu, "reenter", household=RESTRUCTURED, comment="有风险"))
    assert refusal.code == RULE_VIOLATION and refusal.details["trigger"] == "fallen_back"


def test_parameter_allows(gansu):
    guard = guards.parameter_allows("targets.handover_open", zh="政府兜底", en="hand-over")
    refusal = guard.check(context(gansu, "hand_over", on="2019-06-01"))
    assert (
        refusal.code == RULE_VIOLATION and refusal.details["parameter"] == "targets.handover_open"
    )
    assert "2019-06-01" in refusal.zh
    assert guard.check(context(gansu, "hand_over", on="2020-01-02")) is None


def with_records(ctx: StepContext, differences=(), kinds=()) -> StepContext:
    ctx.records = FileRecords(lambda: list(differences), lambda: list(kinds))
    return ctx


def test_differences_resolved(hebei):
    guard = guards.differences_resolved(basis="002")
    # Hebei blocks on dibao_status, dibao_subsidy, wage (verification.blocking_differences)
    refusal = guard.check(with_records(context(hebei, "approve"), ["wage", "pension_insurance"]))
    assert refusal.code == RULE_VIOLATION
    assert refusal.details["differences"] == ["wage"]  # pension insurance does not block
    assert "数据比对" in refusal.zh
    assert guard.check(with_records(context(hebei, "approve"), ["pension_insurance"])) is None
    assert guard.check(context(hebei, "approve")) is None  # nothing waits
    assert guard.parameters == ("verification.blocking_differences",)


def test_evidence_present(hebei, gansu):
    guard = guards.evidence_present("evidence.before_approval")
    # Hebei: a file entitled to medical relief holds the bills first (from 2026-12-01)
    on = "2026-12-10"
    refusal = guard.check(with_records(context(hebei, "approve", household=ILL, on=on), []))
    assert refusal.code == RULE_VIOLATION and refusal.details["missing"] == ["medical_bill"]
    assert "003 二.10" in refusal.zh
    held = with_records(context(hebei, "approve", household=ILL, on=on), kinds=["medical_bill"])
    assert guard.check(held) is None
    # before the documents were kept in Bangfu; no medical relief; Gansu (national "none")
    assert guard.check(context(hebei, "approve", household=ILL, on="2026-11-20")) is None
    assert guard.check(context(hebei, "approve", household=DIBAO_TOPUP, on=on)) is None
    assert guard.check(context(gansu, "approve", household=ILL, on=on)) is None


def test_a_step_that_records_a_ground_needs_the_written_reason():
    from core.workflow.procedure import Action, ProcedureError

    with pytest.raises(ProcedureError):
        Action("choose", "认定", "choose", ("applied",), "reviewed", records_ground="g")
    step = Action(
        "choose", "认定", "choose", ("applied",), "reviewed", requires_comment=True,
        records_ground="g",
    )  # fmt: skip
    assert step.grounds_after("") == "g" and step.grounds_after("f,g") == "f,g"
    restart = Action("again", "重新", "again", ("exited",), "applied", starts_round=True)
    assert restart.grounds_after("g") == ""


def test_ground_recorded(hebei):
    from dataclasses import replace

    guard = guards.ground_recorded()
    ctx = context(hebei, "remove_other_ground")
    assert guard.check(ctx).details["guard"] == "ground_recorded"
    ctx = context(hebei, "remove_other_ground")
    ctx.case = replace(ctx.case, recorded_grounds="g")
    assert guard.check(ctx) is None


def test_ground_g_is_not_chosen_for_a_household_another_criterion_admits(hebei):
    """ILL meets criterion a: the reviewer admits it on a, not on g."""
    guard = guards.household_eligible("review_other_ground")
    refusal = guard.check(context(hebei, "review_other_ground", household=ILL, comment="x"))
    assert refusal.code == RULE_VIOLATION and "a" in refusal.details["met"]
