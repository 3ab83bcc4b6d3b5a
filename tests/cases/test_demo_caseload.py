"""``bangfu demo --files N``: a caseload of the real shape, read back through the public
API as staff read any file (the worklist, the file, its history, the audit of its chain)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, text

from core.cases.service import CaseService
from core.cases.worklist import WorklistQuery
from core.db.chain import verify_tenants
from core.db.models import CaseEvent, CaseFile
from core.demo_caseload import MIX, load_caseload, person_id, person_name
from tests.casefile_samples import staff

ADMIN = staff("hebei", "admin")
FILES = 300


@pytest.fixture
def loaded(session, registry):
    return load_caseload(session, registry, "hebei", FILES)


def test_the_mix_is_the_provinces(loaded, session, registry):
    assert loaded.files == FILES
    statuses = Counter(
        dict(
            session.execute(
                select(CaseFile.status, func.count())
                .where(CaseFile.tenant == "hebei")
                .group_by(CaseFile.status)
            ).all()
        )
    )
    filed, exited = statuses["filed"], statuses["exited"]
    rejected = statuses["rejected"]
    still_open = FILES - filed - exited - rejected
    assert (filed, exited, rejected, still_open) == pytest.approx((150, 45, 30, 75), abs=2)
    steps = session.scalar(select(func.count()).select_from(CaseEvent))
    assert steps == loaded.events and 3.8 <= steps / FILES <= 4.6
    service = CaseService(session, registry)
    page = service.worklist(ADMIN, "hebei", WorklistQuery(view="all"))
    assert page.total == page.counts["all"] == FILES
    # a fifth of the open files are overdue (their first step late by weeks)
    assert page.counts["overdue"] == pytest.approx(FILES * 0.05, abs=2)
    assert sum(s.share for s in MIX) == pytest.approx(1)


def test_a_copy_reads_as_any_file(loaded, session, registry):
    service = CaseService(session, registry)
    number = FILES - 7
    row = session.execute(
        select(CaseFile.id, CaseFile.applicant).where(
            CaseFile.tenant == "hebei", CaseFile.number == number
        )
    ).one()
    assert row.applicant == person_name(number * 3)
    found = service.worklist(ADMIN, "hebei", WorklistQuery(view="all", name=row.applicant))
    assert str(number) in [line.id for line in found.lines]
    by_id = service.worklist(
        ADMIN, "hebei", WorklistQuery(view="all", id_number=person_id(number, 0))
    )
    assert [line.id for line in by_id.lines] == [str(number)]
    case = service.get_case(ADMIN, str(number))
    assert case.household["members"][0]["name"] == row.applicant
    assert case.household["members"][0]["idNumber"].endswith(person_id(number, 0)[-4:])
    assert [e.seq for e in case.history] == list(range(1, len(case.history) + 1))
    assert case.history[0].determination["outcome"]  # each step with its record
    checked, broken = verify_tenants(session, ["hebei"])
    assert broken is None and checked == loaded.events


# ------------------------------------------------------------------ through the public API
STATISTICS = '{ statistics(tenants: ["hebei"]) { tenant openCases filedCases exitedCases } }'
PAGE = """query($t: String!, $after: String) {
  cases(tenant: $t, first: 100, after: $after) { id status version availableActions } }"""
MOVE = """mutation($id: ID!, $a: String!, $v: Int!) {
  transition(caseId: $id, action: $a, expectedVersion: $v) { id status version } }"""
RECEIPT = """mutation($y: Int!, $s: String!, $a: Decimal!, $d: String!) {
  recordReceipt(year: $y, source: $s, amount: $a, document: $d) }"""
RUN = """mutation($p: String!, $s: String!) {
  runPayments(period: $p, source: $s) { id created payments } }"""
PAYMENTS = "query($c: ID) { payments(caseId: $c) { id caseId programme status } }"
TALLY_KEY = "tenant, status, coalesce(category, ''), groups, grounds, turn, baseline_status"


def _every_case(reviewer, tenant: str) -> list[dict]:
    seen, after = [], None
    while True:
        page = reviewer.ok(PAGE, t=tenant, after=after)
        seen += page
        if len(page) < 100:
            return seen
        after = page[-1]["id"]


def _tallies_and_counts(database_url: str) -> tuple[Counter, Counter]:
    """The kept tallies and a fresh count of the files (as the owner, every tenant)."""
    from sqlalchemy import text

    from core.db.session import session_factory

    with session_factory(database_url)() as s:
        if s.connection().dialect.name == "postgresql":
            for table in ("cases", "case_tallies"):  # the owner reads past row security
                s.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
        kept = Counter(
            {
                tuple(r[:-1]): r[-1]
                for r in s.execute(text(f"SELECT {TALLY_KEY}, n FROM case_tallies WHERE n <> 0"))
            }
        )
        counted = Counter(
            {
                tuple(r[:-1]): r[-1]
                for r in s.execute(
                    text(f"SELECT {TALLY_KEY}, count(*) FROM cases GROUP BY 1, 2, 3, 4, 5, 6, 7")
                )
            }
        )
        s.rollback()  # FORCE again
    return kept, counted


def test_loaded_files_are_worked_through_the_api(database_url, registry, caller):
    """Two tenants' caseloads in one database: every file listed and counted through
    GraphQL, the tallies the files' own, a loaded file's step taken and a filed file
    paid by the payment run."""
    from core.db.session import session_factory

    with session_factory(database_url)() as s:
        hebei = load_caseload(s, registry, "hebei", FILES)
        city = load_caseload(s, registry, "demo_city", 60)
    assert (hebei.files, city.files) == (FILES, 60)
    kept, counted = _tallies_and_counts(database_url)
    assert kept == counted and sum(counted.values()) == FILES + 60

    reviewer = caller("hebei", "reviewer")
    every = _every_case(reviewer, "hebei")
    assert len(every) == len({c["id"] for c in every}) == FILES
    statuses = Counter(c["status"] for c in every)
    assert statuses["filed"] == hebei.kinds["filed"]
    [stats] = caller("national", "national").ok(STATISTICS)
    assert stats["filedCases"] == statuses["filed"]
    assert stats["exitedCases"] == statuses["exited"]
    # open: every file not exited or rejected, the filed ones included
    assert stats["openCases"] == FILES - statuses["exited"] - statuses["rejected"]
    assert len(_every_case(caller("demo_city", "reviewer"), "demo_city")) == 60

    # a copy waiting for its review is worked as any file: its actions, its step
    waiting = next(c for c in every if c["availableActions"] == ["review", "reject"])
    moved = reviewer.ok(MOVE, id=waiting["id"], a="review", v=waiting["version"])
    assert moved["version"] == waiting["version"] + 1
    kept, counted = _tallies_and_counts(database_url)
    assert kept == counted  # the step moved its file's tally

    # the year's payment run pays the loaded filed files
    admin, worker = caller("hebei", "admin"), caller("hebei", "caseworker")
    admin.ok(RECEIPT, y=2026, s="government", a="9000000.00", d="冀财社〔2026〕12号")
    run = worker.ok(RUN, p="2026", s="government")
    filed = [c["id"] for c in every if c["status"] == "filed"]
    assert run["created"] >= len(filed) > 100
    paid = worker.ok(PAYMENTS, c=filed[-1])
    assert paid and {p["caseId"] for p in paid} == {filed[-1]}
    checked, broken = verify_tenants_at(database_url)
    assert broken is None and checked >= hebei.events + city.events


def verify_tenants_at(database_url: str):
    from core.db.session import session_factory

    with session_factory(database_url)() as s:
        return verify_tenants(s, ["hebei", "demo_city"])


def test_a_role_under_row_security_loads_through_temporary_tables(database_url, registry, app_url):
    """PostgreSQL, as the serving role (not a superuser: row-level security and every
    trigger hold): the same files, the tallies kept by the trigger, every chain whole."""
    from core.db.session import session_factory

    with session_factory(app_url)() as s:
        loaded = load_caseload(s, registry, "hebei", FILES)
    assert loaded.files == FILES
    kept, counted = _tallies_and_counts(database_url)
    assert kept == counted and sum(counted.values()) == FILES
    with session_factory(database_url)() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == loaded.events
    checked, broken = verify_tenants_at(database_url)
    assert broken is None and checked == loaded.events


def test_the_command_loads_and_the_audit_holds(database_url):
    """``bangfu demo --files N``, then ``bangfu audit verify`` on what it wrote."""
    from typer.testing import CliRunner

    from core.cli import app

    runner = CliRunner()
    made = runner.invoke(app, ["demo", "--files", "40", "--database-url", database_url])
    assert made.exit_code == 0, made.output
    assert "已建 40 份档案" in made.output
    checked = runner.invoke(
        app, ["audit", "verify", "--tenant", "hebei", "--database-url", database_url]
    )
    assert checked.exit_code == 0, checked.output
    assert "every chain holds" in checked.output


# ------------------------------------------------------------------ Gansu's caseload, its targets
GANSU_TARGETS = """{ targets(tenants: ["gansu"]) {
  tenant due baseline baselineFiles exitedFiles met } }"""


def _counted_from_the_steps(database_url: str, baseline: str) -> tuple[int, int]:
    """Gansu's files filed on ``baseline`` (each at its newest step of that day or
    before) and, of them, the ones exited now: counted afresh from every step."""
    from datetime import date

    from core.db.session import session_factory, tenant_scope

    day = date.fromisoformat(baseline)
    then: dict[int, tuple[int, str]] = {}
    now: dict[int, tuple[int, str]] = {}
    with session_factory(database_url)() as s, tenant_scope(s, "gansu"):
        steps = s.execute(
            select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.taken_on, CaseEvent.to_status).where(
                CaseEvent.tenant == "gansu"
            )
        ).all()
        s.rollback()
    for case_id, seq, taken_on, status in steps:
        if taken_on <= day and seq > then.get(case_id, (0, ""))[0]:
            then[case_id] = (seq, status)
        if seq > now.get(case_id, (0, ""))[0]:
            now[case_id] = (seq, status)
    files = [c for c, (_, status) in then.items() if status == "filed"]
    return len(files), sum(1 for c in files if now[c][1] == "exited")


def test_gansu_files_are_counted_against_its_targets(database_url, registry, caller):
    """Gansu's caseload walked through its own procedure, beside Hebei's: its targets,
    through GraphQL, answer what a fresh count of the steps gives (from the counts kept
    with the baseline its model files stored)."""
    from core.db.session import session_factory

    with session_factory(database_url)() as s:
        gansu = load_caseload(s, registry, "gansu", FILES)
        load_caseload(s, registry, "hebei", 60)
        kept = s.execute(text("SELECT tenant, baseline FROM target_baselines")).all()
        s.rollback()
    assert gansu.files == FILES
    assert [(t, str(b)) for t, b in kept] == [("gansu", "2018-01-01")]
    assert gansu.kinds == pytest.approx(
        {"filed": 150, "exited": 45, "rejected": 30, "open": 60, "overdue": 15}, abs=2
    )
    statuses = Counter(c["status"] for c in _every_case(caller("gansu", "reviewer"), "gansu"))
    assert statuses["filed"] == gansu.kinds["filed"]
    assert statuses["exited"] == gansu.kinds["exited"]
    assert statuses["not_admitted"] == gansu.kinds["rejected"]

    answers = caller("national", "national").ok(GANSU_TARGETS)
    assert {a["tenant"] for a in answers} == {"gansu"} and len(answers) >= 2
    files, gone = _counted_from_the_steps(database_url, "2018-01-01")
    # half the filed files and every exited one were filed before the baseline
    assert files == pytest.approx(75 + 45, abs=3) and gone == gansu.kinds["exited"]
    for a in answers:
        assert a["baseline"] == "2018-01-01"
        assert (a["baselineFiles"], a["exitedFiles"]) == (files, gone)
    kept_tallies, counted = _tallies_and_counts(database_url)
    assert kept_tallies == counted
