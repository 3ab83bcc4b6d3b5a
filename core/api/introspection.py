"""The schema for the standard GraphQL tools: introspection answered once per worker, and
the schema's SDL at a URL.

GraphiQL's documentation explorer, GraphQL clients (``gql``) and code generators fetch the
schema by introspection. Such an operation, one that selects the introspection root fields
only (``__schema``, ``__type``, ``__typename``, judged by the fields and never by an
operation's or a fragment's name: :func:`core.api.limits.introspection_only`), is counted
against its own field limit (:data:`core.api.limits.MAX_INTROSPECTION_FIELDS`) and its
answer is the same for every caller as long as the schema is: it is worked out once per
worker for each query text, operation and variables, and kept (:data:`KEPT` of them).

``GET /graphql/schema.graphql`` serves the SDL (``docs/schema.graphql`` is the same text,
committed; a test keeps both equal and checks them against the contract).
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

import msgspec
from graphql import GraphQLError
from litestar import MediaType, Response, get
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from core.api.limits import SERVED_RULES, introspection_only, prepare
from core.api.schema import schema

SDL_PATH = "/graphql/schema.graphql"
KEPT = 32  #: introspection answers kept per worker (distinct texts, operations, variables)
_answers: OrderedDict[bytes, ExecutionResult] = OrderedDict()
_lock = Lock()


def sdl() -> str:
    """The served schema in the schema definition language."""
    return schema.as_str() + "\n"


@get(SDL_PATH, sync_to_thread=False, cache=300)
def schema_sdl() -> Response[str]:
    """The schema's SDL, for code generators and for reading."""
    return Response(
        sdl(),
        media_type=f"{MediaType.TEXT.value}; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="schema.graphql"'},
    )


def _key(request_data: GraphQLRequestData) -> bytes | None:
    """The cache key of an introspection-only request; None for any other."""
    if not request_data.query:
        return None
    try:
        prepared = prepare(schema._schema, request_data.query, SERVED_RULES)
    except GraphQLError:
        return None
    if prepared.problems or not introspection_only(prepared.document, request_data.operation_name):
        return None
    return msgspec.json.encode(
        [request_data.query, request_data.operation_name, request_data.variables or {}],
        order="sorted",
    )


def kept_answer(request_data: GraphQLRequestData) -> tuple[bytes | None, ExecutionResult | None]:
    """(the request's key, its kept answer): the key is None when the request is not an
    introspection; the answer None when it has not been worked out yet."""
    key = _key(request_data)
    if key is None:
        return None, None
    with _lock:
        found = _answers.get(key)
        if found is not None:
            _answers.move_to_end(key)
    return key, found


def keep(key: bytes, result: Any) -> None:
    """Keep an introspection's answer (one without errors) for the next caller."""
    if not isinstance(result, ExecutionResult) or result.errors:
        return
    with _lock:
        _answers[key] = result
        while len(_answers) > KEPT:
            _answers.popitem(last=False)
