"""The database as one API request sees it: a session and the caller's identity, on demand.

Most requests (published policy, evaluations) never touch the database, so nothing is
opened until a case resolver asks: the session on first use, the principal when a
resolver needs to know who is asking (one lookup of the token's hash). The request's
dependency closes the session when the response is done.

The URL is the application's ``database_url`` state when set (tests, embedding), else
:func:`core.settings.database_url` (``$BANGFU_DATABASE_URL``, which ``bangfu serve`` sets
for its workers).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.auth.tokens import principal_from_header
from core.db.session import session_factory
from core.settings import database_url

STATE_KEY = "database_url"


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
                self._principal = principal_from_header(self.session, self.authorization)
            self._resolved = True
        return self._principal

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
