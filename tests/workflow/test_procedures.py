"""The conformance kit on procedures: every tenant's workflow is sound, and the kit finds
the faults it is there to find."""

from __future__ import annotations

from datetime import date

import pytest

from core.workflow.conformance import check_procedure, reachable_statuses
from core.workflow.engine import Workflow
from core.workflow.procedure import (
    Action,
    DeadlineRule,
    Guard,
    Procedure,
    ProcedureError,
    ReviewSchedule,
    Status,
)

TENANTS_WITH_FILES = ["hebei", "gansu", "demo_city"]


@pytest.mark.parametrize("code", TENANTS_WITH_FILES)
def test_every_tenant_workflow_conforms(registry, code):
    procedure = Workflow.for_tenant(registry.get(code)).procedure
    assert check_procedure(procedure) == []
    assert reachable_statuses(procedure) == {s.code for s in procedure.statuses}


def test_contract_statuses_and_actions(registry):
    hebei = Workflow.for_tenant(registry.get("hebei")).procedure
    assert {s.code for s in hebei.statuses} == {
        "applied",
        "reviewed",
        "in_public_notice",
        "approved",
        "filed",
        "rejected",
        "exited",
    }
    contract = {
        "review",
        "publish",
        "approve",
        "file",
        "reject",
        "emergency_relief",
        "exit",
        "reenter",
    }
    assert contract <= {a.name for a in hebei.actions}
    gansu = Workflow.for_tenant(registry.get("gansu")).procedure
    contract = {
        "visit",
        "inspect",
        "assess",
        "discuss",
        "rate",
        "publish",
        "approve",
        "sign",
        "file",
        "exit",
        "reenter",
    }
    assert contract <= {a.name for a in gansu.actions}


def test_describe_lists_everything_for_the_plugin_guide(registry):
    data = Workflow.for_tenant(registry.get("hebei")).procedure.describe()
    approve = next(a for a in data["actions"] if a["name"] == "approve")
    assert approve["fourEyes"] == ["open", "review", "review_other_ground"]
    assert (
        approve["guards"][0]["name"] == "notice_period_elapsed(procedure.notice_min_working_days)"
    )
    assert {d["step"] for d in data["deadlines"]} == {"review", "approve"}


def _procedure(**changes) -> Procedure:
    fields = {
        "name": "t",
        "zh": "测试",
        "en": "test",
        "basis": "",
        "statuses": (Status("a", "甲", "a"), Status("b", "乙", "b", final=True)),
        "opening": Action.opening("a", roles={"caseworker"}),
        "actions": (Action("go", "走", "go", ("a",), "b", roles={"approver"}),),
    }
    return Procedure(**(fields | changes))


def test_a_sound_minimal_procedure():
    assert check_procedure(_procedure()) == []


def test_the_kit_finds_dead_ends_and_unreachable_statuses():
    statuses = (
        Status("a", "甲", "a"),
        Status("b", "乙", "b"),
        Status("island", "岛", "island", final=True),
    )
    problems = check_procedure(_procedure(statuses=statuses))
    assert any("'b' is a dead end" in p for p in problems)
    assert any("'island' cannot be reached" in p for p in problems)


def test_the_kit_finds_a_trap_and_a_final_status_left_by_an_action():
    statuses = (Status("a", "甲", "a"), Status("b", "乙", "b"), Status("c", "丙", "c", final=True))
    actions = (
        Action("go", "走", "go", ("a",), "b", roles={"approver"}),
        Action("back", "回", "back", ("b",), "a", roles={"approver"}),
        Action("leave", "离", "leave", ("c",), "a", roles={"approver"}),
    )
    problems = check_procedure(_procedure(statuses=statuses, actions=actions))
    assert any("can never be closed" in p for p in problems)
    assert any("declared final but leave" in p for p in problems)


def test_the_kit_refuses_guards_from_outside_the_library():
    home_made = Guard("mine", "mine", "a home-made check", lambda ctx: None)
    actions = (Action("go", "走", "go", ("a",), "b", roles={"approver"}, guards=(home_made,)),)
    assert any(
        "not from the core library" in p for p in check_procedure(_procedure(actions=actions))
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"actions": (Action("go", "走", "go", ("zz",), "b", roles={"approver"}),)},
            "unknown status 'zz'",
        ),
        (
            {"actions": (Action("go", "走", "go", ("a",), "b", roles={"boss"}),)},
            "unknown role 'boss'",
        ),
        ({"actions": (Action("go", "走", "go", ("a",), "b"),)}, "names no role"),
        (
            {
                "actions": (
                    Action("go", "走", "go", ("a",), "b", roles={"approver"}, four_eyes=("x",)),
                )
            },
            "four eyes",
        ),
        ({"deadlines": (DeadlineRule("nope", ("open",), 3, "z", "e"),)}, "unknown step 'nope'"),
        ({"actions": (Action("open", "开", "open", ("a",), "b", roles={"approver"}),)}, "twice"),
        ({"admitted": ("zz",)}, "unknown status 'zz'"),
    ],
)
def test_unenforceable_procedures_are_refused_when_built(changes, problem):
    with pytest.raises(ProcedureError, match=problem):
        _procedure(**changes)


def test_review_schedules(registry):
    hebei = registry.get("hebei").hook.bangfu_review_schedule()
    assert hebei.next_due(date(2026, 4, 30)) == date(2026, 4, 30)
    assert hebei.next_due(date(2026, 5, 1)) == date(2027, 4, 30)
    assert hebei.period(date(2026, 3, 1)) == "2026"
    gansu = registry.get("gansu").hook.bangfu_review_schedule()
    assert gansu.next_due(date(2026, 5, 10)) == date(2026, 6, 30)
    assert gansu.period(date(2026, 12, 31)) == "2026-12-31"
    assert registry.get("demo_city").hook.bangfu_review_schedule() == hebei
    with pytest.raises(ProcedureError):
        ReviewSchedule(due=((2, 30),), zh="", en="")


@pytest.mark.parametrize("code", ["national", *TENANTS_WITH_FILES])
def test_the_kit_checks_every_tenant_workflow(registry, code):
    from core.workflow.conformance import check_tenant_workflow

    assert check_tenant_workflow(registry.get(code)) == []


# --------------------------------------------------------------------------- whose turn
def test_the_next_step_is_the_forward_one_never_a_refusal_or_a_side_step(registry):
    """Hebei: each open status waits for the step that moves it on (an applied file for
    the review, not the refusal nor the emergency relief); a filed file waits for nobody
    (only its periodic review), nor does a closed one."""
    hebei = Workflow.for_tenant(registry.get("hebei")).procedure
    turns = {s.code: getattr(hebei.next_step(s.code), "name", None) for s in hebei.statuses}
    assert turns == {
        "applied": "review",
        "reviewed": "publish",
        "in_public_notice": "approve",
        "approved": "file",
        "filed": None,
        "rejected": None,
        "exited": None,
    }


def test_a_step_needed_first_comes_first(registry):
    """Gansu: an approved file waits for the chairman's signature (工会主席不签字不建档),
    then for the filing."""
    gansu = Workflow.for_tenant(registry.get("gansu")).procedure
    assert gansu.next_step("approved").name == "sign"
    assert gansu.next_step("approved").roles == {"chairman"}
    assert gansu.next_step("approved", taken={"sign"}).name == "file"
    assert gansu.next_step("registered").name == "visit"
    assert gansu.next_step("not_admitted") is None
