"""The database's wall between tenants (PostgreSQL row-level security, migration 0002),
seen through the serving role ``bangfu_app``: raw SQL with no tenant set reads nothing,
with a tenant set reads only that tenant, and a row of another tenant cannot be written.
The whole application works through that role. (SQLite has no row-level security: these
tests are skipped there, and the application's filter is the only wall.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.cases.service import CaseService
from core.db import repositories
from core.db.models import AccessAudit, Base, TenantScoped
from core.db.session import session_factory, tenant_scope
from core.db.setup import prepare_database
from tests.casefile_samples import ILL, D, staff
from tests.security.conftest import OPEN, READ, STATISTICS, row_counts

pytestmark = pytest.mark.postgres

TENANT_TABLES = sorted(
    m.class_.__table__.name for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)
)


@pytest.fixture
def files(app_url, registry):
    """Six hebei files and five gansu files, opened through the serving role."""
    with session_factory(app_url)() as session:
        service = CaseService(session, registry, today=lambda: D("2026-11-20"))
        for tenant, n in (("hebei", 6), ("gansu", 5)):
            for _ in range(n):
                service.open_case(staff(tenant, "caseworker"), tenant, ILL, on=D("2026-09-30"))
    return app_url


def test_every_table_with_tenant_data_has_forced_row_level_security(app_url, database_url):
    with session_factory(database_url)() as session:
        tables = session.scalars(
            text(
                "select table_name from information_schema.columns "
                "where table_schema = 'public' and column_name = 'tenant'"
            )
        ).all()
        flags = dict(
            session.execute(
                text(
                    "select relname, relrowsecurity and relforcerowsecurity from pg_class "
                    "where relnamespace = 'public'::regnamespace and relkind = 'r'"
                )
            ).all()
        )
        policies = set(session.execute(text("select tablename, policyname from pg_policies")).all())
        role = session.execute(
            text(
                "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles "
                "where rolname = 'bangfu_app'"
            )
        ).one()
        owners = set(
            session.scalars(text("select tableowner from pg_tables where schemaname = 'public'"))
        )
    assert set(tables) - {"api_tokens"} == set(TENANT_TABLES)
    for table in TENANT_TABLES:
        assert flags[table] is True, f"{table}: row-level security not enabled and forced"
        assert (table, "tenant_isolation") in policies, table
    assert tuple(role) == (False, False, False, False)  # bypasses nothing, makes nothing
    assert "bangfu_app" not in owners


def test_raw_sql_without_a_tenant_reads_nothing_and_with_one_only_that_tenant(files):
    with session_factory(files)() as session:
        for table in TENANT_TABLES:
            assert session.execute(text(f"select * from {table}")).all() == [], table
        with tenant_scope(session, "gansu"):
            rows = session.execute(text("select * from cases")).mappings().all()
            assert len(rows) == 5 and {r["tenant"] for r in rows} == {"gansu"}
            for table in ("case_events", "assignments"):
                tenants = session.scalars(text(f"select tenant from {table}")).all()
                assert len(tenants) == 5 and set(tenants) == {"gansu"}, table
        # the setting is transaction-local: gone after the scope, and after a commit
        assert session.execute(text("select * from cases")).all() == []
        with tenant_scope(session, "hebei"):
            session.commit()
            assert len(session.execute(text("select * from cases")).all()) == 6
    with session_factory(files)() as fresh:  # a pooled connection carries nothing over
        assert fresh.execute(text("select count(*) from cases")).scalar() == 0


def test_rows_of_another_tenant_cannot_be_written(files, database_url):
    with session_factory(files)() as session, tenant_scope(session, "gansu"):
        connection = session.connection()
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(
                text(
                    'insert into access_audit (tenant, "user", role, action, target, outcome) '
                    "values ('hebei', 'x', 'admin', 'case', '1', 'not_found')"
                )
            )
        session.rollback()
        with pytest.raises(DBAPIError, match="row-level security"):
            session.connection().execute(text("update cases set tenant = 'hebei'"))
        session.rollback()
        # another tenant's rows are out of reach of UPDATE and DELETE: nothing matches
        assert (
            session.connection()
            .execute(text("update cases set urgent = true where tenant = 'hebei'"))
            .rowcount
            == 0
        )
        session.commit()
    counts = row_counts(database_url)
    assert counts["cases"] == 11 and counts["case_events"] == 11


def test_the_serving_role_cannot_rewrite_history_tokens_the_audit_or_the_schema(files):
    with session_factory(files)() as session, tenant_scope(session, "hebei"):
        for statement in (
            "delete from access_audit",
            "update access_audit set outcome = 'x'",
            # the history: insert and read only (0003)
            "delete from case_events",
            "update case_events set actor = 'x'",
            "delete from case_reads",
            "delete from cases",  # its history would go with it (ON DELETE CASCADE)
            # tokens are made by the owner through the CLI
            'insert into api_tokens (token_hash, tenant, role, "user") '
            "values ('x', 'national', 'national', 'x')",
            "update api_tokens set revoked_at = null",
            "alter table cases add column x int",
            "drop table cases",
            "alter table cases disable row level security",
        ):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                session.connection().execute(text(statement))
            session.rollback()
            session.connection()  # a new transaction, the tenant set again


def test_national_statistics_read_counts_through_the_aggregate_function_only(files):
    with session_factory(files)() as session:
        # no tenant: no row of any file, but the counts
        assert session.execute(text("select count(*) from cases")).scalar() == 0
        # the raw counts answer only for the transaction's own tenant (0018d); the figures,
        # suppressed below 5, for any
        assert repositories.case_counts(session, "hebei") == []
        figures = repositories.case_figures(session, "hebei", None, {"applied"}, set(), set())
        assert (figures.open, figures.filed, figures.exited) == (6, None, None)
        assert repositories.has_cases(session) is True
        # the statistics scope lasts as long as the function, not a moment more
        scope = session.execute(text("select current_setting('app.scope', true)")).scalar()
        assert scope in (None, "")
        assert session.execute(text("select count(*) from case_events")).scalar() == 0
    with session_factory(files)() as session:
        national = staff("national", "national")
        stats = CaseService(session, _registry()).statistics(national)
        by_tenant = {s.tenant: s.open_cases for s in stats}
        assert by_tenant == {"hebei": 6, "gansu": 5, "demo_city": None}


def _registry():
    from core.registry import load_registry

    return load_registry()


def test_the_application_serves_through_the_serving_role(serve, app_url, database_url):
    """GraphQL end to end with the database connection of ``bangfu_app``."""
    caller = serve(app_url, database_url)
    hebei = caller("hebei", "caseworker")
    cases = [hebei.ok(OPEN, tenant="hebei", h=ILL, on="2026-09-30") for _ in range(5)]
    assert hebei.ok(READ, id=cases[0]["id"])["tenant"] == "hebei"
    assert caller("gansu", "admin").ok(READ, id=cases[0]["id"]) is None
    assert caller("demo_city", "admin").ok(READ, id=cases[0]["id"]) is None
    stats = caller("national", "national").ok(STATISTICS, tenants=["hebei", "gansu"])
    assert [(s["tenant"], s["openCases"]) for s in stats] == [("hebei", 5), ("gansu", None)]
    caller("national", "national").refused("FORBIDDEN", READ, id=cases[0]["id"])
    with session_factory(database_url)() as owner:
        audit = owner.scalars(select(AccessAudit).order_by(AccessAudit.id)).all()
    assert [(a.tenant, a.action, a.outcome) for a in audit] == [
        ("gansu", "case", "not_found"),
        ("demo_city", "case", "not_found"),
        ("national", "case", "forbidden"),
    ]


def test_bangfu_serve_prepares_the_database_as_the_serving_role(app_url, database_url):
    """At the newest migration, ``prepare_database`` needs no DDL: the serving role loads
    the demonstration files (each through the case service, under row-level security) and
    knows the second time that the database is not empty."""
    assert prepare_database(app_url) is True
    assert prepare_database(app_url) is False
    counts = row_counts(database_url)
    assert counts["cases"] >= 10 and counts["case_events"] > counts["cases"]


def test_the_serving_role_cannot_migrate_and_is_told_who_can(app_url, database_url):
    from core.db.migrate import downgrade, is_up_to_date, upgrade

    downgrade(database_url, "0001")
    try:
        with pytest.raises(PermissionError, match="as the database owner"):
            upgrade(app_url)
    finally:
        upgrade(database_url)
    assert is_up_to_date(app_url)
