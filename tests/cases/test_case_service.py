"""The case service: opening files, taking steps, optimistic concurrency, tenant scoping,
determination records; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.cases.service import CaseService
from core.db import repositories
from core.db.models import CaseEvent, CaseFile
from core.errors import (
    BAD_INPUT,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    RULE_VIOLATION,
    UNAUTHENTICATED,
    BangfuError,
)
from tests.casefile_samples import (
    COMFORTABLE,
    DIBAO_TOPUP,
    ILL,
    NO_HOUSING,
    RESTRUCTURED,
    D,
    staff,
)

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")


def refused(code: str, fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def counts(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(CaseFile)),
        session.scalar(select(func.count()).select_from(CaseEvent)),
    )


def to_notice(service: CaseService, published: str = "2026-09-28"):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-24"))
    case = service.transition(REVIEWER, case.id, "review", case.version, D("2026-09-25"))
    return service.transition(REVIEWER, case.id, "publish", case.version, D(published))


def test_open_a_file(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    assert (case.tenant, case.status, case.version, case.opened_on) == (
        "hebei",
        "applied",
        1,
        D("2026-09-30"),
    )
    [opened] = case.history
    assert (opened.action, opened.from_status, opened.to_status, opened.actor) == (
        "open",
        "",
        "applied",
        "caseworker@hebei",
    )
    assert [(d.step, d.due) for d in case.deadlines] == [("review", D("2026-10-10"))]
    assert case.evaluation.eligible and case.evaluation.as_of == D("2026-11-20")
    assert opened.determination["asOf"] == "2026-09-30"
    assert case.available_actions == ("update_facts",)  # a caseworker does not review


def test_each_step_bumps_the_version_and_is_recorded(service):
    case = to_notice(service)
    case = service.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    case = service.transition(APPROVER, case.id, "file", case.version, D("2026-10-12"))
    assert (case.status, case.version) == ("filed", 5)
    assert [(e.action, e.on, e.actor) for e in case.history] == [
        ("open", D("2026-09-24"), "caseworker@hebei"),
        ("review", D("2026-09-25"), "reviewer@hebei"),
        ("publish", D("2026-09-28"), "reviewer@hebei"),
        ("approve", D("2026-10-10"), "approver@hebei"),
        ("file", D("2026-10-12"), "approver@hebei"),
    ]
    assert all(e.determination["ruleset"] for e in case.history)


def test_a_refusal_changes_nothing(service, session):
    case = to_notice(service)
    before = counts(session)
    refused(RULE_VIOLATION, service.transition, APPROVER, case.id, "approve", 3, D("2026-10-09"))
    again = service.get_case(APPROVER, case.id)
    assert (again.status, again.version, len(again.history)) == ("in_public_notice", 3, 3)
    assert counts(session) == before


def test_a_stale_version_is_a_conflict_and_changes_nothing(service, session):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    service.transition(REVIEWER, case.id, "review", 1, D("2026-10-08"))
    before = counts(session)
    error = refused(CONFLICT, service.transition, REVIEWER, case.id, "publish", 1, D("2026-10-09"))
    assert error.details == {"version": 2, "expectedVersion": 1}
    assert counts(session) == before
    assert service.get_case(REVIEWER, case.id).status == "reviewed"


def test_a_concurrent_change_between_read_and_write_is_a_conflict(service, session, monkeypatch):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    monkeypatch.setattr(repositories, "apply_step", lambda *a, **k: False)
    refused(CONFLICT, service.transition, REVIEWER, case.id, "review", 1, D("2026-10-08"))
    monkeypatch.undo()
    assert service.get_case(REVIEWER, case.id).version == 1


def test_another_tenants_file_answers_like_a_missing_one(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    gansu = staff("gansu", "admin")
    city = staff("demo_city", "admin")
    missing = refused(NOT_FOUND, service.get_case, gansu, "999999")
    other = refused(NOT_FOUND, service.get_case, gansu, case.id)
    assert other.en.replace(case.id, "X") == missing.en.replace("999999", "X")
    assert service.find_case(city, case.id) is None  # a child tenant does not see its parent's
    refused(NOT_FOUND, service.transition, gansu, case.id, "review", 1, D("2026-10-08"))
    refused(NOT_FOUND, service.get_case, CASEWORKER, "not-a-number")
    assert service.get_case(CASEWORKER, case.id).version == 1


def test_who_may_ask(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    refused(UNAUTHENTICATED, service.get_case, None, case.id)
    refused(FORBIDDEN, service.get_case, staff("national", "national"), case.id)
    refused(FORBIDDEN, service.open_case, staff("gansu", "caseworker"), "hebei", ILL)
    refused(FORBIDDEN, service.list_cases, staff("gansu", "caseworker"), "hebei")
    refused(NOT_FOUND, service.list_cases, CASEWORKER, "atlantis")
    refused(FORBIDDEN, service.open_case, REVIEWER, "hebei", ILL)  # reviewers do not open


def test_list_pages_and_filters(service):
    ids = [service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30")).id for _ in range(3)]
    service.transition(REVIEWER, ids[1], "review", 1, D("2026-10-08"))
    assert [c.id for c in service.list_cases(CASEWORKER, "hebei", first=2)] == ids[:2]
    assert [c.id for c in service.list_cases(CASEWORKER, "hebei", after=ids[1])] == ids[2:]
    assert [c.id for c in service.list_cases(CASEWORKER, "hebei", status="reviewed")] == [ids[1]]
    refused(BAD_INPUT, service.list_cases, CASEWORKER, "hebei", first=10_000)
    refused(BAD_INPUT, service.list_cases, CASEWORKER, "hebei", after="x")


def test_overdue_files(service):
    late = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-11-02"))
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-11-19"))
    urgent = service.open_case(CASEWORKER, "hebei", ILL, urgent=True, on=D("2026-11-19"))
    overdue = service.overdue(CASEWORKER, "hebei", on=D("2026-11-20"))
    assert [c.id for c in overdue] == [late.id, urgent.id]
    assert overdue[0].overdue_on(D("2026-11-20"))[0].due == D("2026-11-05")
    assert service.overdue(CASEWORKER, on=D("2026-11-01")) == []


def test_a_late_step_is_recorded_as_late(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    case = service.transition(REVIEWER, case.id, "review", 1, D("2026-10-12"))
    review = case.history[-1]
    assert review.late and review.details["late"]["due"] == "2026-10-10"


def test_facts_recorded_by_a_step_are_re_evaluated_and_the_cause_shown(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    refused(
        BAD_INPUT,
        service.transition,
        REVIEWER,
        case.id,
        "review",
        1,
        D("2026-10-08"),
        household=COMFORTABLE,
    )
    case = service.transition(
        CASEWORKER, case.id, "update_facts", 1, D("2026-10-08"), household=COMFORTABLE
    )
    assert not case.evaluation.eligible
    refused(RULE_VIOLATION, service.transition, REVIEWER, case.id, "review", 2, D("2026-10-09"))
    [(_, none), (_, change)] = service.changes(REVIEWER, case.id)
    assert none is None
    assert change.cause == "facts" and "eligible" in change.outcome


def test_a_change_from_the_rules_is_told_apart(service):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2024-06-03"))
    case = service.transition(CASEWORKER, case.id, "update_facts", 1, D("2025-06-02"))
    change = service.changes(CASEWORKER, case.id)[-1][1]
    assert change.cause == "rules" and "dibao.standard_monthly" in change.parameters


def test_quota_on_ground_f_is_checked_at_approval(service, monkeypatch):
    case = service.open_case(CASEWORKER, "hebei", DIBAO_TOPUP, on=D("2026-09-24"))
    case = service.transition(REVIEWER, case.id, "review", 1, D("2026-09-25"))
    case = service.transition(REVIEWER, case.id, "publish", 2, D("2026-09-28"))
    assert [c.code for c in case.evaluation.reasons] == ["f"]
    cap = 380_000 * 5 // 100
    real = repositories.count_on_sole_ground
    monkeypatch.setattr(repositories, "count_on_sole_ground", lambda *a: cap)
    error = refused(
        RULE_VIOLATION, service.transition, APPROVER, case.id, "approve", 3, D("2026-10-12")
    )
    assert error.details["cap"] == cap
    monkeypatch.setattr(repositories, "count_on_sole_ground", real)
    case = service.transition(APPROVER, case.id, "approve", 3, D("2026-10-12"))
    assert case.history[-1].determination["parameters"][0]["name"]
    names = {p["name"] for p in case.history[-1].determination["parameters"]}
    assert {"tekun.dibao_quota_share", "dibao.recipients_total"} <= names
    assert repositories.count_on_sole_ground(service.session, "hebei", "f", ("approved",)) == 1


def test_gansu_g2_and_g3_through_the_service(service):
    cw, rv, ap, ch = (staff("gansu", r) for r in ("caseworker", "reviewer", "approver", "chairman"))
    case = service.open_case(cw, "gansu", NO_HOUSING, on=D("2026-06-01"))
    steps = [
        (cw, "visit", "2026-06-02"),
        (cw, "inspect", "2026-06-03"),
        (cw, "assess", "2026-06-04"),
        (rv, "discuss", "2026-06-05"),
        (rv, "rate", "2026-06-08"),
        (rv, "publish", "2026-06-09"),
        (ap, "approve", "2026-06-16"),
    ]
    for who, action, day in steps:
        case = service.transition(who, case.id, action, case.version, D(day), "集体研究同意")
    error = refused(
        RULE_VIOLATION, service.transition, ap, case.id, "file", case.version, D("2026-06-17")
    )
    assert "工会主席不签字不建档" in error.zh
    same = service.get_case(ap, case.id)
    assert (same.status, same.version, len(same.history)) == (case.status, case.version, 8)
    case = service.transition(ch, case.id, "sign", case.version, D("2026-06-17"))
    case = service.transition(ap, case.id, "file", case.version, D("2026-06-18"))
    error = refused(
        RULE_VIOLATION, service.transition, ap, case.id, "exit", case.version, D("2026-09-01")
    )
    assert error.details["unmet"] == ["housing"]
    case = service.transition(
        cw, case.id, "update_facts", case.version, D("2026-09-02"), household=RESTRUCTURED
    )
    # new facts on a filed file wait for a second person before they count
    refused(RULE_VIOLATION, service.transition, ap, case.id, "exit", case.version, D("2026-09-03"))
    case = service.decide_facts(ap, case.id, case.version, approve=True, on=D("2026-09-03"))
    case = service.transition(ap, case.id, "exit", case.version, D("2026-09-03"))
    assert case.status == "exited"
    assert [d.step for d in case.deadlines] == ["follow_up"]


def test_statistics_suppress_small_counts(service):
    national = staff("national", "national")
    for _ in range(5):
        service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    stats = {s.tenant: s for s in service.statistics(national)}
    assert stats["hebei"].open_cases == 5 and stats["hebei"].filed_cases is None
    assert stats["gansu"].open_cases is None
    assert [(c.key, c.count) for c in stats["hebei"].by_category] == [("tekun", 5)]
    assert [s.tenant for s in service.statistics(CASEWORKER)] == ["hebei"]
    refused(FORBIDDEN, service.statistics, CASEWORKER, ["gansu"])
    refused(UNAUTHENTICATED, service.statistics, None)


def test_a_tenant_bound_session_sees_only_its_tenant_even_without_a_filter(service, session):
    from core.db.session import TENANT_KEY, tenant_scope

    hebei = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    gansu = service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-09-30"))
    assert TENANT_KEY not in session.info  # each call of the service leaves it unbound
    with tenant_scope(session, "gansu"):  # what the service does for a gansu principal
        assert [str(r.number) for r in session.scalars(select(CaseFile))] == [gansu.id]
        assert [e.tenant for e in session.scalars(select(CaseEvent))] == ["gansu"]
    assert {(r.tenant, str(r.number)) for r in session.scalars(select(CaseFile))} == {
        ("hebei", hebei.id),
        ("gansu", gansu.id),
    }


@pytest.mark.parametrize("lookalike", ["１", "٣", " 1", "1_0", "+1", "01", "1.0"])
def test_only_plain_digits_name_a_file(service, lookalike):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    assert case.id == "1" or case.id.isdigit()
    refused(
        NOT_FOUND, service.transition, REVIEWER, lookalike, "review", case.version, D("2026-10-08")
    )


@pytest.mark.parametrize("comment", ["审核\x00通过", "\u202e过通", "x" * 10_001])
def test_a_comment_with_control_characters_or_too_long_is_refused(service, session, comment):
    case = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-30"))
    before = counts(session)
    refused(
        BAD_INPUT,
        service.transition,
        REVIEWER,
        case.id,
        "review",
        case.version,
        D("2026-10-08"),
        comment,
    )
    assert counts(session) == before


def test_a_view_runs_the_rules_only_for_what_is_read(service, monkeypatch):
    """A step's answer evaluates the file under today's rules, and lists the caller's next
    actions, only when they are read: ``transition { id version status }`` costs one run
    of the rules (the step's own), not three."""
    from core.cases import opening, stepping, viewing
    from core.evaluation import evaluate as real

    runs = []

    def counted(*args, **kwargs):
        runs.append(args[2])
        return real(*args, **kwargs)

    for module in (opening, stepping, viewing):  # each part of the service that evaluates
        monkeypatch.setattr(module, "evaluate", counted)
    case = service.open_case(CASEWORKER, "hebei", DIBAO_TOPUP, on=D("2026-09-24"))
    case = service.transition(REVIEWER, case.id, "review", 1, D("2026-09-25"))
    assert runs == [D("2026-09-24"), D("2026-09-25")]  # each step's own determination
    assert (case.id, case.version, case.status) == (case.id, 2, "reviewed")
    assert runs == [D("2026-09-24"), D("2026-09-25")]
    assert case.evaluation.eligible  # read: evaluated now, under today's rules ...
    assert runs[-1] == D("2026-11-20")
    assert "publish" in case.available_actions  # ... once, whichever field asks
    assert case.evaluation is case.evaluation and len(runs) == 3
    listed = service.list_cases(REVIEWER, "hebei")
    assert [v.status for v in listed] == ["reviewed"] and len(runs) == 3
    assert listed[0].evaluation.eligible and len(runs) == 4
    with pytest.raises(AttributeError):
        case.status = "approved"  # type: ignore[misc]


def test_actions_read_later_count_the_quota_in_the_files_tenant(service, monkeypatch):
    """The actions of a view are worked out when read, after the service call returned
    (and unbound the session): the quota counts behind them still read the file's tenant
    (on PostgreSQL under row-level security, where an unbound read sees no row), and a
    full quota still hides the step."""
    from core.db.session import bound_tenant

    case = service.open_case(CASEWORKER, "hebei", DIBAO_TOPUP, on=D("2026-09-24"))
    case = service.transition(REVIEWER, case.id, "review", 1, D("2026-09-25"))
    case = service.transition(REVIEWER, case.id, "publish", 2, D("2026-09-28"))
    view = service.get_case(APPROVER, case.id)
    assert bound_tenant(service.session) is None  # the call is over
    seen = []
    real = repositories.count_on_sole_ground

    def full(session, *args):
        seen.append((bound_tenant(session), real(session, *args)))
        return 380_000 * 5 // 100

    monkeypatch.setattr(repositories, "count_on_sole_ground", full)
    assert "approve" not in view.available_actions
    assert seen and all(tenant == "hebei" for tenant, _ in seen)
    assert bound_tenant(service.session) is None


def test_a_steps_answer_shows_the_history_up_to_that_step(service, registry, database_url):
    """A step reads the earlier steps without their records; the answer's history is read
    when shown, with every record, and only up to its own step, even if someone has
    taken the next one by then."""
    from core.db.session import session_factory

    case = to_notice(service)
    approved = service.transition(APPROVER, case.id, "approve", case.version, D("2026-10-10"))
    with session_factory(database_url)() as other_session:
        other = CaseService(other_session, registry, today=lambda: D("2026-11-20"))
        other.transition(APPROVER, case.id, "file", approved.version, D("2026-10-12"))
    assert [e.action for e in approved.history] == ["open", "review", "publish", "approve"]
    assert len(approved.history) == approved.version
    assert all(e.determination["ruleset"] for e in approved.history)
    assert approved.history[-1].determination["outcome"]["eligible"] is True
