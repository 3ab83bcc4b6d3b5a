"""The staff pages' two cookies: the signed-in token, and the form token against CSRF.

Sign-in stores the bearer token a member of staff pasted (from ``bangfu token create``)
in an HttpOnly, ``SameSite=Strict`` cookie scoped to ``/staff``: scripts cannot read it,
other sites cannot make the browser send it, and the GraphQL endpoint never sees it (the
API reads ``Authorization`` only). The token is checked again on every request, so a
revoked token signs its holder out at once. It is never logged.

Forms carry a second secret against cross-site request forgery: a random value kept in
its own cookie and repeated in a hidden ``csrf`` field of every form (the double-submit
pattern). Another site can make a browser post a form, but it can neither read our
cookie to copy the value nor, with ``SameSite=Strict``, get the cookie sent at all; a
POST whose field does not match the cookie changes nothing. The check needs no state on
the server, so every worker process accepts every form.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from core.errors import FORBIDDEN, BangfuError

STAFF_PATH = "/staff"
TOKEN_COOKIE = "bangfu_staff"
CSRF_COOKIE = "bangfu_csrf"
CSRF_FIELD = "csrf"
#: A working day and a half: long enough for a shift, short enough for a forgotten browser.
SIGNED_IN_SECONDS = 12 * 3600
MAX_TOKEN_LENGTH = 200


def _cookie(request: Request, key: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=STAFF_PATH,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        # a browser sends a Secure cookie over HTTPS only: set it whenever we are served so
        secure=request.url.scheme == "https",
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


def signed_in_token(request: Request) -> str | None:
    """The token of the staff member signed in on this browser, if any."""
    return pasted_token(request.cookies.get(TOKEN_COOKIE))


def sign_in_cookie(request: Request, token: str) -> Cookie:
    return _cookie(request, TOKEN_COOKIE, token, SIGNED_IN_SECONDS)


def sign_out_cookie(request: Request) -> Cookie:
    return _cookie(request, TOKEN_COOKIE, "", 0)


# --------------------------------------------------------------------------- CSRF
def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def form_token(request: Request) -> tuple[str, Cookie | None]:
    """The form token for the pages rendered now, and the cookie to set when the browser
    has none yet (None when it already has one)."""
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


def check_form_token(request: Request, form: dict[str, Any]) -> None:
    """Refuse (``FORBIDDEN``) a POST whose hidden ``csrf`` field does not match the cookie."""
    sent = form.get(CSRF_FIELD)
    expected = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not sent.isascii() or not expected.isascii():
        raise form_expired()
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise form_expired()
