"""National statistics, on SQLite and PostgreSQL: open, filed and exited files by category
and national group per tenant; every count below 5 is null (zero too), every key of the
tenant's vocabulary is listed so that a key's presence tells nothing; computed by
aggregate queries, no file loaded; the national level sees every tenant, a tenant's staff
only their own."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from core.cases.service import CaseService
from core.db.models import CaseEvent, CaseFile
from core.errors import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, BangfuError
from core.evaluation import evaluate
from core.model import parse_household
from tests.casefile_samples import ILL, D, staff
from tests.security.conftest import OPEN, STATISTICS

NATIONAL = staff("national", "national")
GROUPS = (
    "below_dibao_uncovered",
    "dibao_underemployed",
    "migrant_worker",
    "restructuring_laid_off",
    "sudden_expense",
)


@pytest.fixture
def service(session, registry):
    return CaseService(session, registry, today=lambda: D("2026-11-20"))


@pytest.fixture
def session(database_url):
    from core.db.session import session_factory

    with session_factory(database_url)() as s:
        yield s


def refused(code, fn, *args, **kwargs) -> BangfuError:
    with pytest.raises(BangfuError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def filed(service: CaseService, n: int, tenant: str = "hebei") -> list[str]:
    """``n`` files taken through Hebei's procedure: opened 24 Sept, filed 12 Oct."""
    ids = []
    for _ in range(n):
        case = service.open_case(staff(tenant, "caseworker"), tenant, ILL, on=D("2026-09-24"))
        for who, action, day in (
            ("reviewer", "review", "2026-09-25"),
            ("reviewer", "publish", "2026-09-28"),
            ("approver", "approve", "2026-10-10"),
            ("approver", "file", "2026-10-12"),
        ):
            case = service.transition(staff(tenant, who), case.id, action, case.version, D(day))
        ids.append(case.id)
    return ids


def counts(entries) -> list[tuple[str, int | None]]:
    return [(c.key, c.count) for c in entries]


def test_small_counts_and_zero_are_null_and_every_key_is_listed(service, registry):
    for _ in range(5):
        service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-09-30"))
    service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=D("2026-09-30"))
    ill_groups = set(evaluate(registry.get("hebei"), parse_household(ILL), D("2026-11-20")).groups)
    assert ill_groups  # the sample is in at least one national group
    stats = {s.tenant: s for s in service.statistics(NATIONAL)}
    assert set(stats) == {"hebei", "gansu", "demo_city"}
    hebei, gansu, city = stats["hebei"], stats["gansu"], stats["demo_city"]
    assert (hebei.open_cases, hebei.filed_cases, hebei.exited_cases) == (5, None, None)
    assert counts(hebei.by_category) == [("tekun", 5)]
    assert counts(hebei.by_group) == [(g, 5 if g in ill_groups else None) for g in GROUPS]
    # one file and none look the same: null, and the same keys
    # (the city's strongest file is Hebei's 特困, which applies there as in Hebei)
    for one_or_none, category in ((gansu, "kunnan"), (city, "tekun")):
        assert (one_or_none.open_cases, one_or_none.filed_cases) == (None, None)
        assert counts(one_or_none.by_category) == [(category, None)]
        assert counts(one_or_none.by_group) == [(g, None) for g in GROUPS]


def test_filed_and_exited_follow_the_procedure_and_as_of_counts_the_past(service):
    ids = filed(service, 6)
    exited = service.transition(
        staff("hebei", "approver"), ids[0], "exit", 5, D("2026-11-02"), "生活已稳定"
    )
    assert exited.status == "exited"

    def hebei(as_of=None):
        [s] = service.statistics(NATIONAL, ["hebei"], as_of)
        return (s.open_cases, s.filed_cases, s.exited_cases, counts(s.by_category))

    assert hebei() == (5, 5, None, [("tekun", 5)])  # as the files stand; 1 exit is null
    assert hebei(D("2026-11-20")) == hebei(D("2027-01-01")) == hebei()
    assert hebei(D("2026-11-02")) == hebei()  # the exit's own day
    assert hebei(D("2026-11-01")) == (6, 6, None, [("tekun", 6)])  # before the exit
    assert hebei(D("2026-10-12")) == (6, 6, None, [("tekun", 6)])  # filed that day
    assert hebei(D("2026-10-10")) == (6, 6, None, [("tekun", 6)])  # approved: admitted
    assert hebei(D("2026-10-01")) == (6, None, None, [("tekun", 6)])  # in public notice
    assert hebei(D("2026-09-23")) == (None, None, None, [("tekun", None)])  # none opened


def test_new_facts_waiting_for_a_second_person_are_not_counted(service):
    from tests.casefile_samples import COMFORTABLE

    for number in filed(service, 5):  # then each caseworker enters a comfortable household
        case = service.get_case(staff("hebei", "admin"), number)
        service.transition(
            staff("hebei", "caseworker"),
            number,
            "update_facts",
            case.version,
            D("2026-11-02"),
            household=COMFORTABLE,
        )

    def tekun(as_of=None):
        [s] = service.statistics(NATIONAL, ["hebei"], as_of)
        return counts(s.by_category)

    assert tekun() == tekun(D("2026-11-10")) == [("tekun", 5)]  # the approved facts count


def test_statistics_are_aggregates_no_file_is_loaded(service, session):
    filed(service, 5)
    loaded: list[object] = []
    statements: list[str] = []

    def on_load(target, _context):
        loaded.append(target)

    def on_execute(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.lower().split()))

    engine = session.get_bind()
    event.listen(CaseFile, "load", on_load)
    event.listen(CaseEvent, "load", on_load)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        service.statistics(NATIONAL)
        service.statistics(NATIONAL, None, D("2026-10-01"))
        service.statistics(staff("hebei", "admin"))
    finally:
        event.remove(CaseFile, "load", on_load)
        event.remove(CaseEvent, "load", on_load)
        event.remove(engine, "before_cursor_execute", on_execute)
    assert loaded == []
    reads = [s for s in statements if "case" in s]
    assert reads
    for statement in reads:  # counts, or the tallies kept (migration 0020): counts too
        counted = ("count(", "bangfu_case_figures(", "from case_tallies")
        assert any(c in statement for c in counted), statement


def test_who_sees_which_statistics(service):
    filed(service, 5)
    national = service.statistics(NATIONAL)
    assert {s.tenant for s in national} == {"hebei", "gansu", "demo_city"}
    asked = service.statistics(NATIONAL, ["gansu", "hebei", "gansu"])
    assert [s.tenant for s in asked] == ["gansu", "hebei"]  # as asked, once each
    assert service.statistics(staff("national", "admin"), ["hebei"])[0].filed_cases == 5
    [national_row] = service.statistics(NATIONAL, ["national"])  # keeps no files
    assert national_row.open_cases is None and national_row.by_group == ()
    refused(NOT_FOUND, service.statistics, NATIONAL, ["atlantis"])
    # a tenant's own roles: their tenant only, whichever they ask for
    for role in ("caseworker", "reviewer", "approver", "chairman", "admin"):
        [own] = service.statistics(staff("hebei", role))
        assert (own.tenant, own.filed_cases) == ("hebei", 5)
    assert [s.tenant for s in service.statistics(staff("hebei", "admin"), ["hebei"])] == ["hebei"]
    refused(FORBIDDEN, service.statistics, staff("hebei", "admin"), ["gansu"])
    refused(FORBIDDEN, service.statistics, staff("hebei", "admin"), ["hebei", "demo_city"])
    refused(FORBIDDEN, service.statistics, staff("demo_city", "admin"), ["hebei"])
    refused(UNAUTHENTICATED, service.statistics, None)


def test_statistics_over_graphql(caller):
    hebei = caller("hebei", "caseworker")
    for _ in range(5):
        hebei.ok(OPEN, tenant="hebei", h=ILL, on="2026-09-30")
    national = caller("national", "national")
    [stats] = national.ok(STATISTICS, tenants=["hebei"])
    assert (stats["openCases"], stats["filedCases"], stats["exitedCases"]) == (5, None, None)
    assert stats["byCategory"] == [{"key": "tekun", "count": 5}]
    assert [g["key"] for g in stats["byGroup"]] == list(GROUPS)
    [before] = national.ok(STATISTICS, tenants=["hebei"], asOf="2026-09-29")
    assert before["openCases"] is None
    assert before["byCategory"] == [{"key": "tekun", "count": None}]
    assert [s["tenant"] for s in hebei.ok(STATISTICS)] == ["hebei"]
    hebei.refused("FORBIDDEN", STATISTICS, tenants=["gansu"])
    national.refused("NOT_FOUND", STATISTICS, tenants=["atlantis"])
    caller().refused("UNAUTHENTICATED", STATISTICS)
