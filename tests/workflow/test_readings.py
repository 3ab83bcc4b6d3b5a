"""The procedures' day counts and readings of the text are dated, cited parameters: a child
tenant (or a what-if) that switches one changes the behaviour, and nothing else.

Each test walks a file of a child tenant whose only difference from its parent is one
parameter file (``overrides: true``), next to the parent itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import plugins.national
import tenants.gansu
import tenants.hebei
from core.errors import RULE_VIOLATION, BangfuError
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from core.workflow.engine import Workflow
from core.workflow.simulation import SimulatedCase
from tests.casefile_samples import (
    APPROVER,
    CASEWORKER,
    CHAIRMAN,
    COMFORTABLE,
    DIBAO_TOPUP,
    ILL,
    NO_HOUSING,
    RESTRUCTURED,
    REVIEWER,
    D,
)

BUNDLED = [("national", plugins.national), ("hebei", tenants.hebei), ("gansu", tenants.gansu)]


def reading_file(kind: str, value: object, source: str = "what-if: the other reading") -> str:
    return (
        f"description: a switched reading\ntype: {kind}\nunit: x\noverrides: true\n"
        f'values:\n  2006-01-01:\n    value: {value}\n    source: "{source}"\n'
    )


def child_registry(tmp_path: Path, parent: str, files: dict[str, str]):
    """The bundled tenants and a child ``whatif`` of ``parent`` with these parameter files."""
    folder = tmp_path / "parameters"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    class WhatIf:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("whatif", "解读试点", TenantLevel.CITY, parent)

        @hookimpl
        def bangfu_parameter_folder(self):
            return folder

    registry = load_registry(plugins=[*BUNDLED, ("whatif", WhatIf())], use_entry_points=False)
    assert not registry.problems, registry.problems
    return registry


def refused(fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == RULE_VIOLATION, info.value
    assert info.value.zh and info.value.en
    return info.value


def to_notice(tenant, household=ILL, published: str = "2026-09-28", **kw) -> SimulatedCase:
    case = SimulatedCase.open(tenant, household, CASEWORKER, D("2026-09-24"), **kw)
    case.take("review", REVIEWER, D("2026-09-25"))
    case.take("publish", REVIEWER, D(published))
    return case


# --------------------------------------------------------------------------- day counts
def test_every_hebei_day_count_is_a_cited_parameter(registry):
    procedure = Workflow.for_tenant(registry.get("hebei")).procedure
    names = set(procedure.parameter_names())
    assert {
        "procedure.review_working_days",
        "procedure.urgent_review_working_days",
        "procedure.notice_min_working_days",
        "procedure.notice_counting",
        "procedure.county_review_working_days",
        "procedure.county_review_starts",
        "procedure.report_due_working_days",
        "tekun.quota_enforcement",
        "tekun.quota_base",
    } <= names
    params = registry.get("hebei").parameters(D("2026-10-01"))
    figures = {n: params.get(n) for n in names}
    assert figures["procedure.review_working_days"].value == 3
    assert figures["procedure.notice_min_working_days"].value == 5
    assert figures["procedure.county_review_working_days"].value == 7
    assert figures["procedure.report_due_working_days"].value == 7
    for p in figures.values():
        assert "003" in p.source, p  # cited, clause by clause


def test_gansu_follow_up_and_notice_minimum_are_illustrative_parameters(registry):
    procedure = Workflow.for_tenant(registry.get("gansu")).procedure
    names = set(procedure.parameter_names())
    assert {
        "procedure.follow_up_working_days",
        "procedure.notice_min_working_days",
        "follow_up.help_again_trigger",
    } <= names
    params = registry.get("gansu").parameters(D("2026-10-01"))
    assert params.get("procedure.follow_up_working_days").source.startswith("illustrative")
    assert params.get("procedure.notice_min_working_days").source.startswith("illustrative")


def test_review_days_come_from_the_parameter(tmp_path):
    registry = child_registry(
        tmp_path, "hebei", {"procedure/review_working_days.yaml": reading_file("integer", 10)}
    )
    plain = SimulatedCase.open(registry.get("hebei"), ILL, CASEWORKER, D("2026-06-01"))
    longer = SimulatedCase.open(registry.get("whatif"), ILL, CASEWORKER, D("2026-06-01"))
    assert plain.deadlines()[0].due == D("2026-06-04")
    assert longer.deadlines()[0].due == D("2026-06-15")  # 10 working days
    assert longer.deadlines()[0].working_days == 10


def test_the_day_count_in_force_on_the_opening_date_applies(tmp_path):
    dated = (
        "description: review days, changed in 2026\ntype: integer\nunit: working days\n"
        'overrides: true\nvalues:\n  2006-01-01:\n    value: 3\n    source: "003 二.2"\n'
        '  2026-07-01:\n    value: 5\n    source: "what-if: a new rule from July"\n'
    )
    registry = child_registry(tmp_path, "hebei", {"procedure/review_working_days.yaml": dated})
    whatif = registry.get("whatif")
    june = SimulatedCase.open(whatif, ILL, CASEWORKER, D("2026-06-01"))
    july = SimulatedCase.open(whatif, ILL, CASEWORKER, D("2026-07-01"))
    assert june.deadlines()[0].working_days == 3
    assert july.deadlines()[0].working_days == 5


def test_gansu_follow_up_interval_is_the_parameter(tmp_path):
    registry = child_registry(
        tmp_path, "gansu", {"procedure/follow_up_working_days.yaml": reading_file("integer", 20)}
    )
    dues = {}
    for code in ("gansu", "whatif"):
        case = gansu_filed(registry.get(code))
        case.take("exit", APPROVER, D("2026-07-01"))
        [follow_up] = case.deadlines()
        dues[code] = follow_up
    assert dues["gansu"].working_days == 60 and dues["whatif"].working_days == 20
    assert dues["whatif"].due < dues["gansu"].due


# --------------------------------------------------------------------------- notice readings
def test_notice_counting_reading_switches_the_first_day_of_approval(tmp_path):
    registry = child_registry(
        tmp_path,
        "hebei",
        {"procedure/notice_counting.yaml": reading_file("text", "publication_day_counts")},
    )
    # RULES.md H8: published Mon 28 Sep 2026; Hebei's reading allows approval on 10 Oct
    hebei = to_notice(registry.get("hebei"))
    refused(hebei.take, "approve", APPROVER, D("2026-10-09"))
    # the publication day counts: one working day earlier, Fri 9 Oct
    whatif = to_notice(registry.get("whatif"))
    error = refused(whatif.take, "approve", APPROVER, D("2026-10-08"))
    assert error.details["allowedFrom"] == "2026-10-09"
    assert error.details["counting"] == "publication_day_counts"
    assert "公示当日计入" in error.zh
    whatif.take("approve", APPROVER, D("2026-10-09"))
    assert whatif.status == "approved"


def test_the_notice_minimum_is_a_parameter(tmp_path):
    registry = child_registry(
        tmp_path, "hebei", {"procedure/notice_min_working_days.yaml": reading_file("integer", 2)}
    )
    whatif = to_notice(registry.get("whatif"))
    whatif.take("approve", APPROVER, D("2026-09-30"))  # 2 working days after Mon 28 Sep
    assert whatif.status == "approved"


def test_county_days_start_after_the_notice_or_at_publication(tmp_path):
    registry = child_registry(
        tmp_path,
        "hebei",
        {"procedure/county_review_starts.yaml": reading_file("text", "publication")},
    )
    # notice_end (Hebei's reading): 5 working days of notice to 10 Oct, then 7: 20 Oct
    [after_notice] = to_notice(registry.get("hebei")).deadlines()
    assert after_notice.due == D("2026-10-20")
    # publication: 7 working days from Mon 28 Sep: 29, 30 Sep, 8, 9, 10, 12, 13 Oct
    [from_publication] = to_notice(registry.get("whatif")).deadlines()
    assert from_publication.due == D("2026-10-13")


def test_an_unknown_reading_is_refused_naming_the_parameter_and_the_choices(tmp_path):
    registry = child_registry(
        tmp_path, "hebei", {"procedure/notice_counting.yaml": reading_file("text", "lunar")}
    )
    case = to_notice(registry.get("whatif"))
    error = refused(case.take, "approve", APPROVER, D("2026-10-20"))
    assert "procedure.notice_counting" in error.en and "after_publication_day" in error.en
    assert case.status == "in_public_notice"


def test_gansu_notice_minimum_switches(tmp_path):
    registry = child_registry(
        tmp_path, "gansu", {"procedure/notice_min_working_days.yaml": reading_file("integer", 0)}
    )
    gansu = gansu_to_notice(registry.get("gansu"))  # published Tue 9 Jun 2026
    error = refused(gansu.take, "approve", APPROVER, D("2026-06-15"))
    assert error.details["allowedFrom"] == "2026-06-16"  # illustrative 5 working days
    whatif = gansu_to_notice(registry.get("whatif"))
    whatif.take("approve", APPROVER, D("2026-06-09"))  # no minimum: the same day
    assert whatif.status == "approved"


# --------------------------------------------------------------------------- quota readings
def full_quota(code: str, sole: bool = True) -> int:
    return 380_000 * 5 // 100  # Hebei's illustrative figures: the cap, reached


def test_quota_refuses_or_warns_by_the_reading(tmp_path):
    registry = child_registry(
        tmp_path, "hebei", {"tekun/quota_enforcement.yaml": reading_file("text", "warn")}
    )
    hebei = to_notice(registry.get("hebei"), DIBAO_TOPUP, admitted_on_ground=full_quota)
    error = refused(hebei.take, "approve", APPROVER, D("2026-10-12"))
    assert error.details["guard"] == "quota_not_exceeded"
    whatif = to_notice(registry.get("whatif"), DIBAO_TOPUP, admitted_on_ground=full_quota)
    decision = whatif.take("approve", APPROVER, D("2026-10-12"))
    assert whatif.status == "approved"
    assert "原则上" in decision.notes["quota_warning"]
    assert "tekun.quota_enforcement" in {p.name for p in decision.guard_parameters}


def test_quota_base_counts_sole_or_any_ground(tmp_path):
    registry = child_registry(
        tmp_path, "hebei", {"tekun/quota_base.yaml": reading_file("text", "any_ground")}
    )
    asked: list[tuple[str, bool]] = []

    def counter(code: str, sole: bool = True) -> int:
        asked.append((code, sole))
        return 380_000 * 5 // 100 if not sole else 0

    both = {**DIBAO_TOPUP, "disasterLoss": True}  # (f) and (e)
    hebei = to_notice(registry.get("hebei"), both, admitted_on_ground=counter)
    hebei.take("approve", APPROVER, D("2026-10-12"))  # sole ground: (e) admits it, no quota
    whatif = to_notice(registry.get("whatif"), both, admitted_on_ground=counter)
    error = refused(whatif.take, "approve", APPROVER, D("2026-10-12"))
    assert error.details["guard"] == "quota_not_exceeded"
    assert ("f", False) in asked


# --------------------------------------------------------------------------- Hebei exit
def hebei_filed(tenant, household=ILL) -> SimulatedCase:
    case = to_notice(tenant, household)
    case.take("approve", APPROVER, D("2026-10-12"))
    case.take("file", APPROVER, D("2026-10-13"))
    return case


def test_hebei_exit_needs_the_household_out_of_hardship_or_a_written_reason(registry):
    hebei = registry.get("hebei")
    case = hebei_filed(hebei)
    before = case.state
    error = refused(case.take, "exit", APPROVER, D("2026-12-01"))
    assert error.details["guard"] == "out_of_hardship_or_reason"
    assert "尚未解困" in error.zh and "not out of hardship" in error.en
    assert case.state == before  # nothing changed
    decision = case.take("exit", APPROVER, D("2026-12-01"), "经县级工会研究,生活已稳定")
    assert case.status == "exited" and decision.notes["exit_ground"] == "written_reason"


def test_hebei_exit_of_a_household_out_of_hardship_needs_no_reason(registry):
    case = hebei_filed(registry.get("hebei"))
    case.take("update_facts", CASEWORKER, D("2026-11-30"), household=COMFORTABLE)
    decision = case.take("exit", APPROVER, D("2026-12-01"))
    assert case.status == "exited" and decision.notes["exit_ground"] == "out_of_hardship"


# --------------------------------------------------------------------------- 回头帮
def gansu_to_notice(tenant, household=NO_HOUSING) -> SimulatedCase:
    case = SimulatedCase.open(tenant, household, CASEWORKER, D("2026-06-01"))
    case.take("visit", CASEWORKER, D("2026-06-02"))
    case.take("inspect", CASEWORKER, D("2026-06-03"))
    case.take("assess", CASEWORKER, D("2026-06-04"))
    case.take("discuss", REVIEWER, D("2026-06-05"), "集体研究同意")
    case.take("rate", REVIEWER, D("2026-06-08"), "评议通过")
    case.take("publish", REVIEWER, D("2026-06-09"))
    return case


def gansu_filed(tenant) -> SimulatedCase:
    case = gansu_to_notice(tenant)
    case.take("approve", APPROVER, D("2026-06-16"))
    case.take("sign", CHAIRMAN, D("2026-06-17"))
    case.take("file", APPROVER, D("2026-06-18"))
    case.take("update_facts", CASEWORKER, D("2026-06-30"), household=RESTRUCTURED)
    return case


def test_help_again_on_fall_back_only_or_already_on_risk(tmp_path):
    registry = child_registry(
        tmp_path, "gansu", {"follow_up/help_again_trigger.yaml": reading_file("text", "risk")}
    )
    gansu = gansu_filed(registry.get("gansu"))
    gansu.take("exit", APPROVER, D("2026-07-01"))
    error = refused(gansu.take, "reenter", CASEWORKER, D("2026-09-02"), "企业停产,有返困风险")
    assert error.details["trigger"] == "fallen_back"
    assert gansu.status == "exited"
    whatif = gansu_filed(registry.get("whatif"))
    whatif.take("exit", APPROVER, D("2026-07-01"))
    decision = whatif.take("reenter", CASEWORKER, D("2026-09-02"), "企业停产,有返困风险")
    assert whatif.status == "registered" and decision.notes["trigger"] == "risk"


# --------------------------------------------------------------------------- 兜底
def test_hand_over_to_the_safety_net_opens_in_2020_with_the_union_certificate(registry):
    case = gansu_filed(registry.get("gansu"))
    # out of hardship (every item of 两有五保障 met): never handed over (issue 18)
    error = refused(case.take, "hand_over", APPROVER, D("2026-07-01"), "基层工会证明")
    assert error.details["guard"] == "checklist_not_all_met"
    case.take("update_facts", CASEWORKER, D("2026-07-01"), household=NO_HOUSING)
    before = case.state
    error = refused(case.take, "hand_over", APPROVER, D("2026-07-01"), None)
    assert error.details["guard"] == "comment_required"  # the certificate is required
    assert case.state == before
    decision = case.take("hand_over", APPROVER, D("2026-07-01"), "基层工会证明 第2026-017号")
    assert case.status == "handed_over"
    assert "targets.handover_open" in {p.name for p in decision.guard_parameters}
    assert case.workflow.procedure.status("handed_over").zh == "已转政府兜底保障"


def test_no_hand_over_before_2020(registry):
    gansu = registry.get("gansu")
    # in hardship by 2019's figures too: 700 a month is below 1.5 x Gansu's 560 of 2018
    member = {**NO_HOUSING["members"][0], "monthlyIncome": "700"}
    household = {**NO_HOUSING, "members": [member]}
    case = SimulatedCase.open(gansu, household, CASEWORKER, D("2019-03-01"))
    for action, actor, comment in [
        ("visit", CASEWORKER, None),
        ("inspect", CASEWORKER, None),
        ("assess", CASEWORKER, None),
        ("discuss", REVIEWER, "集体研究同意"),
        ("rate", REVIEWER, None),
        ("publish", REVIEWER, None),
        ("approve", APPROVER, None),
        ("sign", CHAIRMAN, None),
        ("file", APPROVER, None),
    ]:
        day = "2019-03-18" if action in ("approve", "sign", "file") else "2019-03-04"
        case.take(action, actor, D(day), comment)
    error = refused(case.take, "hand_over", APPROVER, D("2019-12-31"), "证明")
    assert error.details["guard"] == "parameter_allows" and "2019-12-31" in error.zh
    case.take("hand_over", APPROVER, D("2020-01-02"), "基层工会证明 第2020-001号")
    assert case.status == "handed_over"


def test_the_kit_checks_the_procedures_parameters_and_readings(tmp_path):
    from core.workflow.conformance import check_tenant_workflow

    registry = child_registry(
        tmp_path, "hebei", {"tekun/quota_enforcement.yaml": reading_file("text", "maybe")}
    )
    assert check_tenant_workflow(registry.get("hebei")) == []
    problems = check_tenant_workflow(registry.get("whatif"))
    assert any("tekun.quota_enforcement" in p and "maybe" in p for p in problems), problems


def test_a_quota_warning_reaches_the_event_the_api_shows():
    from core.cases.views import EventView

    event = EventView(
        seq=4,
        action="approve",
        from_status="in_public_notice",
        to_status="approved",
        on=D("2026-10-12"),
        actor="zhao",
        role="approver",
        comment=None,
        late=False,
        details={"notes": {"ground": "f", "quota_warning": "名额已满(原则上) / quota full"}},
        determination={},
    )
    assert event.warnings == ["名额已满(原则上) / quota full"]
