"""Bearer tokens: made by ``bangfu token create``, checked on every request.

A token is ``bf_`` followed by 32 random bytes (URL-safe base64). Only its SHA-256 is
stored: a stolen database gives no usable token, and a random secret of that length needs
no salt or slow hash. A token belongs to one tenant (or the national level) and one role,
and expires (90 days after it is made unless ``--days`` says otherwise).

``bangfu token list`` shows tokens by their number, never their secret, and ``bangfu token
revoke`` takes that number or a user name, so nobody needs to keep or type a secret to
take one back. Revoking a token also ends the staff-page sessions opened with it. These
commands run as the database owner: the serving role may not write tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.auth.roles import NATIONAL, NATIONAL_ROLES, ROLES, STAFF_ROLES
from core.db.models import ApiToken
from core.errors import UNAUTHENTICATED, BangfuError, bad_input

PREFIX = "bf_"
MAX_USER = 100
DEFAULT_DAYS = 90  #: a token's life unless ``--days`` says otherwise
MAX_DAYS = 3 * 366


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_grant(tenant: str, role: str, user: str, known_tenants: set[str]) -> None:
    """Refuse a tenant, role or user name a token cannot carry."""
    if role not in ROLES:
        raise bad_input(f"unknown role {role!r}; roles: {', '.join(ROLES)}", f"没有角色 {role}")
    if tenant == NATIONAL:
        if role not in NATIONAL_ROLES:
            raise bad_input(
                f"a national token has the role {' or '.join(sorted(NATIONAL_ROLES))}",
                "全国层级的令牌只能是 national 或 admin 角色",
            )
    elif tenant not in known_tenants:
        raise bad_input(
            f"unknown tenant {tenant!r} (known: {', '.join(sorted(known_tenants))})",
            f"没有地区 {tenant}",
        )
    elif role not in STAFF_ROLES:
        raise bad_input(
            f"the role {role!r} belongs to the national level, not to tenant {tenant!r}",
            f"角色 {role} 只属于全国层级",
        )
    name = user.strip()
    if not name or len(name) > MAX_USER or any(not ch.isprintable() for ch in name):
        raise bad_input(
            f"a user name has 1 to {MAX_USER} printable characters", "用户名应为1至100个可见字符"
        )


def check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise bad_input(
            f"a token lives 1 to {MAX_DAYS} days, not {days}",
            f"令牌有效期应为1至{MAX_DAYS}天,本次为{days}天",
        )


def issue_token(
    session: Session,
    tenant: str,
    role: str,
    user: str,
    known_tenants: set[str],
    days: int = DEFAULT_DAYS,
) -> str:
    """Store the hash of a new token for ``user``, valid ``days`` days, and return the token
    (shown once)."""
    check_grant(tenant, role, user, known_tenants)
    check_days(days)
    token = new_secret()
    now = datetime.now(UTC)
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            tenant=tenant,
            role=role,
            user=user.strip(),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    session.commit()
    return token


def create_token(url: str, tenant: str, role: str, user: str, days: int = DEFAULT_DAYS) -> str:
    """``bangfu token create``: migrate the database if needed, store and print a token."""
    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.registry import load_registry

    upgrade(url)
    known = set(load_registry().tenants)
    with session_factory(url)() as session:
        return issue_token(session, tenant, role, user, known, days)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def is_live(row: ApiToken, now: datetime | None = None) -> bool:
    """Not revoked, and not past its expiry."""
    expires = _aware(row.expires_at)
    return row.revoked_at is None and (expires is None or expires > (now or datetime.now(UTC)))


def find_token(session: Session, token: str) -> ApiToken | None:
    """The row of a valid (known, unrevoked, unexpired) token; None otherwise."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not is_live(row):
        return None
    if not hmac.compare_digest(row.token_hash, digest):  # pragma: no cover - belt and braces
        return None
    return row


def verify_token(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked, unexpired token; None otherwise."""
    row = find_token(session, token)
    if row is None:
        return None
    return Principal(user=row.user, tenant=row.tenant, role=row.role)


def principal_from_header(session: Session, authorization: str | None) -> Principal | None:
    """The principal of an ``Authorization`` header: None when absent (anonymous);
    UNAUTHENTICATED when present but not a valid bearer token."""
    if not authorization or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BangfuError(
            UNAUTHENTICATED,
            "the Authorization header must be 'Bearer <token>'",
            "Authorization 请求头应为 'Bearer <令牌>'",
        )
    principal = verify_token(session, token.strip())
    if principal is None:
        raise BangfuError(
            UNAUTHENTICATED,
            "the bearer token is not valid (unknown, expired or revoked); ask an administrator "
            "for one",
            "令牌无效(不存在、已过期或已撤销),请向管理员申请",
        )
    return principal


def revoke_token(session: Session, token: str) -> bool:
    """Revoke a token given its secret; True when it existed and was active."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    return bool(row is not None and revoke_tokens(session, ids=[row.id]))


def revoke_tokens(
    session: Session, *, ids: list[int] | None = None, user: str | None = None
) -> list[int]:
    """Revoke the active tokens with these numbers, or every active token of ``user``;
    end the staff sessions opened with them. The numbers of the tokens revoked."""
    from core.auth.sessions import end_sessions_of_token

    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if ids is not None:
        query = query.where(ApiToken.id.in_(ids))
    elif user is not None:
        query = query.where(ApiToken.user == user.strip())
    else:
        raise ValueError("revoke by ids or by user")
    rows = session.scalars(query.order_by(ApiToken.id)).all()
    now = datetime.now(UTC)
    revoked = [(row.id, row.tenant) for row in rows]
    if revoked:
        session.execute(
            update(ApiToken).where(ApiToken.id.in_([i for i, _ in revoked])).values(revoked_at=now)
        )
    session.commit()
    for token_id, tenant in revoked:
        end_sessions_of_token(session, tenant, token_id)
    return [i for i, _ in revoked]


@dataclass(frozen=True)
class TokenListing:
    """What ``bangfu token list`` shows of a token: everything but its secret."""

    id: int
    tenant: str
    role: str
    user: str
    created: datetime | None
    expires: datetime | None
    revoked: datetime | None

    def state(self, now: datetime | None = None) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= (now or datetime.now(UTC)):
            return "expired"
        return "active"


def list_tokens(
    session: Session, tenant: str | None = None, user: str | None = None
) -> list[TokenListing]:
    """Every token (of ``tenant``, of ``user``), oldest first, without its secret."""
    query = select(ApiToken).order_by(ApiToken.id)
    if tenant is not None:
        query = query.where(ApiToken.tenant == tenant)
    if user is not None:
        query = query.where(ApiToken.user == user)
    return [
        TokenListing(
            row.id,
            row.tenant,
            row.role,
            row.user,
            _aware(row.created_at),
            _aware(row.expires_at),
            _aware(row.revoked_at),
        )
        for row in session.scalars(query)
    ]
