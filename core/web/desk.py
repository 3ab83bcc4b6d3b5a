"""A member of staff at work: who signed in, and the case service acting for them.

Every page that shows or changes a case file opens a :class:`Desk` for the request: the
server-side session named by the sign-in cookie is resolved (an ended or timed-out
session, or one whose token was revoked, no longer works), its principal must be staff of
the tenant in the address, and the case service is the one the GraphQL
mutations use (:class:`core.cases.service.CaseService`), on the same kind of request
session. Roles, four eyes, deadlines and tenant scoping are therefore enforced exactly
as for the API: the pages add no rule of their own.

A token of another tenant gets the same answer as a token that does not exist, so the
sign-in form never tells anyone which region a token belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from litestar import Request

from core.auth.principal import Principal
from core.auth.sessions import end_session, resolve_session, start_session
from core.auth.tokens import find_token
from core.cases.service import CaseService
from core.db.request import STATE_KEY, RequestDatabase
from core.errors import UNAUTHENTICATED, BangfuError
from core.registry import Registry, Tenant
from core.settings import database_url
from core.web.session import signed_in_session


class NotSignedIn(Exception):
    """The page needs a member of this tenant's staff: the sign-in form answers instead."""

    def __init__(self, en: str, zh: str, token_refused: bool = False) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh
        self.token_refused = token_refused  #: the browser's token no longer works: forget it


def please_sign_in() -> NotSignedIn:
    return NotSignedIn(
        "sign in with your staff token to work on case files",
        "请使用工作人员令牌登录后办理档案",
    )


def token_not_accepted(tenant: Tenant) -> BangfuError:
    """One answer for a token that is unknown, revoked, of another region or not staff."""
    return BangfuError(
        UNAUTHENTICATED,
        f"this token does not sign in to {tenant.info.name}: it is unknown, revoked or not "
        "a staff token of this region. Ask your administrator for one",
        f"此令牌不能登录{tenant.info.name}:令牌不存在、已撤销或不是本地区的工作人员令牌,"
        "请向管理员申请",
    )


@dataclass(frozen=True)
class Desk:
    """The signed-in member of staff, in their own tenant, with the case service."""

    tenant: Tenant
    principal: Principal
    cases: CaseService


def _database(request: Request) -> RequestDatabase:
    url = request.app.state.get(STATE_KEY) or database_url()
    return RequestDatabase(url)


def _works_in(principal: Principal | None, tenant: Tenant) -> bool:
    return principal is not None and principal.is_staff and principal.tenant == tenant.code


def sign_in_with_token(request: Request, tenant: Tenant, token: str) -> str:
    """Exchange a pasted token for a new session of its holder; the session id.

    :raises BangfuError: ``UNAUTHENTICATED`` when the token is not a live staff token of
        ``tenant`` (one answer for every reason)
    """
    db = _database(request)
    try:
        row = find_token(db.session, token)
        if row is None:
            raise token_not_accepted(tenant)
        principal = Principal(row.user, row.tenant, row.role)
        if not _works_in(principal, tenant):
            raise token_not_accepted(tenant)
        token_id = row.id
        db.session.rollback()  # the read's transaction ends before the session is stored
        return start_session(db.session, principal, via="token", token_id=token_id)
    finally:
        db.close()


def sign_out_session(request: Request) -> None:
    """End this browser's session on the server (nothing when it has none)."""
    session_id = signed_in_session(request)
    if session_id is None:
        return
    db = _database(request)
    try:
        end_session(db.session, session_id)
    finally:
        db.close()


@contextmanager
def open_desk(request: Request, tenant: Tenant) -> Iterator[Desk]:
    """The desk of the staff member signed in on this browser, for one request.

    :raises NotSignedIn: nobody is signed in, or the session no longer works here
    """
    session_id = signed_in_session(request)
    if session_id is None:
        raise please_sign_in()
    db = _database(request)
    try:
        principal = resolve_session(db.session, session_id)
        if principal is None or not _works_in(principal, tenant):
            refused = please_sign_in()
            # a dead session is forgotten; a live one of another region stays for its pages
            refused.token_refused = principal is None
            raise refused
        registry: Registry = request.app.state.registry
        yield Desk(tenant, principal, CaseService(db.session, registry))
    finally:
        db.close()
