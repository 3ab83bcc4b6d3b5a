"""Engines and sessions for SQLite (the default) and PostgreSQL (production).

One engine per database URL per process (:func:`engine_for`); sessions from
:func:`session_factory`. SQLite gets the pragmas that make it behave: foreign keys on,
WAL journal, a busy timeout. :func:`scope_to_tenant` adds the documented SQLAlchemy
recipe for global WHERE criteria (``do_orm_execute`` + ``with_loader_criteria``): an ORM
query in a tenant-bound session never returns another tenant's rows, even if a query
forgets its own filter. It does not cover Core statements; the repositories filter those
explicitly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from core.db.models import TenantScoped

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
TENANT_KEY = "bangfu.tenant"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (callers usually want the shared :func:`engine_for`)."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def engine_for(url: str) -> Engine:
    """The process's engine for ``url``."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url`` (tests, before dropping a database)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def scope_to_tenant(session: Session, tenant: str | None) -> Session:
    """Bind ``session`` to ``tenant``: its ORM queries see only that tenant's rows (None:
    unbound)."""
    if tenant is None:
        session.info.pop(TENANT_KEY, None)
    else:
        session.info[TENANT_KEY] = tenant
    return session


@contextmanager
def tenant_scope(session: Session, tenant: str | None) -> Iterator[Session]:
    """``session`` bound to ``tenant`` for the block, then bound as it was before."""
    before = session.info.get(TENANT_KEY)
    scope_to_tenant(session, tenant)
    try:
        yield session
    finally:
        scope_to_tenant(session, before)


@event.listens_for(Session, "do_orm_execute")
def _only_the_bound_tenant(state: ORMExecuteState) -> None:
    tenant = state.session.info.get(TENANT_KEY)
    if tenant is None or not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant == tenant, include_aliases=True)
    )
