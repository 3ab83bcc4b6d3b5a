"""Running the Alembic migrations from code: ``bangfu db upgrade``, ``bangfu serve``.

There is no ``alembic.ini``: the configuration is built here, pointing at the installed
``migrations`` package and passing the URL as an attribute (so that characters such as
``%`` in a password need no escaping). For a new migration during development::

    python -c "from core.db.migrate import revision; revision('sqlite:///dev.db', 'add x')"

then read and correct the generated file by hand before committing it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

import migrations
from core.db.session import engine_for

MIGRATIONS = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


#: PostgreSQL's SQLSTATE for "permission denied".
INSUFFICIENT_PRIVILEGE = "42501"


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations to ``url`` up to ``revision`` (the newest by default).

    At the newest revision nothing is changed, so the serving role (``bangfu_app``, which
    may not change the schema) can call it; with migrations pending it is refused with a
    message naming the fix: migrate as the database owner.
    """
    config = alembic_config(url)
    try:
        with engine_for(url).begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise PermissionError(
            "the database needs migrations this role may not apply: run `bangfu db upgrade "
            "--database-url <the owner's URL>` as the database owner, then serve as "
            "bangfu_app (README, Security)"
        ) from exc


def downgrade(url: str, revision: str) -> None:
    config = alembic_config(url)
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_up_to_date(url: str) -> bool:
    return current_revision(url) == head_revision()


def revision(url: str, message: str) -> None:
    """Autogenerate a migration against ``url`` (migrated to head first). Read it after."""
    upgrade(url)
    command.revision(alembic_config(url), message=message, autogenerate=True)
