"""``bangfu serve``: prepare the database, then serve the app with uvicorn workers.

Each worker process calls :func:`core.api.app.create_app` once (uvicorn's factory mode),
so each loads the tenant registry once and shares nothing mutable with the others. The
database URL travels to the workers in ``BANGFU_DATABASE_URL``.
"""

from __future__ import annotations

import importlib.util
import logging
import os

import uvicorn

from core.settings import DATABASE_ENV

log = logging.getLogger("bangfu.api")

APP_FACTORY = "core.api.app:create_app"
DB_SETUP_MODULE = "core.db.setup"


def prepare_database(database: str, demo: bool) -> None:
    """Upgrade the database and load the demo data when it is empty.

    PERSISTENCE HOOK: ``core.db.setup.prepare_database(database, demo=demo)`` is provided
    by the persistence layer; until it exists the API serves published policy only.
    """
    if (
        importlib.util.find_spec("core.db") is None
        or importlib.util.find_spec(DB_SETUP_MODULE) is None
    ):
        log.warning(
            "no database layer installed (%s); serving published policy only", DB_SETUP_MODULE
        )
        return
    from core.db.setup import prepare_database as setup  # type: ignore[import-not-found]

    setup(database, demo=demo)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    database: str | None = None,
    demo: bool = True,
) -> None:
    """Migrate (and seed) the database once, then run ``workers`` uvicorn processes."""
    if database:
        os.environ[DATABASE_ENV] = database  # before the workers start: they inherit it
        prepare_database(database, demo)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=max(1, workers),
        http="httptools",
        loop="uvloop",
        access_log=False,  # one log line per request costs more than an evaluation
        log_level="info",
    )
