"""Every refusal as a GraphQL error whose ``extensions.code`` is a contract code.

The contract (``shared/spec/CONTRACT.md``, Errors) promises a caseworker a message they can
act on, in Chinese and English, and promises everyone that no input produces a stack trace.
So each error leaving the schema is reshaped here, once:

* a :class:`core.errors.BangfuError` raised anywhere (a resolver, the case model, a scalar)
  keeps its code (``NOT_FOUND``, ``BAD_INPUT``, ``PLUGIN_ERROR`` ...) and its ``details``;
* an error GraphQL itself found in the request (syntax, unknown field, wrong type, a limit
  of :mod:`core.api.limits` exceeded) is ``BAD_INPUT``;
* the database unreachable, or its connection dropped (``OperationalError``, a pool
  timeout, an invalidated connection): ``UNAVAILABLE``, saying that nothing was written
  and asking again is safe (the transaction was never committed);
* anything else is a fault of ours: ``INTERNAL``, a generic message, and the traceback goes
  to the server log only.

Plugin faults are logged with the plugin's traceback too: the operators must see them.

A message echoes what the client sent (an unknown tenant code, a syntax error's token), so
each language of it is cut at :data:`MAX_MESSAGE_CHARS` and each string of ``details`` at
:data:`MAX_DETAIL_CHARS`: a refusal never answers a large request with a larger one.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any

from graphql import GraphQLError
from sqlalchemy import exc as sql_errors

from core.errors import BAD_INPUT, INTERNAL, PLUGIN_ERROR, UNAVAILABLE, BangfuError

log = logging.getLogger("bangfu.api")

INTERNAL_EN = (
    "an unexpected error occurred on the server; it has been logged, please try again later"
)
INTERNAL_ZH = "服务器内部错误,已记录,请稍后再试"
BAD_REQUEST_ZH = "请求有误"
UNAVAILABLE_EN = (
    "the database is unavailable for a moment; nothing was written, the request can be retried"
)
UNAVAILABLE_ZH = "数据库暂时不可用,未写入任何内容,可以重试"
MAX_MESSAGE_CHARS = 2000  #: per language; the details keep every problem of a household
MAX_DETAIL_CHARS = 200


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The text, cut to ``limit`` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bilingual(en: str, zh: str) -> str:
    """The message layout of :class:`core.errors.BangfuError`: Chinese, then English."""
    return f"{zh} / {en}"


def _jsonable(value: Any) -> Any:
    """``details`` as JSON: mappings, lists, strings, numbers; anything else as text."""
    if isinstance(value, str):
        return clip(value, MAX_DETAIL_CHARS)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return clip(str(value), MAX_DETAIL_CHARS)


_VARIABLE = re.compile(r"^Variable '(\$\w+)' (?:has|got) invalid value(?: at ([^:]+))?:")


def _variable_path(message: str) -> str | None:
    """``$household.members[0].monthlyIncome`` from graphql-core's coercion message."""
    found = _VARIABLE.match(message)
    return found.group(1) + (found.group(2) or "").strip() if found else None


def _root_cause(error: GraphQLError) -> BaseException | None:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def database_unavailable(cause: BaseException) -> bool:
    """Whether ``cause`` is the database out of reach (refused, dropped, timed out in the
    pool), as opposed to a fault of the statement."""
    if isinstance(cause, (sql_errors.DisconnectionError, sql_errors.TimeoutError)):
        return True
    if isinstance(cause, sql_errors.DBAPIError):
        return cause.connection_invalidated or isinstance(cause, sql_errors.OperationalError)
    return False


def contract_error(error: GraphQLError) -> GraphQLError:
    """The error as the contract shows it (idempotent: a shaped error is returned as is)."""
    if error.extensions and "code" in error.extensions:
        return error
    cause = _root_cause(error)
    if isinstance(cause, BangfuError):
        extensions: dict[str, Any] = {"code": cause.code}
        if cause.details:
            extensions["details"] = _jsonable(cause.details)
        if cause.code == PLUGIN_ERROR:
            log.error("%s", cause.message, exc_info=cause.__cause__ or cause)
        message = bilingual(clip(cause.en), clip(cause.zh)) if cause.zh else clip(cause.en)
        if error.path is None and (where := _variable_path(error.message)):
            # a value refused while GraphQL read the variables: say which one
            where = clip(where, MAX_DETAIL_CHARS)
            message = bilingual(f"{clip(cause.en)} (at {where})", f"{clip(cause.zh)}(位置:{where})")
            extensions.setdefault("details", {})["field"] = where
    elif cause is None or isinstance(cause, GraphQLError):
        extensions = {"code": BAD_INPUT}
        message = bilingual(clip(error.message), BAD_REQUEST_ZH)
    elif database_unavailable(cause):
        log.warning("database unavailable at %s: %s", error.path or "request", cause)
        extensions = {"code": UNAVAILABLE}
        message = bilingual(UNAVAILABLE_EN, UNAVAILABLE_ZH)
    else:
        log.error(
            "unexpected error at %s: %s", error.path or "request", error.message, exc_info=cause
        )
        extensions = {"code": INTERNAL}
        message = bilingual(INTERNAL_EN, INTERNAL_ZH)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=cause if isinstance(cause, BangfuError) else None,
        extensions=extensions,
    )


def shape_in_place(errors: list[GraphQLError]) -> None:
    """Reshape a result's error list where it lies, so every later reader sees the contract."""
    errors[:] = [contract_error(e) for e in errors]


def error_body(code: str, en: str, zh: str, **details: Any) -> dict[str, Any]:
    """A GraphQL-style response body for a request refused before GraphQL ran."""
    extensions: dict[str, Any] = {"code": code}
    if details:
        extensions["details"] = _jsonable(details)
    message = bilingual(clip(en), clip(zh))
    return {"data": None, "errors": [{"message": message, "extensions": extensions}]}
