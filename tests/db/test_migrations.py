"""Migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from core.db.migrate import current_revision, downgrade, head_revision, is_up_to_date, upgrade
from core.db.models import Base, CaseFile
from core.db.session import engine_for, session_factory
from core.db.setup import prepare_database


def test_the_database_is_at_the_newest_migration(database_url):
    assert current_revision(database_url) == head_revision()
    assert is_up_to_date(database_url)


def test_the_migrations_match_the_models(database_url):
    with engine_for(database_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_constraints_are_named_by_the_convention(database_url):
    inspector = inspect(engine_for(database_url))
    assert inspector.get_pk_constraint("cases")["name"] == "pk_cases"
    [fk] = inspector.get_foreign_keys("case_events")
    assert fk["name"] == "fk_case_events_case_id_cases"
    unique = {u["name"] for u in inspector.get_unique_constraints("review_runs")}
    assert "uq_review_runs_tenant_as_of" in unique


def test_every_case_table_carries_the_tenant(database_url):
    inspector = inspect(engine_for(database_url))
    for table in ("cases", "case_events", "assignments", "member_identities", "review_runs"):
        assert "tenant" in {c["name"] for c in inspector.get_columns(table)}, table


def test_down_to_nothing_and_up_again(database_url):
    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert "cases" not in inspect(engine_for(database_url)).get_table_names()
    upgrade(database_url)
    assert is_up_to_date(database_url)


def test_upgrade_twice_is_harmless(database_url):
    upgrade(database_url)
    upgrade(database_url)
    assert is_up_to_date(database_url)


def test_prepare_database_loads_the_demo_once(database_url):
    assert prepare_database(database_url) is True
    with session_factory(database_url)() as session:
        rows = session.scalars(select(CaseFile)).all()
    tenants = {r.tenant for r in rows}
    assert tenants == {"hebei", "gansu", "demo_city"}
    assert len({(r.tenant, r.status) for r in rows}) >= 10  # varied states
    assert prepare_database(database_url) is False  # not empty any more: nothing loaded
    with session_factory(database_url)() as session:
        assert len(session.scalars(select(CaseFile)).all()) == len(rows)


def test_prepare_database_without_demo(database_url):
    assert prepare_database(database_url, demo=False) is False
    with session_factory(database_url)() as session:
        assert session.scalars(select(CaseFile)).first() is None


def test_0015_fills_the_worklist_columns_of_files_there_are(database_url, registry):
    """Files opened before migration 0015 get their applicant and their members' name keys
    from their households, and their turn marked to be worked out ("?")."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from core.cases.service import CaseService
    from core.db.migrate import alembic_config
    from tests.casefile_samples import staff

    with session_factory(database_url)() as session:
        household = {
            "members": [
                {"name": "Ｗａｎｇ Ｌｉ", "relation": "APPLICANT"},
                {"name": "王小明", "relation": "CHILD", "age": 9},
            ]
        }
        CaseService(session, registry).open_case(staff("hebei", "caseworker"), "hebei", household)
    before = ScriptDirectory.from_config(alembic_config(database_url)).get_revision("0015")
    downgrade(database_url, before.down_revision)
    upgrade(database_url)
    with engine_for(database_url).connect() as connection:
        applicant, turn = connection.execute(text("select applicant, turn from cases")).one()
        keys = connection.execute(
            text("select member_index, name_key from member_names order by member_index")
        ).all()
    assert (applicant, turn) == ("Ｗａｎｇ Ｌｉ", "?")
    assert [tuple(k) for k in keys] == [(0, "wang li"), (1, "王小明")]  # NFKC, case-folded


def test_0017_carries_over_the_ground_g_of_files_there_are(database_url, registry):
    """A file admitted on (g) before 0017 kept the ground only as its summary (``grounds``
    "g", from the reviewer's comment): after 0017 it carries it, so its relief goes on."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from core.cases.service import CaseService
    from core.db.migrate import alembic_config
    from tests.casefile_samples import staff

    with session_factory(database_url)() as session:
        for name in ("冯英", "郑伟"):
            household = {"members": [{"name": name, "relation": "APPLICANT"}]}
            CaseService(session, registry).open_case(
                staff("hebei", "caseworker"), "hebei", household
            )
    with engine_for(database_url).begin() as connection:
        connection.execute(text("update cases set grounds = 'g' where applicant = '冯英'"))
    before = ScriptDirectory.from_config(alembic_config(database_url)).get_revision("0017")
    downgrade(database_url, before.down_revision)
    upgrade(database_url)
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(
            text("select applicant, recorded_grounds from cases order by applicant")
        ).all()
    assert sorted(tuple(r) for r in rows) == sorted([("冯英", "g"), ("郑伟", "")])
