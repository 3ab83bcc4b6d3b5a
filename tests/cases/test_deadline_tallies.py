"""The deadlines kept by day (``deadline_tallies``, migration 0022) agree with a recount of
the files after every step that moves a deadline: opening, review, public notice,
approval, filing, rejection, exit, the annual review, a provisional date made final by a
newly published calendar, a file removed; two tenants' files in one database. And the
worklist's "due this week" and "overdue" read them, with the files' own numbers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select

from core.calendar import WorkingCalendar, parse_schedule
from core.cases.maintenance import refresh_provisional_deadlines
from core.cases.service import CaseService
from core.cases.worklist import WorklistQuery
from core.db import deadlines
from core.db.models import CaseFile
from core.db.session import tenant_scope
from core.review import run_review
from core.workflow.engine import Workflow
from tests.casefile_samples import COMFORTABLE, ILL, RESTRUCTURED, D, staff

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
ADMIN = staff("hebei", "admin")
GANSU = staff("gansu", "caseworker")


def agree(session, *tenants: str) -> None:
    for tenant in tenants:
        with tenant_scope(session, tenant):
            kept, counted = deadlines.tallies(session, tenant), deadlines.recount(session, tenant)
            session.rollback()
        assert kept == counted, tenant


def walk(service, case, *steps):
    for who, action, day in steps:
        case = service.transition(who, case.id, action, case.version, D(day), "理由 / reason")
    return case


def counted(session, tenant: str, today: date, week_end: date) -> tuple[int, int]:
    """(due this week, overdue) counted from the files themselves."""
    with tenant_scope(session, tenant):
        due = CaseFile.due_on
        mine = CaseFile.tenant == tenant
        week = session.scalar(
            select(func.count()).where(mine, due >= today, due <= week_end).select_from(CaseFile)
        )
        late = session.scalar(select(func.count()).where(mine, due < today).select_from(CaseFile))
        session.rollback()
    return int(week or 0), int(late or 0)


def views_agree(service, session, tenant: str, principal) -> tuple[int, int]:
    page = service.worklist(principal, tenant, WorklistQuery(view="week"))
    expected = counted(session, tenant, page.today, page.week_end)
    assert (page.counts["week"], page.counts["overdue"]) == expected
    assert page.total == expected[0]
    overdue = service.worklist(principal, tenant, WorklistQuery(view="overdue"))
    assert overdue.total == expected[1] == len(overdue.lines)
    return expected


BEFORE = [(REVIEWER, "review", "2026-09-25"), (REVIEWER, "publish", "2026-09-28")]
AFTER = [(APPROVER, "approve", "2026-10-12"), (APPROVER, "file", "2026-10-13")]


def test_the_deadlines_kept_follow_every_step(service, session):
    agree(session, "hebei")
    files = [service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01")) for _ in range(4)]
    late = service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-24"))
    well_off = service.open_case(CASEWORKER, "hebei", COMFORTABLE, on=D("2026-09-24"))
    service.open_case(GANSU, "gansu", RESTRUCTURED, on=D("2026-09-01"))
    service.open_case(GANSU, "gansu", RESTRUCTURED, on=D("2026-09-24"))
    agree(session, "hebei", "gansu")
    filed = walk(service, files[0], *BEFORE, *AFTER)
    walk(service, files[1], *BEFORE)  # on notice
    walk(service, files[2], BEFORE[0])  # reviewed
    agree(session, "hebei", "gansu")
    walk(service, well_off, (REVIEWER, "reject", "2026-09-25"))
    walk(service, filed, (APPROVER, "exit", "2026-11-02"))
    agree(session, "hebei", "gansu")
    run_review(session, service.registry, "hebei", D("2026-11-20"))
    agree(session, "hebei", "gansu")
    with tenant_scope(session, "hebei"):
        kept = deadlines.tallies(session, "hebei")
        session.rollback()
    assert sum(kept.values()) >= 3 and late.id
    assert views_agree(service, session, "hebei", ADMIN)[1] >= 1  # some are overdue
    views_agree(service, session, "gansu", staff("gansu", "admin"))
    assert views_agree(service, session, "hebei", CASEWORKER) == views_agree(
        service, session, "hebei", ADMIN
    )


def test_a_provisional_deadline_made_final_moves_its_day(session, registry):
    """A deadline across a year whose holidays were not published (provisional), worked
    out again once they are, by the annual review's upkeep: the kept days follow."""
    unpublished = WorkingCalendar()  # 2027 unknown: Monday to Friday
    service = CaseService(session, registry, calendar=unpublished, today=lambda: D("2026-12-30"))
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-12-30"))
    service.open_case(GANSU, "gansu", RESTRUCTURED, on=D("2026-12-30"))
    with tenant_scope(session, "hebei"):
        assert deadlines.tallies(session, "hebei") == {D("2027-01-04"): 1}
        session.rollback()
    published = WorkingCalendar(
        [
            parse_schedule(
                {"year": 2027, "source": "test", "holidays": [D("2027-01-01"), D("2027-01-04")]}
            )
        ]
    )
    hebei = registry.get("hebei")
    flow = Workflow(hebei, Workflow.for_tenant(hebei).procedure, published)
    with tenant_scope(session, "hebei"):
        assert refresh_provisional_deadlines(session, flow) == 1
        session.commit()
    agree(session, "hebei", "gansu")
    with tenant_scope(session, "hebei"):
        assert deadlines.tallies(session, "hebei") == {D("2027-01-06"): 1}
        assert deadlines.due_between(session, "hebei", D("2027-01-04"), D("2027-01-06")) == 1
        assert deadlines.due_before(session, "hebei", D("2027-01-06")) == 0
        assert deadlines.due_before(session, "hebei", D("2027-01-07")) == 1
        session.rollback()
    later = CaseService(session, registry, calendar=published, today=lambda: D("2027-01-08"))
    views_agree(later, session, "hebei", ADMIN)


def test_a_file_removed_leaves_its_day(service, session):
    """The owner removing a file (a correction, a restore) takes it from its day too."""
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01"))
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-02"))
    with tenant_scope(session, "hebei"):
        session.execute(delete(CaseFile).where(CaseFile.number == 1))
        session.commit()
    agree(session, "hebei")
    with tenant_scope(session, "hebei"):
        assert sum(deadlines.tallies(session, "hebei").values()) == 1
        session.rollback()


def test_the_serving_role_keeps_the_days_under_row_level_security(database_url, registry, session):
    """Served as ``bangfu_app`` (PostgreSQL: row-level security holds, the triggers write
    the days of the tenant bound); on SQLite the same service."""
    from core.db.session import session_factory
    from core.db.testing import postgres_app_url

    url = database_url
    if database_url.startswith("postgresql"):
        url = postgres_app_url(database_url)
    with session_factory(url)() as served:
        service = CaseService(served, registry, today=lambda: D("2026-10-20"))
        cases = [service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01")) for _ in range(3)]
        service.open_case(GANSU, "gansu", RESTRUCTURED, on=D("2026-10-19"))
        walk(service, cases[0], *BEFORE)
        _week, late = views_agree(service, served, "hebei", ADMIN)
        assert late == 2
        views_agree(service, served, "gansu", staff("gansu", "admin"))
    agree(session, "hebei", "gansu")
