"""``bangfu serve``: prepare the database, then serve the app with uvicorn workers.

Each worker process calls :func:`core.api.app.create_app` once (uvicorn's factory mode),
so each loads the tenant registry once and shares nothing mutable with the others. The
database URL travels to the workers in ``BANGFU_DATABASE_URL``.
"""

from __future__ import annotations

import logging
import os

import uvicorn

from core import clock
from core.db.setup import prepare_database
from core.settings import DATABASE_ENV

log = logging.getLogger("bangfu.api")

APP_FACTORY = "core.api.app:create_app"


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    database: str | None = None,
    demo: bool = True,
) -> None:
    """Migrate (and seed) the database once, then run ``workers`` uvicorn processes."""
    clock.warn_if_pinned()  # a pinned clock must not go unnoticed
    if database:
        os.environ[DATABASE_ENV] = database  # before the workers start: they inherit it
        prepare_database(database, demo=demo)
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
