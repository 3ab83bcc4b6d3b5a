"""The Litestar application: GraphQL at ``/graphql``, a liveness check at ``/healthz``, a
readiness check at ``/ready`` (the database answers and is migrated) and the staff pages
under ``/staff`` (:mod:`core.web`).

``create_app`` is a factory (uvicorn calls it once per worker process). It loads the
tenant registry once, at start-up, and every request reads it from the application state:
a request never discovers plugins or reads parameter files.

The app is kept lean on purpose (no OpenAPI routes, one middleware: the read timeout of
request bodies, :mod:`core.api.slowbody`): evaluation over HTTP has a budget of about a
millisecond a request.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

import anyio.to_thread
from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.status_codes import HTTP_405_METHOD_NOT_ALLOWED

from core.api.graphiql import graphiql_assets
from core.api.introspection import schema_sdl
from core.api.lane import PlannedLane
from core.api.limits import MAX_BODY_BYTES
from core.api.slowbody import SlowBodyGuard
from core.api.view import graphql_controller, litestar_refusal
from core.calendar import calendar_warning
from core.db.request import STATE_KEY as DATABASE_URL_KEY
from core.observe import Observed
from core.registry import Registry, load_registry
from core.settings import body_timeout, database_url, worker_threads
from core.web import staff_pages, staff_templates
from core.web.entrances import entrances
from core.web.national import national_pages

log = logging.getLogger("bangfu.api")


def health(registry: Registry) -> dict[str, Any]:
    """Which tenants serve, and which plugins could not be loaded (and why)."""
    return {
        "status": "ok",
        "tenants": [t.code for t in registry.ordered()],
        "problems": [{"plugin": p.plugin, "reason": p.reason} for p in registry.problems],
    }


@get("/healthz", sync_to_thread=False, cache=False)
def healthz(state: State) -> dict[str, Any]:
    """Liveness and the tenants loaded: for load balancers and operators."""
    return state.health


@get("/ready", sync_to_thread=True, cache=False)
def ready(state: State) -> Response[dict[str, Any]]:
    """Readiness: the database answers (one ``select 1``) and is at the newest migration.
    503 otherwise, with the kind of fault only (never a driver's message)."""
    from sqlalchemy import text

    from core.db.migrate import is_up_to_date
    from core.db.session import engine_for

    url = state.get(DATABASE_URL_KEY) or database_url()
    headers = {"Cache-Control": "no-store"}
    try:
        with engine_for(url).connect() as connection:
            connection.execute(text("select 1"))
        migrated = is_up_to_date(url)
    except Exception as exc:  # any failure means: not ready
        log.warning("not ready: the database failed (%s)", type(exc).__name__)
        body = {"status": "unavailable", "database": type(exc).__name__}
        return Response(body, status_code=503, headers=headers)
    if not migrated:
        body = {"status": "unavailable", "database": "migrations pending"}
        return Response(body, status_code=503, headers=headers)
    answer: dict[str, Any] = {"status": "ready", "database": "ok"}
    warning = calendar_warning()  # still ready: deadlines are provisional, not wrong
    if warning is not None:
        answer["calendar"] = {
            "year": warning.year,
            "daysLeft": warning.days_left,
            "warning": warning.en,
            "zh": warning.zh,
        }
    return Response(answer, headers=headers)


def settle_memory() -> None:
    """Hide what start-up loaded (registry, schema, libraries) from the garbage collector.

    A full collection walks every live object: about 50 ms with the registry and the
    schema loaded, long enough to show in the p99 of every request it interrupts. Frozen
    objects are never walked again (and never freed: they live as long as the worker).
    """
    gc.collect()
    gc.freeze()


def limit_threads() -> None:
    """At most :func:`core.settings.worker_threads` threads of this worker run blocking
    work at once (anyio's default limiter, which Litestar's sync handlers and the case
    work of ``/graphql`` share)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads()


def create_app(registry: Registry | None = None) -> Litestar:
    """The application, serving ``registry`` (default: every discovered tenant)."""
    if registry is None:
        registry = load_registry()
    for problem in registry.problems:
        log.warning("tenant plugin %s is not served: %s", problem.plugin, problem.reason)
    state = {
        "registry": registry,
        "health": health(registry),
        # resolved once: the request's database handle reads it from here, not from the
        # environment on every request
        DATABASE_URL_KEY: database_url(),
    }
    return Litestar(
        route_handlers=[
            graphql_controller(),
            schema_sdl,
            healthz,
            ready,
            entrances,
            staff_pages(),
            national_pages(),
            graphiql_assets,
        ],
        template_config=staff_templates(),  # the staff pages' HTML (core.web)
        state=State(state),
        request_max_body_size=MAX_BODY_BYTES,
        exception_handlers={HTTP_405_METHOD_NOT_ALLOWED: litestar_refusal},
        # a body must arrive within $BANGFU_BODY_TIMEOUT_SECONDS (core.api.slowbody); then
        # planned anonymous queries are answered the short way (core.api.lane)
        # every request is counted and logged (core.observe), outside the short way
        middleware=[
            Observed,
            DefineMiddleware(SlowBodyGuard, timeout=body_timeout()),
            PlannedLane,
        ],
        openapi_config=None,
        logging_config=None,  # bangfu serve configures logging (core.observe.log_config)
        on_startup=[settle_memory, limit_threads],
        debug=False,
    )
