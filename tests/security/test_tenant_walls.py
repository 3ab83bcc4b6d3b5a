"""The application's wall between tenants, on SQLite and PostgreSQL: every ORM query of a
bound session is scoped to its tenant, another tenant's case answers exactly like a
missing one, parent and child tenants do not see each other's cases, and the national
level sees no case at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, inspect, select, update

from core.auth.accounts import create_user
from core.auth.sessions import start_session
from core.cases.service import CaseService
from core.db.models import (
    AccessAudit,
    Assignment,
    Base,
    CaseEvent,
    CaseFile,
    DeadlineTally,
    ReviewDecision,
    ReviewRun,
    TargetBaseline,
    TenantReport,
    TenantScoped,
)
from core.db.session import TenantMismatch, session_factory, tenant_scope
from core.review import run_review
from tests.casefile_samples import ILL, D, staff
from tests.security.conftest import MOVE, OPEN, READ, STATISTICS

#: one person each: one person has one open file at a time (不重复建档)
ID_NUMBERS = {"hebei": "11010519491231002X", "gansu": "110105198001010032"}


def tenant_models() -> list[type]:
    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]


@pytest.fixture
def two_tenants(database_url, registry):
    """Files, history, assignments, identities, review runs and decisions, audit rows,
    staff sessions and staff accounts, the ledger, a job, rosters, differences and
    evidence documents of hebei and gansu."""
    with session_factory(database_url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-11-20"))
        for tenant in ("hebei", "gansu"):
            applicant = {**ILL["members"][0], "idNumber": ID_NUMBERS[tenant]}
            with_id = {**ILL, "members": [applicant]}
            case = service.open_case(
                staff(tenant, "caseworker"), tenant, with_id, on=D("2026-09-30")
            )
            _verification_and_evidence(session, registry, tenant, case)
            service.find_case(staff(tenant, "admin"), "999999")  # an audit row
            service.find_case(staff(tenant, "admin"), case.id)  # a read recorded
            run_review(session, registry, tenant, D("2026-10-30"))
            start_session(session, staff(tenant, "reviewer"), via="password")  # a sign-in
            create_user(  # a staff account
                session, tenant, "reviewer", "reviewer", "a long password", set(registry.tenants)
            )
            with tenant_scope(session, tenant):  # a report sent up (counts only)
                session.add(
                    TenantReport(
                        tenant=tenant,
                        report="quarterly_report",
                        period="2026-Q3",
                        period_start=D("2026-07-01"),
                        period_end=D("2026-09-30"),
                        due_on=D("2026-10-15"),
                        submitted_on=D("2026-10-14"),
                        submitted_by=f"approver.{tenant}",
                        counts={"files.open": 1},
                    )
                )
                if tenant == "hebei":  # gansu's baseline is kept by its first file's opening
                    session.add(TargetBaseline(tenant=tenant, baseline=D("2026-01-01")))
                # a day whose files have all moved on (gansu's file has no deadline left)
                session.merge(DeadlineTally(tenant=tenant, due_on=D("2026-01-05"), n=0))
                session.commit()
            assert case.tenant == tenant
            _funds(session, registry, tenant, int(case.id))
            _a_job(database_url, registry, tenant)
        yield session


def _verification_and_evidence(session, registry, tenant: str, case) -> None:
    """A roster (its rows), the difference it finds on the file, and a document on it."""
    import tempfile
    from pathlib import Path

    from core.evidence.documents import Evidence
    from core.evidence.storage import DatabaseStore
    from core.verification.service import VerificationService

    today = lambda: D("2026-11-20")
    document = b"%PDF-1.4\n% a bill\n%%EOF\n"
    Evidence(session, registry, today, DatabaseStore()).upload(
        staff(tenant, "caseworker"), case.id, case.version, "medical_bill", document
    )
    with tempfile.TemporaryDirectory() as folder:
        roster = Path(folder) / "roster.csv"
        roster.write_text(
            f"身份证号,养老保险,失业保险,缴费基数\n{ID_NUMBERS[tenant]},是,否,9000\n",
            encoding="utf-8",
        )
        VerificationService(session, registry, today).import_roster(
            staff(tenant, "admin"), "social_security", str(roster), D("2026-10-31"), "函"
        )


def _a_job(url: str, registry, tenant: str) -> None:
    """A payment run queued as a job (left queued: no worker runs it here)."""
    from core.jobs import queue

    params = {"period": "2026", "source": "government"}
    who = staff(tenant, "caseworker")
    queue.start(url, registry, who, "payment_run", params, 0, run_here=False)


def _funds(session, registry, tenant: str, case_id: int) -> None:
    """A receipt (ledger entries), a payment run and a payment of ``tenant``."""
    from core.funds.models import FundPayment, FundRun
    from core.funds.service import FundsService

    funds = FundsService(session, registry, today=lambda: D("2026-11-20"))
    funds.record_receipt(staff(tenant, "admin"), 2026, "government", 100_00, "doc")
    event = session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case_id))
    run = FundRun(
        tenant=tenant,
        period="2026",
        year=2026,
        source="government",
        cadence="YEARLY",
        started_by="x",
    )
    session.add(run)
    session.flush()
    session.add(
        FundPayment(
            tenant=tenant,
            case_id=case_id,
            determination_id=event,
            determined_on=D("2026-09-30"),
            ruleset="r",
            programme="living_relief",
            period="2026",
            period_key="2026",
            year=2026,
            source="government",
            amount_fen=1,
            status="proposed",
            run_id=run.id,
            proposed_by="x",
            proposed_on=D("2026-11-20"),
            sendings=0,
            version=1,
        )
    )
    _in_kind_and_documents(session, tenant, case_id, event)
    session.commit()


def _in_kind_and_documents(session, tenant: str, case_id: int, event: int) -> None:
    """A row of each table issue 19 added: a document, an account, stock, a voucher, a
    distribution list and its line."""
    from core.funds.models import (
        BenefitDocument,
        DistributionLine,
        DistributionList,
        PayeeAccount,
        StockItem,
        Voucher,
    )

    on = D("2026-11-20")
    session.add(
        BenefitDocument(
            tenant=tenant, case_id=case_id, determination_id=event, programme="x",
            form="TAX_RELIEF", period="2026", period_key="2026", amount_fen=1, text="证明",
            issued_by="x", issued_on=on,
        )
    )  # fmt: skip
    session.add(
        PayeeAccount(
            tenant=tenant, case_id=case_id, sealed="v1.x", masked="6222****0123",
            recorded_by="x", recorded_on=on,
        )
    )  # fmt: skip
    item = StockItem(
        tenant=tenant, year=2026, source="donation", kind="voucher", name="券", unit="张",
        quantity=1, unit_cost_fen=1, supplier="s", document="d", journal="j" * 32,
        received_on=on, recorded_by="x",
    )  # fmt: skip
    # (another period than the payment's: relief is given once a period, in one form)
    listed = DistributionList(
        tenant=tenant, programme="living_relief", period="2025", title="t", made_by="x",
        made_on=on,
    )  # fmt: skip
    session.add_all([item, listed])
    session.flush()
    line = DistributionLine(
        tenant=tenant, list_id=listed.id, case_id=case_id, determination_id=event,
        programme="living_relief", period_key="2025", item_id=item.id, quantity=1,
        amount_fen=1, status="listed",
    )  # fmt: skip
    session.add(line)
    session.flush()
    session.add(Voucher(tenant=tenant, item_id=item.id, serial=f"{tenant}-1", line_id=line.id))


def test_every_table_with_a_tenant_column_is_a_tenant_scoped_model():
    scoped = {m.__table__.name for m in tenant_models()}
    with_column = {t.name for t in Base.metadata.sorted_tables if "tenant" in t.c}
    # tokens are read before anyone's tenant is known: the one table outside the walls
    assert with_column - scoped == {"api_tokens"}
    assert {"review_decisions", "access_audit"} <= scoped


def test_a_bound_session_reads_only_its_tenant_of_every_model(two_tenants):
    session = two_tenants
    models = tenant_models()
    assert {m.__name__ for m in models} >= {
        "CaseFile",
        "CaseEvent",
        "Assignment",
        "MemberIdentity",
        "ReviewRun",
        "ReviewDecision",
        "AccessAudit",
    }
    for model in models:
        every = session.scalars(select(model)).all()
        assert {r.tenant for r in every} == {"hebei", "gansu"}, model
        with tenant_scope(session, "gansu"):
            rows = session.scalars(select(model).execution_options(populate_existing=True)).all()
            assert rows and {r.tenant for r in rows} == {"gansu"}, model
            # also through a query that names columns, a count, or a join
            tenants = session.scalars(select(model.tenant)).all()
            assert set(tenants) == {"gansu"}, model
    with tenant_scope(session, "gansu"):
        joined = session.execute(
            select(CaseFile.tenant, CaseEvent.tenant).join(
                CaseEvent, CaseEvent.case_id == CaseFile.id
            )
        ).all()
        assert joined and set(joined) == {("gansu", "gansu")}


def test_orm_updates_and_deletes_of_a_bound_session_touch_only_its_tenant(two_tenants):
    session = two_tenants
    with tenant_scope(session, "gansu"):
        changed = session.execute(
            update(CaseFile).values(urgent=True).execution_options(synchronize_session=False)
        )
        assert changed.rowcount == 1
        gone = session.execute(
            delete(Assignment).execution_options(synchronize_session=False)
        ).rowcount
        assert gone == 1
    session.commit()
    urgent = dict(session.execute(select(CaseFile.tenant, CaseFile.urgent)).all())
    assert urgent == {"gansu": True, "hebei": False}
    assert session.scalars(select(Assignment.tenant)).all() == ["hebei"]


def test_a_bound_session_refuses_to_write_a_row_of_another_tenant(two_tenants):
    session = two_tenants
    hebei_case = session.scalars(select(CaseFile).where(CaseFile.tenant == "hebei")).one()
    with tenant_scope(session, "gansu"):
        session.add(
            Assignment(
                tenant="hebei", case_id=hebei_case.id, user="x", duty="d", since=D("2026-01-01")
            )
        )
        with pytest.raises(TenantMismatch):
            session.flush()
        session.rollback()
        with pytest.raises(TenantMismatch):
            session.execute(
                insert(AccessAudit),
                [dict(tenant="hebei", user="x", role="r", action="a", target="t", outcome="o")],
            )
        session.rollback()
        run = session.scalars(select(ReviewRun)).one()  # gansu's
        with pytest.raises(TenantMismatch):
            session.add(
                ReviewRun(
                    tenant="hebei",
                    as_of=D("2027-01-01"),
                    period="x",
                    ruleset="x",
                    plugin_versions={},
                    started_at=datetime.now(UTC),
                    finished_at=datetime.now(UTC),
                )
            )
            session.flush()
        session.rollback()
        assert run.tenant == "gansu"
    assert session.scalar(select(ReviewDecision.tenant).limit(1)) in {"hebei", "gansu"}


def test_on_sqlite_the_application_wall_is_the_only_wall(database_url, two_tenants):
    """Documented limit: a Core or text() statement is not scoped by the application; on
    PostgreSQL row-level security scopes it (tests/security/test_rls.py), on SQLite
    nothing does, so the repositories name the tenant in every such statement."""
    if not database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL row-level security is the second wall")
    session = two_tenants
    with tenant_scope(session, "gansu"):
        core = session.connection().execute(select(CaseFile.__table__.c.tenant)).scalars().all()
    assert sorted(core) == ["gansu", "hebei"]
    assert inspect(session.get_bind()).get_table_names()  # (it is a real database)


# --------------------------------------------------------------------------- over GraphQL
def _without(value, needle: str, stand_in: str = "<id>"):
    """``value`` (an error) with every occurrence of ``needle`` replaced."""
    if isinstance(value, dict):
        return {k: _without(v, needle, stand_in) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, needle, stand_in) for v in value]
    if isinstance(value, str):
        return value.replace(needle, stand_in)
    return value


def test_another_tenants_case_answers_exactly_like_a_missing_one(caller):
    gansu_case = caller("gansu", "caseworker").ok(OPEN, tenant="gansu", h=ILL, on="2026-09-30")
    hebei = caller("hebei", "admin")
    other, missing = gansu_case["id"], "987654"
    # read: null without an error, both
    assert hebei(READ, id=other) == hebei(READ, id=missing) == {"data": {"case": None}}
    # change: the same NOT_FOUND, message and details, apart from the id itself
    refused_other = hebei(MOVE, id=other, action="review", v=1)
    refused_missing = hebei(MOVE, id=missing, action="review", v=1)
    assert refused_other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert _without(refused_other, other) == _without(refused_missing, missing)
    # and with a stale version, a bad action or a wrong household: still nothing told
    for variables in ({"v": 7}, {"action": "fly"}, {"h": ILL, "action": "update_facts"}):
        args = {"action": "review", "v": 1, **variables}
        a, b = hebei(MOVE, id=other, **args), hebei(MOVE, id=missing, **args)
        assert _without(a, other) == _without(b, missing), variables
    assert caller("gansu", "caseworker").ok(READ, id=other)["version"] == 1


@pytest.mark.parametrize(("reader", "owner"), [("demo_city", "hebei"), ("hebei", "demo_city")])
def test_parent_and_child_tenants_do_not_see_each_others_cases(caller, reader, owner):
    case = caller(owner, "caseworker").ok(OPEN, tenant=owner, h=ILL, on="2026-09-30")
    them = caller(reader, "admin")
    assert them.ok(READ, id=case["id"]) is None
    them.refused("NOT_FOUND", MOVE, id=case["id"], action="review", v=1)
    them.refused("FORBIDDEN", f'{{ cases(tenant: "{owner}") {{ id }} }}')
    them.refused("FORBIDDEN", f'{{ overdueCases(tenant: "{owner}") {{ id }} }}')
    them.refused("FORBIDDEN", OPEN, tenant=owner, h=ILL)
    them.refused("FORBIDDEN", STATISTICS, tenants=[owner])
    assert them.ok(f'{{ cases(tenant: "{reader}") {{ id }} }}') == []
    assert caller(owner, "reviewer").ok(READ, id=case["id"])["version"] == 1


def test_the_national_level_reads_no_case_and_changes_none(caller):
    case = caller("hebei", "caseworker").ok(OPEN, tenant="hebei", h=ILL, on="2026-09-30")
    national = caller("national", "national")
    national.refused("FORBIDDEN", READ, id=case["id"])
    national.refused("FORBIDDEN", READ, id="987654")  # the same for a missing one
    national.refused("FORBIDDEN", '{ cases(tenant: "hebei") { id } }')
    national.refused("FORBIDDEN", '{ overdueCases(tenant: "hebei") { id } }')
    national.refused("FORBIDDEN", OPEN, tenant="hebei", h=ILL)
    national.refused("FORBIDDEN", MOVE, id=case["id"], action="review", v=1)
    stats = national.ok(STATISTICS)
    assert {s["tenant"] for s in stats} == {"hebei", "gansu", "demo_city"}
    assert caller("hebei", "reviewer").ok(READ, id=case["id"])["version"] == 1
