"""The staff pages' cookies: the server-side session, and the form token against CSRF.

Sign-in exchanges the pasted bearer token (from ``bangfu token create``) for a server-side
session (:mod:`core.auth.sessions`): the cookie holds the session's random id, never the
token, in an HttpOnly, ``SameSite=Strict`` cookie scoped to ``/staff``. The session has an
idle and an absolute timeout; signing out ends it on the server, so a copied cookie is
worthless after. The GraphQL endpoint never sees the cookie (the API reads
``Authorization`` only).

Every form carries a form token against cross-site request forgery. Signed in, it is
derived from the session id (an HMAC keyed by it, :func:`core.auth.sessions.form_token_of`):
bound to the session, it dies with it. Before signing in (the sign-in and public
evaluation forms) it is a random value repeated in its own cookie (double submit). A POST
whose field does not match, or whose ``Origin`` is another site's, changes nothing.

Cookies are ``Secure`` when the request came over HTTPS: directly, or through a proxy
listed in ``BANGFU_TRUSTED_PROXIES`` that says so in ``X-Forwarded-Proto`` (uvicorn's proxy
headers, configured by ``bangfu serve``; the proxy must pass the ``Host`` header on).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from core.auth.sessions import SESSION_ID, form_token_of
from core.errors import FORBIDDEN, BangfuError
from core.settings import session_absolute_timeout

STAFF_PATH = "/staff"
SESSION_COOKIE = "bangfu_staff"
CSRF_COOKIE = "bangfu_csrf"
CSRF_FIELD = "csrf"
MAX_TOKEN_LENGTH = 200


def request_scheme(request: Request) -> str:
    """http or https, as the browser used it (uvicorn rewrites it behind a trusted proxy)."""
    return request.url.scheme


def request_origin(request: Request) -> str:
    """This site's origin as the browser sees it: scheme and ``Host``."""
    host = request.headers.get("host") or request.url.netloc
    return f"{request_scheme(request)}://{host}".lower()


def _cookie(request: Request, key: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=STAFF_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        # a browser sends a Secure cookie over HTTPS only: set it whenever we are served so
        # (directly, or behind a trusted proxy that terminates TLS)
        secure=request_scheme(request) == "https",
    )


# --------------------------------------------------------------------------- sign-in
def pasted_token(value: Any) -> str | None:
    """The token as pasted (surrounding blanks and a ``Bearer`` prefix forgiven), or None
    when it cannot be one (empty, too long, not printable ASCII)."""
    if not isinstance(value, str):
        return None
    token = value.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if not all(33 <= ord(ch) < 127 for ch in token):
        return None
    return token


def signed_in_session(request: Request) -> str | None:
    """The session id this browser holds, if it has the shape of one (live or not)."""
    value = request.cookies.get(SESSION_COOKIE)
    return value if isinstance(value, str) and SESSION_ID.fullmatch(value) else None


def sign_in_cookie(request: Request, session_id: str) -> Cookie:
    seconds = int(session_absolute_timeout().total_seconds())
    return _cookie(request, SESSION_COOKIE, session_id, seconds)


def sign_out_cookie(request: Request) -> Cookie:
    return _cookie(request, SESSION_COOKIE, "", 0)


# --------------------------------------------------------------------------- CSRF
def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def form_token(request: Request, signing_out: bool = False) -> tuple[str, Cookie | None]:
    """The form token for the pages rendered now, and the cookie to set when the browser
    has none yet (None when it already has one). Signed in: the session's (unless this
    answer clears the session cookie: ``signing_out``)."""
    session_id = None if signing_out else signed_in_session(request)
    if session_id is not None:
        return form_token_of(session_id), None
    current = request.cookies.get(CSRF_COOKIE) or ""
    if 20 <= len(current) <= 100 and current.isascii():
        return current, None
    token = new_form_token()
    return token, _cookie(request, CSRF_COOKIE, token, None)


def fresh_form_token(request: Request) -> tuple[str, Cookie]:
    """A new form token (on sign-in and sign-out: nothing from before carries over)."""
    token = new_form_token()
    return token, _cookie(request, CSRF_COOKIE, token, None)


def form_expired() -> BangfuError:
    return BangfuError(
        FORBIDDEN,
        "the form has expired or did not come from this site: nothing was changed. "
        "Reload the page and send it again",
        "表单已过期或并非来自本站,未作任何更改。请刷新页面后重新提交",
    )


def foreign_origin() -> BangfuError:
    return BangfuError(
        FORBIDDEN,
        "the form was sent from another site: nothing was changed",
        "表单来自其他网站,未作任何更改",
    )


def check_origin(request: Request) -> None:
    """Refuse (``FORBIDDEN``) a request whose ``Origin`` (or, without one,
    ``Sec-Fetch-Site``) says it came from another site. A request with neither (not a
    browser, or a very old one) is left to the form token."""
    origin = request.headers.get("origin")
    if origin is not None:
        if origin.strip().lower().rstrip("/") != request_origin(request):
            raise foreign_origin()
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in ("same-origin", "none"):
        raise foreign_origin()


def check_form_token(request: Request, form: dict[str, Any]) -> None:
    """Refuse (``FORBIDDEN``) a POST from another site (``Origin``), or whose hidden
    ``csrf`` field does not match the session (signed in) or the form cookie."""
    check_origin(request)
    sent = form.get(CSRF_FIELD)
    session_id = signed_in_session(request)
    expected = form_token_of(session_id) if session_id else request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not sent.isascii() or not expected.isascii():
        raise form_expired()
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise form_expired()
