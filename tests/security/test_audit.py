"""Every refused access to case data is recorded in ``access_audit`` (no personal data),
in a transaction of its own, while the caller's answer stays exactly that of a missing
case. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, select

from core.cases.service import CaseService
from core.db.models import AccessAudit
from core.db.session import engine_for, session_factory
from core.errors import NOT_FOUND, BangfuError
from tests.casefile_samples import ILL, D, staff
from tests.security.conftest import MOVE, OPEN, READ, STATISTICS, row_counts


def audit(url: str) -> list[tuple]:
    with session_factory(url)() as session:
        rows = session.scalars(select(AccessAudit).order_by(AccessAudit.id)).all()
        return [(a.tenant, a.user, a.role, a.action, a.target, a.outcome) for a in rows]


def test_reading_another_tenants_case_is_recorded_once_and_answered_as_missing(
    caller, database_url
):
    case = caller("gansu", "caseworker").ok(OPEN, tenant="gansu", h=ILL, on="2026-09-30")
    hebei = caller("hebei", "reviewer")
    assert audit(database_url) == []
    assert hebei(READ, id=case["id"]) == hebei(READ, id="987654") == {"data": {"case": None}}
    assert audit(database_url) == [
        ("hebei", "reviewer.hebei", "reviewer", "case", case["id"], "not_found"),
        ("hebei", "reviewer.hebei", "reviewer", "case", "987654", "not_found"),
    ]
    with session_factory(database_url)() as session:
        [first] = session.scalars(select(AccessAudit).limit(1)).all()
        assert first.at is not None


def test_a_refused_change_is_recorded_although_the_request_rolls_back(caller, database_url):
    case = caller("gansu", "caseworker").ok(OPEN, tenant="gansu", h=ILL, on="2026-09-30")
    before = row_counts(database_url)
    caller("demo_city", "admin").refused("NOT_FOUND", MOVE, id=case["id"], action="review", v=1)
    caller("hebei", "caseworker").refused("FORBIDDEN", OPEN, tenant="gansu", h=ILL)
    caller("national", "national").refused("FORBIDDEN", READ, id=case["id"])
    caller("hebei", "admin").refused("FORBIDDEN", '{ cases(tenant: "gansu") { id } }')
    caller("hebei", "admin").refused("FORBIDDEN", STATISTICS, tenants=["gansu"])
    after = row_counts(database_url)
    assert after["access_audit"] == before["access_audit"] + 5
    assert {k: v for k, v in after.items() if k != "access_audit"} == {
        k: v for k, v in before.items() if k != "access_audit"
    }
    assert [(a[0], a[3], a[4], a[5]) for a in audit(database_url)] == [
        ("demo_city", "transition", case["id"], "not_found"),
        ("hebei", "openCase", "gansu", "forbidden"),
        ("national", "case", case["id"], "forbidden"),
        ("hebei", "cases", "gansu", "forbidden"),
        ("hebei", "statistics", "gansu", "forbidden"),
    ]


def test_the_audit_holds_no_personal_data(database_url, registry):
    columns = {c["name"] for c in inspect(engine_for(database_url)).get_columns("access_audit")}
    assert columns == {"id", "tenant", "user", "role", "action", "target", "outcome", "at"}
    with session_factory(database_url)() as session:
        service = CaseService(session, registry)
        hebei = staff("hebei", "admin")
        # whatever a caller types where a case id goes is cut short, and an ID number masked
        assert service.find_case(hebei, "11010519491231002X") is None
        assert service.find_case(hebei, "x" * 500) is None
        try:
            service.transition(hebei, "身份证11010519491231002X", "review", 1, D("2026-10-08"))
        except BangfuError as error:
            assert error.code == NOT_FOUND
    targets = [row[4] for row in audit(database_url)]
    assert targets == ["**************002X", "x" * 64, "身份证**************002X"]


def test_a_failure_to_record_does_not_change_the_answer(
    database_url, registry, monkeypatch, caplog
):
    from core.db import repositories

    def broken(*_args, **_kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(repositories, "AccessAudit", broken)
    with session_factory(database_url)() as session:
        service = CaseService(session, registry)
        assert service.find_case(staff("hebei", "admin"), "42") is None
    assert "could not record a refused case" in caplog.text
    assert audit(database_url) == []
