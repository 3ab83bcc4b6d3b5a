"""``bangfu serve``: prepare the database, then serve the app with uvicorn workers, each
listening on a socket of its own (:mod:`core.api.workers`).

Each worker process calls :func:`core.api.app.create_app` once (uvicorn's factory mode),
so each loads the tenant registry once and shares nothing mutable with the others. The
database URL travels to the workers in ``BANGFU_DATABASE_URL``.

It refuses to start without a key for the hashes of resident ID numbers
(``BANGFU_ID_HASH_KEY`` or ``BANGFU_ID_HASH_KEY_FILE``, :mod:`core.cases.privacy`), except
for the local demonstration (``--local-demo``, which ``make run`` passes): that makes a
random key file once, next to its SQLite database, and reuses it.

Behind a reverse proxy, ``BANGFU_TRUSTED_PROXIES`` names the proxies whose
``X-Forwarded-Proto`` and ``X-Forwarded-For`` uvicorn believes (so that cookies are
``Secure`` when the proxy speaks HTTPS); without it those headers are ignored. Idle
keep-alive connections are closed after 5 seconds, and a request body must arrive within
``BANGFU_BODY_TIMEOUT_SECONDS`` (:mod:`core.api.slowbody`).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlalchemy.engine import make_url

from core import clock, metrics, settings
from core.api.heads import HeadTimeoutProtocol
from core.api.workers import run as workers_run
from core.cases.privacy import KEY_FILE_ENV, demo_key_file, key_problem
from core.db.setup import prepare_database
from core.observe import configure_logging, log_config
from core.settings import DATABASE_ENV, trusted_proxies

log = logging.getLogger("bangfu.api")

APP_FACTORY = "core.api.app:create_app"
KEEP_ALIVE_SECONDS = 5


class NotConfigured(RuntimeError):
    """The server may not start as configured (the message says what to set)."""


def data_folder(database: str | None) -> Path:
    """Where the local demo keeps its files: its SQLite database's folder, else here."""
    if database:
        url = make_url(database)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).resolve().parent
    return Path.cwd()


def ensure_hash_key(database: str | None, local_demo: bool) -> None:
    """A key for resident ID hashes is configured, or (local demo) made; else refuse."""
    if key_problem() is None:
        return
    if local_demo and not os.environ.get(KEY_FILE_ENV):
        os.environ[KEY_FILE_ENV] = str(demo_key_file(data_folder(database)))  # workers inherit
        if key_problem() is None:
            return
    raise NotConfigured(
        f"bangfu serve will not start: {key_problem()}. "
        "(For a local demonstration only: bangfu serve --local-demo, as make run does.)"
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    database: str | None = None,
    demo: bool = True,
    local_demo: bool = False,
) -> None:
    """Migrate (and seed) the database once, then run ``workers`` uvicorn processes."""
    try:
        settings.check()  # every BANGFU_* variable, before anything starts
    except settings.SettingsError as exc:
        raise NotConfigured(f"bangfu serve will not start: {exc}") from None
    ensure_hash_key(database, local_demo)
    configure_logging()  # this process's own lines are JSON lines too, from the first
    with metrics_served():  # before anything counts: the workers inherit its folder
        clock.warn_if_pinned()  # a pinned clock must not go unnoticed
        if database:
            os.environ[DATABASE_ENV] = database  # before the workers start: they inherit it
            prepare_database(database, demo=demo)
        workers_run(uvicorn_config(APP_FACTORY, host, port, workers))


@contextmanager
def metrics_served() -> Iterator[None]:
    """With ``$BANGFU_METRICS_ADDRESS``: the workers' metrics in a folder of their own
    (prometheus-client's multiprocess mode), served from this, the parent, process on that
    address (never the public port) until the server stops; the folder is removed then."""
    address = settings.get("metrics_address")
    if not address:
        yield
        return
    folder = metrics.use_multiprocess()
    server = metrics.serve_metrics(address)
    log.info("metrics on %s (not the public port)", address)
    try:
        yield
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def uvicorn_config(
    app: str, host: str, port: int, workers: int, log_level: str = "info"
) -> uvicorn.Config:
    """How every worker serves: ``app`` is a factory (``module:function``), HTTP parsed
    by httptools on uvloop, no access log (one line a request costs more than an
    evaluation), idle keep-alive connections closed after :data:`KEEP_ALIVE_SECONDS`."""
    proxies = trusted_proxies()
    return uvicorn.Config(
        app,
        factory=True,
        host=host,
        port=port,
        workers=max(1, workers),
        http=HeadTimeoutProtocol,  # httptools, closing connections whose head is too slow
        loop="uvloop",
        access_log=False,
        log_level=log_level,
        log_config=log_config(log_level),  # JSON lines ($BANGFU_LOG_FORMAT)
        # X-Forwarded-* from the configured proxies only (uvicorn's default trusts 127.0.0.1)
        proxy_headers=proxies is not None,
        forwarded_allow_ips=proxies or "",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m core.api.server APP --port P --workers N``: serve an app factory exactly
    as ``bangfu serve`` serves (same workers, sockets and options), without preparing a
    database: for the benchmarks and the tests that run a real server."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m core.api.server")
    parser.add_argument("app", help="the app factory, module:function")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    a = parser.parse_args(argv)
    configure_logging(a.log_level)
    with metrics_served():
        workers_run(uvicorn_config(a.app, a.host, a.port, a.workers, a.log_level))


if __name__ == "__main__":
    main()
