"""What happened to each request: one JSON log line and the request metrics.

:class:`Observed` is the application's outermost middleware, outside the short way
(:mod:`core.api.lane`), so every request is counted and logged whichever way it is
answered. Each request gets an id: the proxy's ``X-Request-ID`` when it sends a plain one
(nginx: ``$request_id``), else a new one; the answer carries it back in ``X-Request-ID``,
so a user's complaint, the proxy's log and ours can be matched.

A request's line (logger ``bangfu.request``) holds the request id, the method, the
operation (a GraphQL root field such as ``evaluate``, or a page's route template such as
``/staff/{tenant:str}/cases/{case_id:int}``), the tenant when known, the outcome
(``ok``, a contract error code, or ``4xx``/``5xx``), the HTTP status and the latency in
milliseconds. Never the path's values, the query string, a header or a body: no personal
data is in a line (and :mod:`core.logmask` masks ID-shaped numbers in every record and,
here, in every line written).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from functools import lru_cache
from typing import Any

from core import metrics
from core.logmask import mask_ids

log = logging.getLogger("bangfu.request")

NOTE_KEY = "bangfu.request"
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
_OK = "ok"


class Note:
    """What the layers inside learn about a request, for its log line and metrics."""

    __slots__ = ("id", "operation", "outcome", "tenant")

    def __init__(self, request_id: str) -> None:
        self.id = request_id
        self.operation: str | None = None
        self.tenant: str | None = None
        self.outcome: str | None = None


def note_of(scope: Any) -> Note | None:
    """The request's :class:`Note` (None outside :class:`Observed`, e.g. in unit tests)."""
    return scope.get(NOTE_KEY)


def _request_id(headers: Any) -> str:
    for name, value in headers:
        if name == b"x-request-id" and _REQUEST_ID.match(value):
            return value.decode()
    return os.urandom(12).hex()


def _outcome(status: int) -> str:
    if status < 400:
        return _OK
    return "4xx" if status < 500 else "5xx"


class Observed:
    """ASGI middleware: a request id, the request's metrics and its log line."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        note = scope[NOTE_KEY] = Note(_request_id(scope["headers"]))
        status = 500
        request_id = note.id.encode()

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id)]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            done(scope, note, status, time.perf_counter() - start)


def done(scope: Any, note: Note, status: int, seconds: float) -> None:
    """Count and log one answered request."""
    operation = note.operation or scope.get("path_template") or "unrouted"
    outcome = note.outcome if note.outcome and status < 500 else _outcome(status)
    if note.tenant is None:
        params = scope.get("path_params")
        if params and isinstance(params.get("tenant"), str):
            note.tenant = params["tenant"]
    metrics.request_done(operation, outcome, seconds)
    if log.isEnabledFor(logging.INFO):
        log.info(
            "%s %s %s %d %.1f ms",
            scope["method"],
            operation,
            outcome,
            status,
            seconds * 1000,
            extra={
                "request_id": note.id,
                "method": scope["method"],
                "operation": operation,
                "tenant": note.tenant,
                "outcome": outcome,
                "status": status,
                "latency_ms": round(seconds * 1000, 3),
            },
        )


# --------------------------------------------------------------------------- GraphQL
@lru_cache(maxsize=1024)
def graphql_operation(query: str | None, operation_name: str | None) -> str:
    """The root field(s) an operation asks for (``evaluate``, ``openCase,transition``), for
    logs and metric labels: only field names of the schema, so the label stays bounded."""
    from graphql import OperationDefinitionNode, parse

    from core.api.schema import schema

    if not query:
        return "graphql:none"
    try:
        document = parse(query, no_location=True, max_tokens=2_000)
    except Exception:
        return "graphql:invalid"
    known = schema._schema
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and (definition.name is None or definition.name.value != operation_name):
            continue
        root = known.get_root_type(definition.operation)
        names = sorted(
            {
                s.name.value
                for s in definition.selection_set.selections
                if hasattr(s, "name") and root is not None and s.name.value in root.fields
            }
        )
        return ",".join(names) if names else "graphql:unknown"
    return "graphql:unknown"


def _shape(query: str | None) -> str | None:
    """The text to name the operation by: a query with literals lifted
    (:mod:`core.api.literals`, remembered by text) has its shape's root fields, and the
    shape is parsed once, not every distinct text."""
    from core.api.literals import lift
    from core.api.schema import schema

    lifted = lift(schema._schema, query) if query else None
    return lifted.shape if lifted is not None else query


def graphql_answered(
    scope: Any, query: str | None, operation_name: str | None, result: Any
) -> None:
    """Note a GraphQL request's operation and outcome (its first error's code, else ok)."""
    note = scope.get(NOTE_KEY)
    if note is None:
        return
    note.operation = graphql_operation(_shape(query), operation_name)
    errors = getattr(result, "errors", None)
    if errors:
        extensions = getattr(errors[0], "extensions", None) or {}
        code = extensions.get("code")
        note.outcome = code if isinstance(code, str) and code.isupper() else "error"
    else:
        note.outcome = _OK


# --------------------------------------------------------------------------- log lines
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request's
    fields when the record has them, and the traceback (masked, like the message)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and value is not None:
                line[key] = value if isinstance(value, (int, float, bool)) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["traceback"] = record.exc_text
        return mask_ids(json.dumps(line, ensure_ascii=False))


class StderrHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record comes (not the stream
    of the moment logging was configured, which a test harness may have closed since)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        import sys

        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def log_config(level: str = "info", fmt: str | None = None) -> dict[str, Any]:
    """The logging configuration of ``bangfu serve`` (uvicorn's ``log_config``): JSON lines
    (``$BANGFU_LOG_FORMAT=json``, the default) or plain text, on standard error, for our
    loggers and uvicorn's."""
    from core import settings

    fmt = fmt or settings.get("log_format")
    formatter: dict[str, Any] = (
        {"()": "core.observe.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"bangfu": formatter},
        "filters": {"ids": {"()": "core.logmask.IdNumberFilter"}},
        "handlers": {
            "stderr": {
                "()": "core.observe.StderrHandler",
                "formatter": "bangfu",
                "filters": ["ids"],
            }
        },
        "loggers": {
            "": {"handlers": ["stderr"], "level": level},
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure_logging(level: str = "info") -> None:
    """This process logs as :func:`log_config` says, from now on: ``bangfu serve`` calls it
    first, so that its own start-up lines (a pinned clock, the migrations, the metrics
    address) are JSON lines like the workers' (uvicorn configures each worker again)."""
    import logging.config

    logging.config.dictConfig(log_config(level))
