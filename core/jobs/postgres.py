"""The queue on PostgreSQL: procrastinate (https://procrastinate.readthedocs.io).

Why procrastinate: it keeps its queue in the application's own PostgreSQL (no broker to
run, back up and secure besides), hands each job to exactly one worker with
``SELECT ... FOR UPDATE SKIP LOCKED`` and wakes workers with ``LISTEN/NOTIFY``, speaks
psycopg 3 (the driver Bangfu uses), and its workers record a heartbeat, so a job whose
worker died can be found (``get_stalled_jobs``) and retried (``retry_job``) as its
documentation shows. It is MIT-licensed and released often.

Its tables and functions live in a schema of their own, ``procrastinate`` (migration
0013), out of the way of Bangfu's tables; its connections look there first. A queued job
in procrastinate carries only the Bangfu job's id and tenant: the job's state, progress
and result are in Bangfu's ``jobs`` table (:mod:`core.jobs.store`), which every server
reads. Workers run with ``bangfu jobs worker`` (:func:`run_worker`), on any host that
reaches the database.

A dead worker's job: every worker, every heartbeat, asks procrastinate for jobs whose
worker has been silent for three heartbeats, and gives each another attempt or fails it
(:func:`core.jobs.runner.given_up`), in Bangfu's row and in procrastinate's queue alike.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from importlib.metadata import version
from typing import Any

from sqlalchemy.engine import make_url

from core.jobs import runner, store
from core.registry import Registry

log = logging.getLogger("bangfu.jobs")

SCHEMA = "procrastinate"
QUEUE = "bangfu"
TASK = "bangfu.job"


def procrastinate_version() -> str:
    return version("procrastinate")


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _connection_kwargs() -> dict[str, Any]:
    return {"options": f"-c search_path={SCHEMA}"}


def _app(connector: Any) -> Any:
    import procrastinate

    return procrastinate.App(connector=connector)


def installed_schema(url: str) -> str | None:
    """The procrastinate release whose schema migration 0013 installed (the schema's
    comment), or None when there is none."""
    from sqlalchemy import text

    from core.db.session import engine_for

    with engine_for(url).connect() as connection:
        return connection.scalar(
            text(
                "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"
            ),
            {"s": SCHEMA},
        )


def check_schema(url: str) -> None:
    """Refuse to work a queue whose schema another procrastinate release made: its
    functions and this code would disagree in ways that show only under load."""
    from core.jobs.worker import NotReady

    installed = installed_schema(url)
    wanted = f"procrastinate {procrastinate_version()}"
    if installed != wanted:
        raise NotReady(
            f"the database's job queue is {installed or 'missing'}, this Bangfu uses {wanted}: "
            "run bangfu db upgrade (a new procrastinate needs an Alembic revision applying "
            "its migrations) / 数据库中的任务队列版本与程序不符,请先升级数据库"
        )


# --------------------------------------------------------------------------- queuing
_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()


def _deferring_app(url: str) -> Any:
    """This process's procrastinate app for queuing on ``url`` (a small pool, opened once)."""
    from procrastinate import SyncPsycopgConnector

    with _apps_lock:
        app = _apps.get(url)
        if app is None:
            connector = SyncPsycopgConnector(
                conninfo=conninfo(url), min_size=1, max_size=2, kwargs=_connection_kwargs()
            )
            app = _apps[url] = _app(connector)
            app.open()
        return app


def defer(url: str, job: store.Job) -> int:
    """Put the job in procrastinate's queue; procrastinate's job id."""
    app = _deferring_app(url)
    return int(app.configure_task(TASK, queue=QUEUE).defer(job_id=job.id, tenant=job.tenant))


def close() -> None:
    """Close the queuing pools of this process (tests, before dropping a database)."""
    with _apps_lock:
        apps = list(_apps.values())
        _apps.clear()
    for app in apps:
        app.close()


# --------------------------------------------------------------------------- working
async def _reap(app: Any, url: str) -> None:
    """Jobs of silent workers: another attempt, or their failure (see the module)."""
    from procrastinate.jobs import Status

    stalled = await app.job_manager.get_stalled_jobs(
        task_name=TASK, seconds_since_heartbeat=runner.stalled_after_seconds()
    )
    for queued in stalled:
        kwargs = queued.task_kwargs
        job = await asyncio.to_thread(store.get, url, kwargs.get("tenant"), kwargs.get("job_id"))
        try:
            if job is not None and not job.finished:
                again = await asyncio.to_thread(runner.given_up, url, job)
                if again:
                    await app.job_manager.retry_job(queued)
                    continue
            await app.job_manager.finish_job(queued, status=Status.FAILED, delete_job=False)
        except Exception as exc:  # another worker dealt with it first
            log.info("stalled job %s: already dealt with (%s)", queued.id, exc)


async def _reaping(app: Any, url: str) -> None:
    while True:
        try:
            await _reap(app, url)
        except Exception:
            log.exception("looking for stalled jobs failed; trying again")
        await asyncio.sleep(runner.heartbeat_seconds())


async def _work(url: str, registry: Registry, concurrency: int) -> None:
    from procrastinate import PsycopgConnector

    connector = PsycopgConnector(conninfo=conninfo(url), kwargs=_connection_kwargs())
    app = _app(connector)

    @app.task(name=TASK, queue=QUEUE)
    def run_job(job_id: str, tenant: str) -> None:
        job = store.claim(url, tenant, job_id)
        if job is None:  # finished, or another attempt has it
            return
        runner.run(url, registry, job)

    beat = runner.heartbeat_seconds()
    async with app.open_async():
        reaping = asyncio.create_task(_reaping(app, url))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                update_heartbeat_interval=beat,
                stalled_worker_timeout=runner.stalled_after_seconds(),
                delete_jobs="successful",
                install_signal_handlers=threading.current_thread() is threading.main_thread(),
            )
        finally:
            reaping.cancel()


def run_worker(url: str, registry: Registry, concurrency: int = 1) -> None:
    """Work ``url``'s queue until stopped (SIGTERM or SIGINT: the running jobs finish)."""
    asyncio.run(_work(url, registry, concurrency))
