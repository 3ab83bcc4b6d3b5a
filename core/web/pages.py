"""Answering with a page: a template, the tenant's branding, the form token, safe headers.

Every page goes out through :func:`page` (and every redirect through :func:`see_other`),
so none can forget the form token or the headers that keep the pages to themselves:
no caching (they show personal data), no framing, no scripts at all, forms posted only
back here, and no address (a case number) passed on to other sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from core.web.presenters import Brand
from core.web.session import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, STAFF_PATH, form_token

#: the font-size switch (适老化): the sizes, and the cookie that keeps the choice
TEXT_SIZES = ("normal", "large", "larger")
TEXT_SIZE_COOKIE = "bangfu_text"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' https:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with
    # every form, and the Origin check (session.check_origin) refuses them all. Other
    # sites still get no address (a case number) from us.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def page(
    request: Request,
    template: str,
    brand: Brand | None,
    *,
    status: int = 200,
    cookies: Sequence[Cookie] = (),
    **context: Any,
) -> Template:
    """``template`` rendered for ``brand`` (None: the pages of no particular tenant)."""
    sent = list(cookies)
    renewed = next((c for c in sent if c.key == CSRF_COOKIE and c.value), None)
    if renewed is not None:  # a form token set now is the one this page's forms carry
        token = str(renewed.value)
    else:
        signing_out = any(c.key == SESSION_COOKIE and not c.value for c in sent)
        token, new_cookie = form_token(request, signing_out)
        if new_cookie is not None:
            sent.append(new_cookie)
    size = request.cookies.get(TEXT_SIZE_COOKIE)
    return Template(
        template_name=template,
        context={
            "brand": brand,
            "csrf": token,
            "csrf_field": CSRF_FIELD,
            "text_size": size if size in TEXT_SIZES else "normal",
            "text_sizes": TEXT_SIZES,
            "here": request.url.path,
            **context,
        },
        status_code=status,
        cookies=sent,
        headers=SECURITY_HEADERS,
    )


def see_other(url: str, cookies: Sequence[Cookie] = ()) -> Redirect:
    """303 See Other: after a form that changed something, the browser loads ``url``."""
    return Redirect(url, status_code=303, cookies=list(cookies), headers=SECURITY_HEADERS)


def text_size_cookie(request: Request, size: str) -> Cookie:
    """The chosen font size, for a year, on the staff pages only."""
    return Cookie(
        key=TEXT_SIZE_COOKIE,
        value=size if size in TEXT_SIZES else "normal",
        path=STAFF_PATH,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
