"""The periodic review: proposals, changed entitlements, overdue deadlines, idempotence."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import func, select, update

from core.cases.service import CaseService
from core.db.models import CaseFile, ReviewDecision, ReviewRun
from core.review import decisions_of, run_review, run_review_command
from tests.casefile_samples import COMFORTABLE, ILL, NO_HOUSING, RESTRUCTURED, D, staff

CW, RV, AP = (staff("hebei", r) for r in ("caseworker", "reviewer", "approver"))


def hebei_files(service: CaseService) -> dict[str, str]:
    # filed in 2024, when the 低保标准 was 760: its living relief is 790 by 2026
    filed = service.open_case(CW, "hebei", ILL, on=D("2024-06-03"))
    for who, action, day in [
        (RV, "review", "2024-06-04"),
        (RV, "publish", "2024-06-05"),
        (AP, "approve", "2024-06-13"),
        (AP, "file", "2024-06-14"),
    ]:
        filed = service.transition(who, filed.id, action, filed.version, D(day))
    resolved = service.open_case(CW, "hebei", COMFORTABLE, on=D("2026-04-28"))  # not eligible
    overdue = service.open_case(CW, "hebei", ILL, on=D("2026-04-01"))  # review due 7 April
    closed = service.open_case(CW, "hebei", COMFORTABLE, on=D("2026-04-01"))
    service.transition(RV, closed.id, "reject", 1, D("2026-04-02"), "收入超标")
    service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-04-01"))
    return {"filed": filed.id, "resolved": resolved.id, "overdue": overdue.id}


def test_a_review_finds_exits_changed_entitlements_and_overdue_steps(session, registry):
    ids = hebei_files(CaseService(session, registry))
    result = run_review(session, registry, "hebei", D("2026-04-30"))
    assert (result.files, result.proposed_exits, result.changed_entitlements, result.overdue) == (
        3,
        1,
        1,
        1,
    )
    assert result.period == "2026" and not result.already_done
    by_case = {str(d.case_id): d for d in decisions_of(session, result.run_id)}
    assert set(by_case) == set(ids.values())
    assert by_case[ids["resolved"]].propose_exit and not by_case[ids["resolved"]].eligible
    changed = by_case[ids["filed"]]
    assert changed.entitlements_changed and "living_relief=790.00" in changed.entitlements
    assert by_case[ids["overdue"]].overdue == "review"
    assert not by_case[ids["filed"]].overdue


def test_running_twice_for_the_same_date_changes_nothing(session, registry):
    hebei_files(CaseService(session, registry))
    first = run_review(session, registry, "hebei", D("2026-04-30"))
    rows = session.scalar(select(func.count()).select_from(ReviewDecision))
    versions = session.execute(select(CaseFile.id, CaseFile.version)).all()
    second = run_review(session, registry, "hebei", D("2026-04-30"))
    assert second.already_done and second.run_id == first.run_id
    assert (second.files, second.proposed_exits) == (first.files, first.proposed_exits)
    assert session.scalar(select(func.count()).select_from(ReviewDecision)) == rows
    assert session.scalar(select(func.count()).select_from(ReviewRun)) == 1
    assert session.execute(select(CaseFile.id, CaseFile.version)).all() == versions
    assert not run_review(session, registry, "hebei", D("2026-05-01")).already_done


def test_rules_in_force_on_the_review_date(session, registry):
    ids = hebei_files(CaseService(session, registry))
    # as of 2024 the file filed then keeps its relief; the one opened in 2026 at 790 would
    # get the 2024 figure (760)
    result = run_review(session, registry, "hebei", D("2024-12-31"))
    changed = [
        str(d.case_id) for d in decisions_of(session, result.run_id) if d.entitlements_changed
    ]
    assert changed == [ids["overdue"]]


def test_gansu_proposes_exit_when_every_item_is_secured(session, registry):
    service = CaseService(session, registry)
    service.open_case(staff("gansu", "caseworker"), "gansu", RESTRUCTURED, on=D("2026-06-01"))
    service.open_case(staff("gansu", "caseworker"), "gansu", NO_HOUSING, on=D("2026-06-01"))
    result = run_review(session, registry, "gansu", D("2026-06-30"))
    assert (result.files, result.proposed_exits, result.period) == (2, 1, "2026-06-30")


def test_files_of_an_older_facts_layout_are_rebuilt(session, registry):
    hebei_files(CaseService(session, registry))
    session.execute(update(CaseFile).values(facts_layout="old", facts=[]))
    session.commit()
    result = run_review(session, registry, "hebei", D("2026-04-30"))
    assert (result.files, result.proposed_exits, result.changed_entitlements) == (3, 1, 1)


def test_the_command_shows_progress_and_a_summary(database_url, registry):
    from core.db.session import session_factory

    with session_factory(database_url)() as session:
        hebei_files(CaseService(session, registry))
    console = Console(record=True, width=120)
    run_review_command(database_url, "hebei", D("2026-04-30"), console)
    text = console.export_text()
    assert "reviewing hebei" in text and "3/3" in text
    assert "by 30 April" in text and "period 2026" in text
    run_review_command(database_url, "hebei", D("2026-04-30"), console)
    assert "nothing changed" in console.export_text()


def test_decisions_are_written_in_multi_row_inserts_and_a_remainder(session, registry):
    from datetime import UTC, datetime

    from core.review import ROWS_PER_INSERT, write_decisions

    now = datetime.now(UTC)
    run = ReviewRun(
        tenant="hebei",
        as_of=D("2026-04-30"),
        period="2026",
        ruleset="x",
        plugin_versions={},
        started_at=now,
        finished_at=now,
    )
    session.add(run)
    session.flush()
    n = 2 * ROWS_PER_INSERT + 7
    rows = [("hebei", run.id, i, i % 2 == 0, False, True, f"e={i}", "") for i in range(n)]
    write_decisions(session, rows)
    session.commit()
    rows = decisions_of(session, run.id)
    assert len(rows) == n
    assert (rows[-1].case_id, rows[-1].eligible, rows[-1].entitlements) == (
        n - 1,
        True,  # 106 is even
        f"e={n - 1}",
    )


def test_provisional_deadlines_follow_a_newly_loaded_calendar(session, registry):
    from core.calendar import WorkingCalendar, parse_schedule
    from core.cases.maintenance import refresh_provisional_deadlines
    from core.workflow.engine import Workflow

    unpublished = WorkingCalendar()  # 2027 unknown: Monday to Friday
    service = CaseService(session, registry, calendar=unpublished, today=lambda: D("2026-12-30"))
    case = service.open_case(CW, "hebei", ILL, on=D("2026-12-30"))
    assert [(d.due, d.provisional) for d in case.deadlines] == [(D("2027-01-04"), True)]
    published = WorkingCalendar(
        [
            parse_schedule(
                {"year": 2027, "source": "test", "holidays": [D("2027-01-01"), D("2027-01-04")]}
            )
        ]
    )
    flow = Workflow(
        registry.get("hebei"), Workflow.for_tenant(registry.get("hebei")).procedure, published
    )
    assert refresh_provisional_deadlines(session, flow) == 1
    session.commit()
    row = session.get(CaseFile, int(case.id))
    # 31 Dec, then (1 Jan and 4 Jan off) 5 and 6 Jan
    assert (row.due_on, row.due_provisional, row.version) == (D("2027-01-06"), False, 1)
    assert refresh_provisional_deadlines(session, flow) == 0
