"""Password sign-in for the staff pages: the account's password (and one-time code when
it has TOTP) is checked (:func:`core.auth.accounts.authenticate`), then a server-side
session is started for it (:func:`core.auth.sessions.start_session`, ``via="password"``)
exactly as a token sign-in does; signing out ends it the same way. The national dashboard
signs its accounts in the same way (tenant ``national``, role ``national``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request

from core.auth.accounts import authenticate, sign_in_refused
from core.auth.principal import Principal
from core.auth.sessions import start_session
from core.db.request import STATE_KEY, RequestDatabase
from core.settings import database_url


def _text(form: dict[str, Any], key: str, limit: int = 200) -> str:
    value = form.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value[: limit + 1] if isinstance(value, str) else ""


def _source(request: Request) -> str | None:
    """The address the try came from (the client's, as a trusted proxy forwards it:
    setting ``BANGFU_TRUSTED_PROXIES``), for throttling per address."""
    client = request.client
    return client.host if client is not None and client.host else None


def sign_in_with_password(
    request: Request,
    tenant: str,
    form: dict[str, Any],
    allowed: Callable[[Principal], bool] = lambda p: p.is_staff,
) -> str:
    """A new session for the account of ``tenant`` on the form, when its principal is
    ``allowed`` here (default: regional staff); the session id.

    :raises BangfuError: ``UNAUTHENTICATED``, one answer for every kind of failure
    """
    username, password = _text(form, "username", 100), _text(form, "password")
    if not username.strip() or not password:
        raise sign_in_refused()
    db = RequestDatabase(request.app.state.get(STATE_KEY) or database_url())
    try:
        principal = authenticate(
            db.session, tenant, username, password, _text(form, "code", 12), source=_source(request)
        )
        if not allowed(principal):
            raise sign_in_refused()
        db.session.rollback()
        return start_session(db.session, principal, via="password")
    finally:
        db.close()
