"""Alembic's environment, configured from code (:mod:`core.db.migrate`), not an ini file.

The database URL arrives in ``config.attributes["url"]`` (or a live connection in
``config.attributes["connection"]``); the models' metadata, with its naming convention,
is the target for ``--autogenerate``. SQLite alters tables in batch mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from core.db.models import Base
from core.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    context.configure(
        url=config.attributes["url"],
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
