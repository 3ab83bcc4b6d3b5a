"""Engines and sessions for SQLite (the default) and PostgreSQL (production), and the two
walls between tenants.

One engine per database URL per process (:func:`engine_for`); sessions from
:func:`session_factory`. SQLite gets the pragmas that make it behave: foreign keys on,
WAL journal, a busy timeout.

A session is bound to a tenant with :func:`scope_to_tenant` (the case service does it for
every principal, the review for the tenant it reviews). A bound session has two walls:

1. **In the application** (every database): SQLAlchemy's documented recipe for global
   WHERE criteria ("Adding global WHERE / ON criteria": a ``do_orm_execute`` listener
   adding :func:`~sqlalchemy.orm.with_loader_criteria`) puts ``tenant = :bound`` on every
   ORM SELECT, UPDATE and DELETE of a :class:`~core.db.models.TenantScoped` model, even
   if a query forgets its own filter; an ORM INSERT or flush of a row of another tenant
   raises :class:`TenantMismatch`. Core statements on a connection and ``text()`` are not
   covered: the repositories filter those explicitly, and on PostgreSQL the second wall
   covers them.
2. **In the database** (PostgreSQL): row-level security (migration 0002) keyed on the
   transaction-local setting ``app.tenant``, which :func:`_set_tenant_setting` makes at
   the start of every transaction of a bound session (``after_begin``) and whenever the
   binding changes inside one. A transaction with no tenant sees no row of any tenant.
   This wall holds only when the application connects as a role that does not bypass
   row-level security (``bangfu_app``; not a superuser). SQLite has no such thing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    sessionmaker,
    with_loader_criteria,
)

from core import metrics
from core.db.models import TenantScoped
from core.settings import postgres_connect_args

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
TENANT_KEY = "bangfu.tenant"
#: The PostgreSQL setting the row-level security policies read (transaction-local).
TENANT_SETTING = "app.tenant"
_SET_TENANT = text("select set_config('app.tenant', :tenant, true)")


class TenantMismatch(RuntimeError):
    """A row of one tenant written through a session bound to another: a bug, refused."""


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
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        metrics.watch_pool(engine)
        return engine
    # No pool_pre_ping: it cost every checkout a round trip. A connection the server closed
    # meanwhile fails its request once; SQLAlchemy then discards the pool's connections
    # (a disconnect invalidates the pool) and the next request gets a fresh one. Connections
    # are also replaced after half an hour, before idle timeouts of proxies usually strike.
    # hide_parameters: an error's log line never quotes the (personal) values bound to it;
    # statement_timeout: $BANGFU_STATEMENT_TIMEOUT_MS (core.settings)
    engine = create_engine(
        url, pool_recycle=1800, hide_parameters=True, connect_args=postgres_connect_args()
    )
    metrics.watch_pool(engine)  # bangfu_db_connections
    return engine


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


_factories: dict[str, sessionmaker[Session]] = {}


def session_factory(url: str) -> sessionmaker[Session]:
    """The sessions of ``url``'s engine: one ``sessionmaker`` per engine, made once.

    A ``sessionmaker`` subclasses ``Session`` when made, and the first session of each new
    class builds that class's event dispatch: made per request, that cost a class, its
    listeners and the garbage they leave on every case request."""
    engine = engine_for(url)
    maker = _factories.get(url)
    if maker is None or maker.kw.get("bind") is not engine:  # new, or the engine replaced
        maker = _factories[url] = sessionmaker(engine, expire_on_commit=False)
    return maker


def rows_changed(result: object) -> int:
    """How many rows the UPDATE or DELETE a session executed changed: its result is a
    :class:`~sqlalchemy.CursorResult`, though ``Session.execute`` is typed to give any
    ``Result``."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} does not count changed rows")
    return result.rowcount


def scope_to_tenant(session: Session, tenant: str | None) -> Session:
    """Bind ``session`` to ``tenant``: its ORM queries see only that tenant's rows, and on
    PostgreSQL its transactions carry ``app.tenant`` (None: unbound, no tenant's rows
    under row-level security)."""
    before = session.info.get(TENANT_KEY)
    if tenant is None:
        session.info.pop(TENANT_KEY, None)
    else:
        session.info[TENANT_KEY] = tenant
    if tenant != before and session.in_transaction():  # begun: the setting follows now
        _set_in_open_transaction(session, tenant)
    return session


def bound_tenant(session: Session) -> str | None:
    return session.info.get(TENANT_KEY)


@contextmanager
def tenant_scope(session: Session, tenant: str | None) -> Iterator[Session]:
    """``session`` bound to ``tenant`` for the block, then bound as it was before."""
    before = session.info.get(TENANT_KEY)
    scope_to_tenant(session, tenant)
    try:
        yield session
    finally:
        scope_to_tenant(session, before)


# --------------------------------------------------------------------------- wall 1
def _tenant_criteria(tenant: str) -> Any:
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant == tenant, include_aliases=True
    )


def _check_rows(tenant: str, rows: Any) -> None:
    for row in rows if isinstance(rows, (list, tuple)) else [rows]:
        if isinstance(row, dict) and "tenant" in row and row["tenant"] != tenant:
            raise TenantMismatch(
                f"a row of tenant {row['tenant']!r} written by a session bound to {tenant!r}"
            )


@event.listens_for(Session, "do_orm_execute")
def _only_the_bound_tenant(state: ORMExecuteState) -> None:
    """SQLAlchemy's recipe: every ORM statement of a bound session carries the tenant."""
    tenant = state.session.info.get(TENANT_KEY)
    if tenant is None or state.is_column_load or state.is_relationship_load:
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(_tenant_criteria(tenant))
    elif state.is_insert:
        _check_rows(tenant, state.parameters)


@event.listens_for(Session, "before_flush")
def _no_row_of_another_tenant(session: Session, _context: Any, _instances: Any) -> None:
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        return
    for row in (*session.new, *session.dirty):
        if isinstance(row, TenantScoped) and row.tenant != tenant:
            raise TenantMismatch(
                f"a {type(row).__name__} of tenant {row.tenant!r} flushed by a session "
                f"bound to {tenant!r}"
            )


# --------------------------------------------------------------------------- wall 2
def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


@event.listens_for(Session, "after_begin")
def _set_tenant_setting(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    """At the start of every transaction of a bound session: ``app.tenant`` for the
    row-level security policies (transaction-local: it ends with the transaction, so a
    pooled connection carries nothing over to its next user)."""
    tenant = session.info.get(TENANT_KEY)
    if tenant is not None and _is_postgres(connection):
        connection.execute(_SET_TENANT, {"tenant": tenant})


def _set_in_open_transaction(session: Session, tenant: str | None) -> None:
    connection = session.connection()
    if not _is_postgres(connection):
        return
    # When the transaction has already failed nothing more runs in it before its rollback,
    # which ends the setting too; the original error is the one to report.
    with suppress(DBAPIError):
        connection.execute(_SET_TENANT, {"tenant": tenant or ""})
