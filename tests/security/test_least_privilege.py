"""Least privilege on PostgreSQL 15 (issue 8): the migrations run as an owner that is no
superuser, the serving role may only append to the history and may not write tokens, and
the statistics run through functions owned by a role of their own."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.cases.service import CaseService
from core.db.migrate import upgrade
from core.db.session import dispose_engine, session_factory
from core.db.testing import postgres_admin_url, postgres_app_url, postgres_available
from tests.casefile_samples import ILL, D, staff

pytestmark = pytest.mark.postgres


@pytest.fixture
def owned_database():
    """A fresh database owned by a NOSUPERUSER CREATEROLE role, migrated by that role
    (the grants README "Security" lists)."""
    why = postgres_available()
    if why:
        pytest.skip(f"PostgreSQL does not answer ({why})")
    suffix = uuid.uuid4().hex[:10]
    owner, name = f"bangfu_owner_{suffix}", f"bangfu_test_owned_{suffix}"
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEDB CREATEROLE NOBYPASSRLS"))
        c.execute(text(f'CREATE DATABASE "{name}" OWNER {owner}'))
        # the one thing a superuser grants (PostgreSQL 15): functions of 0002 carry
        # `SET app.scope`, and only a superuser or a holder of this may declare that
        c.execute(text(f"GRANT SET ON PARAMETER app.scope TO {owner}"))
    url = make_url(postgres_admin_url()).set(database=name, username=owner, password=None)
    url = url.render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f"REVOKE SET ON PARAMETER app.scope FROM {owner}"))
            c.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        admin.dispose()


def test_a_non_superuser_owner_migrates_and_the_serving_role_is_least_privileged(
    owned_database, registry
):
    upgrade(owned_database)
    engine = create_engine(owned_database)
    with engine.connect() as c:
        assert c.scalar(text("select rolsuper from pg_roles where rolname = current_user")) is False

        def may(table: str, privilege: str) -> bool:
            return c.scalar(
                text("select has_table_privilege('bangfu_app', :t, :p)"),
                {"t": table, "p": privilege},
            )

        assert [may("case_events", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE")] == [
            True,
            True,
            False,
            False,
        ]
        assert [may("api_tokens", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE")] == [
            True,
            False,
            False,
            False,
        ]
        assert not may("cases", "DELETE") and may("cases", "UPDATE")
        functions = c.execute(
            text(
                "select proname, pg_get_userbyid(proowner), prosecdef from pg_proc "
                "where proname in ('bangfu_case_counts', 'bangfu_has_cases') order by 1"
            )
        ).all()
        assert functions == [
            ("bangfu_case_counts", "bangfu_stats", True),
            ("bangfu_has_cases", "bangfu_stats", True),
        ]
        # the statistics role reads no row outside its functions' scope, and cannot log in
        stats = c.execute(
            text("select rolcanlogin, rolbypassrls from pg_roles where rolname = 'bangfu_stats'")
        ).one()
        assert tuple(stats) == (False, False)
    engine.dispose()

    # serving: files open and count through the serving role
    app_url = postgres_app_url(owned_database)
    try:
        with session_factory(app_url)() as session:
            service = CaseService(session, registry, today=lambda: D("2026-11-20"))
            for _ in range(5):
                service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-11-02"))
            national = staff("national", "national")
            assert {s.tenant: s.open_cases for s in service.statistics(national)}["hebei"] == 5
            # and the serving role cannot take the statistics scope for itself
            for scope in ("statistics", "identity_check"):  # nor any other function's scope
                session.execute(text(f"select set_config('app.scope', '{scope}', false)"))
                assert session.execute(text("select count(*) from cases")).scalar() == 0
                assert session.execute(text("select count(*) from member_identities")).scalar() == 0
                session.rollback()
    finally:
        dispose_engine(app_url)
