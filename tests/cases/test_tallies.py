"""The counts kept with the files (``case_tallies``, migration 0020) agree with a recount
of the files after every kind of change: opening, steps, rejection, exit, new facts,
two tenants in one database, a file removed; and statistics, the quota and the
worklist's total read them."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from core.cases.worklist import WorklistQuery
from core.db import repositories, tallies
from core.db.models import CaseFile, CaseTally
from core.db.session import tenant_scope
from tests.casefile_samples import COMFORTABLE, DIBAO_TOPUP, ILL, RESTRUCTURED, D, staff

CASEWORKER = staff("hebei", "caseworker")
REVIEWER = staff("hebei", "reviewer")
APPROVER = staff("hebei", "approver")
ADMIN = staff("hebei", "admin")


def agree(session, *tenants: str) -> None:
    for tenant in tenants:
        with tenant_scope(session, tenant):
            kept, counted = tallies.tallies(session, tenant), tallies.recount(session, tenant)
            session.rollback()
        assert kept == counted, tenant


def walk(service, case, *steps):
    for who, action, day in steps:
        case = service.transition(who, case.id, action, case.version, D(day), "理由 / reason")
    return case


def test_the_tallies_follow_every_change(service, session):
    agree(session, "hebei")
    files = [service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01")) for _ in range(3)]
    topup = service.open_case(CASEWORKER, "hebei", DIBAO_TOPUP, on=D("2026-09-24"))
    well_off = service.open_case(CASEWORKER, "hebei", COMFORTABLE, on=D("2026-09-24"))
    service.open_case(staff("gansu", "caseworker"), "gansu", RESTRUCTURED, on=D("2026-09-01"))
    agree(session, "hebei", "gansu")
    before = [
        (REVIEWER, "review", "2026-09-25"),
        (REVIEWER, "publish", "2026-09-28"),
    ]
    after = [(APPROVER, "approve", "2026-10-12"), (APPROVER, "file", "2026-10-13")]
    filed = walk(service, files[0], *before, *after)
    walk(service, files[1], *before)
    agree(session, "hebei")
    walk(service, topup, *before, *after)
    walk(service, well_off, (REVIEWER, "reject", "2026-09-25"))
    agree(session, "hebei", "gansu")
    walk(service, filed, (APPROVER, "exit", "2026-11-02"))
    agree(session, "hebei")

    # the counts the application reads come from the tallies, and are the files' own
    with tenant_scope(session, "hebei"):
        sole_f = repositories.count_on_sole_ground(session, "hebei", "f", ("filed", "approved"))
        assert sole_f == 1
        assert repositories.count_including_ground(session, "hebei", "f", ("filed",)) == 1
        assert tallies.files(session, "hebei") == 5
        session.rollback()
    page = service.worklist(ADMIN, "hebei", WorklistQuery(view="all"))
    assert page.total == page.counts["all"] == 5
    assert service.worklist(ADMIN, "hebei", WorklistQuery(view="all", status="filed")).total == 1
    national = staff("national", "national")
    (hebei,) = service.statistics(national, ["hebei"])
    assert hebei.filed_cases is None and hebei.exited_cases is None  # below 5: suppressed


def test_a_file_removed_leaves_the_tallies(service, session):
    """The owner removing a file (a correction, a restore) takes it from its tally too."""
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01"))
    service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-02"))
    with tenant_scope(session, "hebei"):
        session.execute(delete(CaseFile).where(CaseFile.number == 1))
        session.commit()
    agree(session, "hebei")
    with tenant_scope(session, "hebei"):
        assert session.scalar(select(func.sum(CaseTally.n))) == 1
        session.rollback()


def test_the_serving_role_keeps_the_tallies_under_row_level_security(
    database_url, registry, session
):
    """Served as ``bangfu_app`` (PostgreSQL: row-level security holds, the triggers write
    the tallies of the tenant bound), the national level reading them through
    ``bangfu_case_counts``; on SQLite the same service."""
    from core.cases.service import CaseService
    from core.db.session import session_factory
    from core.db.testing import postgres_app_url

    url = database_url
    if database_url.startswith("postgresql"):
        url = postgres_app_url(database_url)
    with session_factory(url)() as served:
        service = CaseService(served, registry, today=lambda: D("2026-11-20"))
        cases = [service.open_case(CASEWORKER, "hebei", ILL, on=D("2026-09-01")) for _ in range(6)]
        for case in cases[:5]:
            walk(
                service,
                case,
                (REVIEWER, "review", "2026-09-25"),
                (REVIEWER, "publish", "2026-09-28"),
                (APPROVER, "approve", "2026-10-12"),
                (APPROVER, "file", "2026-10-13"),
            )
        (hebei,) = service.statistics(staff("national", "national"), ["hebei"])
        assert (hebei.filed_cases, hebei.open_cases) == (5, 6)  # filed files are open
    agree(session, "hebei")
