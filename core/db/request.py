"""The database as one API request sees it: a session and the caller's identity, on demand.

Most requests (published policy, evaluations) never touch the database, so nothing is
opened until a case resolver asks: the session on first use, the principal when a
resolver needs to know who is asking (one lookup of the token's hash, then kept for
:data:`PRINCIPAL_TTL_S` seconds by the worker). The request's dependency closes the session
when the response is done.

The URL is the application's ``database_url`` state when set (tests, embedding), else
:func:`core.settings.database_url` (``$BANGFU_DATABASE_URL``, which ``bangfu serve`` sets
for its workers).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.auth.tokens import principal_from_header
from core.db.session import session_factory
from core.settings import database_url

STATE_KEY = "database_url"
#: How long a worker trusts a token it has looked up, in seconds. A token revoked with
#: ``bangfu token revoke`` (another process) is refused by every worker at most this long
#: after; :func:`forget_principals` ends it at once within this process.
PRINCIPAL_TTL_S = 5.0
PRINCIPAL_CACHE_SIZE = 1024


class PrincipalCache:
    """Valid principals by the SHA-256 of their ``Authorization`` header, for a few
    seconds: a request of a known token costs no database round trip. Only successful
    look-ups are kept; a bad token is looked up (and refused) every time."""

    def __init__(self, ttl: float = PRINCIPAL_TTL_S, size: int = PRINCIPAL_CACHE_SIZE) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[tuple[str, str], tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(url: str, authorization: str) -> tuple[str, str]:
        return url, hashlib.sha256(authorization.strip().encode()).hexdigest()

    def get(self, url: str, authorization: str) -> Principal | None:
        key = self.key(url, authorization)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            return found[1]

    def put(self, url: str, authorization: str, principal: Principal) -> None:
        with self._lock:
            self._entries[self.key(url, authorization)] = (time.monotonic() + self.ttl, principal)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_principals = PrincipalCache()


def forget_principals() -> None:
    """Forget every cached principal of this process (after revoking a token in it)."""
    _principals.clear()


class RequestDatabase:
    """A session opened on first use, and the principal of the ``Authorization`` header."""

    __slots__ = ("_principal", "_resolved", "_session", "authorization", "url")

    def __init__(self, url: str, authorization: str | None = None) -> None:
        self.url = url
        self.authorization = authorization
        self._session: Session | None = None
        self._principal: Principal | None = None
        self._resolved = False

    @classmethod
    def for_request(cls, request: Any) -> RequestDatabase:
        url = request.app.state.get(STATE_KEY) or database_url()
        return cls(url, request.headers.get("authorization"))

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = session_factory(self.url)()
        return self._session

    def principal(self) -> Principal | None:
        """Who is asking: None when anonymous; UNAUTHENTICATED for a bad token."""
        if not self._resolved:
            if self.authorization and self.authorization.strip():
                cached = _principals.get(self.url, self.authorization)
                if cached is None:
                    cached = principal_from_header(self.session, self.authorization)
                    if cached is not None:
                        _principals.put(self.url, self.authorization, cached)
                self._principal = cached
            self._resolved = True
        return self._principal

    def known_principal(self) -> Principal | None:
        """The principal if :meth:`principal` has been asked already (never a lookup)."""
        return self._principal

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
