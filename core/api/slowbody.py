"""A read timeout for request bodies: a client that sends its body slowly is cut off.

uvicorn and Litestar wait for a request's body as long as the client keeps the connection
open, so a client sending a byte a second ties up a worker's request for as long as it
likes (a "slow body" attack). This ASGI middleware reads the body of every request that
may have one within :func:`core.settings.body_timeout` (10 seconds) of asking for it and
answers ``408`` otherwise, before the application sees the request. The body is read at
most to :data:`core.api.limits.MAX_BODY_BYTES` plus one chunk: the application refuses a
larger one with ``413`` as before.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import msgspec

from core.api.errors import error_body
from core.api.limits import MAX_BODY_BYTES
from core.errors import BAD_INPUT

log = logging.getLogger("bangfu.api")

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
_TOO_SLOW = msgspec.json.encode(
    error_body(
        BAD_INPUT,
        "the request body came too slowly; send it again",
        "请求体发送过慢,请重新发送",
    )
)


class SlowBodyGuard:
    """ASGI middleware: the whole body within ``timeout`` seconds, or ``408``."""

    def __init__(self, app: Any, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in _NO_BODY:
            await self.app(scope, receive, send)
            return
        messages: list[dict[str, Any]] = []
        size = 0
        complete = False
        with anyio.move_on_after(self.timeout):
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    complete = True  # a disconnect: the application hears of it
                    break
                size += len(message.get("body", b""))
                if not message.get("more_body", False) or size > MAX_BODY_BYTES:
                    complete = True
                    break
        if not complete:
            log.info("a request body did not arrive within %.0f s: 408", self.timeout)
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"connection", b"close"),
                        (b"content-length", str(len(_TOO_SLOW)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _TOO_SLOW})
            return
        await self.app(scope, replaying(messages, receive), send)


def replaying(messages: list[Any], receive: Any) -> Any:
    """An ASGI ``receive`` that gives ``messages`` (already read) again, then what
    ``receive`` brings."""
    pending = list(messages)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
