"""The short way for published-policy queries: a planned query answered in the middleware.

Most requests a public deployment serves are anonymous ``evaluate``, ``compare`` and
``tenants`` queries posted as JSON. :mod:`core.api.planned` answers those without
graphql-core's executor; this ASGI middleware, placed right after the slow-body guard,
answers them without Litestar's handler machinery and strawberry's view as well (the
request object, the handler's signature and dependencies, the response object and its
conversion, the view's dozen awaits): about a fifth of such a request's CPU.

It takes a request only when everything about it is plain, and otherwise hands it on
untouched (its body replayed) to ``/graphql``'s controller, which answers it as always:

* ``POST /graphql`` with ``Content-Type: application/json`` (any parameters, such as
  ``; charset=utf-8``) and at most one ``Authorization`` header of one value (a planned
  query never reads it; case work, which does, is never planned and goes its own way,
  with its session and its thread);
* a complete body within :data:`core.api.limits.MAX_BODY_BYTES` holding a JSON object
  whose members have the right types;
* a query :func:`core.api.view.answer_planned` answers (planned, prepared, valid).

What it sends is what the controller would: the same body (:func:`core.api.view.response_body`
and :func:`core.api.view.within_limit`), status 200, and the same headers
(``tests/api/test_lane.py`` compares both ways, byte for byte). An unexpected error is
logged and answered ``INTERNAL``, as the controller's handler does.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from cross_web import HTTPException as StrawberryHTTPException

from core.api import view
from core.api.context import BangfuContext
from core.api.errors import INTERNAL_EN, INTERNAL_ZH, error_body
from core.api.limits import MAX_BODY_BYTES
from core.api.slowbody import replaying
from core.api.view import PATH, request_data_of, response_body, within_limit
from core.errors import INTERNAL
from core.observe import graphql_answered

log = logging.getLogger("bangfu.api")

_JSON = b"application/json"
_INTERNAL = msgspec.json.encode(error_body(INTERNAL, INTERNAL_EN, INTERNAL_ZH))


def _plain(scope: dict[str, Any]) -> bool:
    """A JSON POST to ``/graphql`` with at most one credential. A planned query answers
    the same whoever asks (published policy; the controller answers it before it looks
    at the token), so a client that sends its token with every request, as integrators'
    clients do, takes the short way too; two credentials are the controller's to refuse."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
        return False
    media_type = None
    authorized = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            if authorized or b"," in value:
                return False
            authorized = True
        elif name == b"content-type" and media_type is None:
            media_type = _media_type(value)
    return media_type == _JSON


def _media_type(content_type: bytes) -> bytes:
    """A ``Content-Type`` header's media type, read as the controller reads it (Litestar:
    the first such header, before any ``;``, trimmed, in lower case; parameters such as
    ``charset`` do not matter, a JSON body being UTF-8)."""
    if content_type == _JSON:  # the usual: nothing to trim
        return content_type
    return content_type.split(b";", 1)[0].strip().lower()


def _headers(status: int, content: bytes) -> list[tuple[bytes, bytes]]:
    """The controller's headers for a JSON answer, in Litestar's order (an answer is never
    kept by a browser or proxy; an internal error carries no data to keep)."""
    length = (b"content-length", str(len(content)).encode())
    if status != 200:
        return [(b"content-type", _JSON), length]
    return [(b"cache-control", b"no-store"), (b"content-type", _JSON), length]


class PlannedLane:
    """ASGI middleware: planned anonymous queries answered here, the rest handed on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not _plain(scope):
            await self.app(scope, receive, send)
            return
        messages = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # a disconnect: the controller hears of it
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > MAX_BODY_BYTES:
                break
        answer = None
        if messages[-1]["type"] == "http.request" and not messages[-1].get("more_body", False):
            answer = await self._answer(scope, body)
        if answer is None:
            await self.app(scope, replaying(messages, receive), send)
            return
        status, content = answer
        await send(
            {"type": "http.response.start", "status": status, "headers": _headers(status, content)}
        )
        await send({"type": "http.response.body", "body": content})

    async def _answer(self, scope: Any, body: bytes) -> tuple[int, bytes] | None:
        """The status and body of the answer, or None when the controller should answer."""
        if len(body) > MAX_BODY_BYTES:
            return None
        try:
            data = msgspec.json.decode(body)
        except (ValueError, RecursionError):
            return None
        if type(data) is not dict:
            return None
        try:
            request_data = request_data_of(data)
        except StrawberryHTTPException:
            return None
        context = BangfuContext(registry=scope["app"].state.registry)
        try:
            result = await view.answer_planned(request_data, context, None)
            if result is None:
                return None
            graphql_answered(scope, request_data.query, request_data.operation_name, result)
            return 200, within_limit(msgspec.json.encode(response_body(result)))
        except Exception:
            log.exception("unexpected error serving POST %s", PATH)
            return 500, _INTERNAL
