"""A read timeout for request heads: a connection that sends no complete request line and
headers in time is closed.

uvicorn closes an idle keep-alive connection after its ``timeout_keep_alive`` (5 s), but
only once a request has been answered on it: a connection that never sends a request, or
sends its headers a byte at a time (a "slow headers" attack), stayed open for as long as
the client liked, each holding a socket and a file descriptor of the worker (200 such
connections stayed open in a test). :class:`HeadTimeoutProtocol` is uvicorn's httptools
protocol with one more timer: from the connection's start, and from the first byte of each
later request, the head must be complete within
:func:`core.settings.header_timeout` (``$BANGFU_HEADER_TIMEOUT_SECONDS``, 10 s), or the
connection is closed. The body has its own timeout (:mod:`core.api.slowbody`). Behind nginx,
nginx's ``client_header_timeout`` cuts such clients off first (``deploy/nginx``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from core.settings import header_timeout


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection whose request head is too slow."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._start_head_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(header_timeout(), self._head_too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
