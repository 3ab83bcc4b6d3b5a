"""Bearer tokens: made by ``bangfu token create``, checked on every request.

A token is ``bf_`` followed by 32 random bytes (URL-safe base64). Only its SHA-256 is
stored: a stolen database gives no usable token, and a random secret of that length needs
no salt or slow hash. A token belongs to one tenant (or the national level) and one role.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.auth.roles import NATIONAL, NATIONAL_ROLES, ROLES, STAFF_ROLES
from core.db.models import ApiToken
from core.errors import UNAUTHENTICATED, BangfuError, bad_input

PREFIX = "bf_"
MAX_USER = 100


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


def issue_token(
    session: Session, tenant: str, role: str, user: str, known_tenants: set[str]
) -> str:
    """Store the hash of a new token for ``user`` and return the token (shown once)."""
    check_grant(tenant, role, user, known_tenants)
    token = new_secret()
    session.add(ApiToken(token_hash=hash_token(token), tenant=tenant, role=role, user=user.strip()))
    session.commit()
    return token


def create_token(url: str, tenant: str, role: str, user: str) -> str:
    """``bangfu token create``: migrate the database if needed, store and print a token."""
    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.registry import load_registry

    upgrade(url)
    known = set(load_registry().tenants)
    with session_factory(url)() as session:
        return issue_token(session, tenant, role, user, known)


def verify_token(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token; None otherwise."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_hash, digest):  # pragma: no cover - belt and braces
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
            "the bearer token is not valid (unknown or revoked); ask an administrator for one",
            "令牌无效(不存在或已撤销),请向管理员申请",
        )
    return principal


def revoke_token(session: Session, token: str) -> bool:
    """Revoke a token; True when it existed and was active."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))
