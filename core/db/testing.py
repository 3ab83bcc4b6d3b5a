"""Isolated databases for tests: a SQLite file per test, a PostgreSQL database per session.

SQLite: the migrations run once into a template file, and each test gets a copy of it.
PostgreSQL (``$BANGFU_TEST_POSTGRES_URL``, default the local server): one uniquely named
database per test session, migrated once and emptied before each test, dropped at the
end. When PostgreSQL does not answer, its tests are skipped, never failed.

The PostgreSQL URL is the owner's (a superuser on the test server, which bypasses
row-level security). :func:`postgres_app_url` gives the same database as the serving
role ``bangfu_app``, which does not: the tests of the database wall connect with it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import settings
from core.db.migrate import upgrade
from core.db.models import Base
from core.db.session import dispose_engine, engine_for

POSTGRES_ENV = settings.env_name("test_postgres_url")
DEFAULT_POSTGRES = settings.DEFAULT_TEST_POSTGRES


def postgres_admin_url() -> str:
    return settings.get("test_postgres_url")


def postgres_available(url: str | None = None) -> str | None:
    """None when PostgreSQL answers at ``url``; else why not."""
    engine = create_engine(url or postgres_admin_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return None
    except Exception as exc:  # any failure to connect means: skip
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()


def sqlite_template(folder: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = folder / "template.db"
    if not path.exists():
        url = f"sqlite:///{path}"
        upgrade(url)
        dispose_engine(url)
    return path


@contextmanager
def sqlite_database(template: Path, folder: Path) -> Iterator[str]:
    path = folder / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    try:
        yield url
    finally:
        dispose_engine(url)


@contextmanager
def postgres_database(admin_url: str | None = None, migrate: bool = True) -> Iterator[str]:
    """A new PostgreSQL database, migrated unless ``migrate`` is False, dropped on exit."""
    admin = make_url(admin_url or postgres_admin_url())
    name = f"bangfu_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        dispose_engine(url)
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


APP_ROLE = "bangfu_app"  #: the serving role of migration 0002


def postgres_app_url(owner_url: str) -> str:
    """``owner_url``'s database as the serving role ``bangfu_app``.

    Migration 0002 creates the role without LOGIN; here it may log in (no password is
    set: the test server trusts local connections; a production operator gives it a
    password). Raises when the role cannot connect.
    """
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            can_login = connection.scalar(
                text("select rolcanlogin from pg_roles where rolname = :r"), {"r": APP_ROLE}
            )
            if can_login is None:
                raise RuntimeError(f"no role {APP_ROLE}: was migration 0002 applied?")
            if not can_login:
                # another test process may do it at the same moment: either is fine
                with suppress(Exception):
                    connection.execute(text(f"ALTER ROLE {APP_ROLE} LOGIN"))
    finally:
        engine.dispose()
    url = make_url(owner_url).set(username=APP_ROLE, password=None)
    return url.render_as_string(hide_password=False)


def empty_database(url: str) -> None:
    """Delete every row (PostgreSQL: one TRUNCATE, identities restarted)."""
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine_for(url).begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            # TRUNCATE makes new files for every table: on a slow disk (a checkpoint
            # writing for minutes) it outlasted the application's statement timeout
            connection.execute(text("SET LOCAL statement_timeout = 0"))
            # a test's answer read after its session closed (a view's history read last)
            # opens a transaction nobody ends until the view is collected: TRUNCATE would
            # wait for it forever. This database is the test session's own.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state LIKE 'idle in transaction%'"
                )
            )
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
