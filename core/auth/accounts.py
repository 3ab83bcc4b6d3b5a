"""Staff accounts: a user name and password per tenant, an optional TOTP second factor,
lock-out after repeated failures, and disabling (``bangfu user create/disable``).

Passwords are hashed with argon2id (``argon2-cffi``, its recommended parameters); a hash
made with older parameters is re-hashed at the next sign-in. The one-time codes are
RFC 6238 TOTP (``pyotp``: 30-second steps, one step of clock drift allowed). After
``MAX_FAILURES`` failed attempts in a row the account is locked for ``LOCK_MINUTES``;
every failure, including for an unknown user or a locked account, gets the same answer,
so the sign-in form does not tell which user names exist.

Accounts sign in to the staff pages (the national union's to the national dashboard);
API clients keep their bearer tokens.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.auth.roles import NATIONAL, STAFF_ROLES
from core.auth.tokens import check_grant
from core.db.models import StaffUser
from core.db.session import tenant_scope
from core.errors import UNAUTHENTICATED, BangfuError, bad_input

MAX_FAILURES = 5  #: failed attempts in a row before the account is locked
LOCK_MINUTES = 15
MIN_PASSWORD = 10
MAX_PASSWORD = 200
_hasher = PasswordHasher()
#: verified against for an unknown user, so a wrong user name costs as long as a wrong
#: password (no timing tells which names exist)
_DUMMY_HASH = _hasher.hash("bangfu-no-such-user")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive datetimes
        return value.replace(tzinfo=UTC)
    return value


def sign_in_refused() -> BangfuError:
    return BangfuError(
        UNAUTHENTICATED,
        "the user name, password or one-time code is wrong, or the account is locked for "
        f"a while after {MAX_FAILURES} failures or disabled",
        f"用户名、密码或动态验证码不正确,或账户因连续{MAX_FAILURES}次失败被暂时锁定"
        f"({LOCK_MINUTES}分钟)、已被停用",
    )


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise bad_input(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            f"密码应为{MIN_PASSWORD}至{MAX_PASSWORD}个字符",
        )


def create_user(
    session: Session,
    tenant: str,
    username: str,
    role: str,
    password: str,
    known_tenants: set[str],
    *,
    totp: bool = False,
    display_name: str = "",
) -> str | None:
    """Store a new account; returns its TOTP secret when ``totp`` (shown once, for the
    user's authenticator app), else None. Regional staff, and the national union's people
    (tenant ``national``, role ``national``: the national dashboard)."""
    national = tenant == NATIONAL and role == NATIONAL
    if not national and (tenant == NATIONAL or role not in STAFF_ROLES):
        raise bad_input(
            "accounts are for regional staff (caseworker, reviewer, approver, chairman, admin) "
            "and for the national union (tenant national, role national)",
            "账户只用于地区工作人员和全国总工会(national 角色)",
        )
    check_grant(tenant, role, username, known_tenants)
    check_password(password)
    secret = pyotp.random_base32() if totp else None
    with tenant_scope(session, tenant):
        exists = session.scalar(
            select(StaffUser.id).where(
                StaffUser.tenant == tenant, StaffUser.username == username.strip()
            )
        )
        if exists:
            raise bad_input(f"the user {username!r} exists in {tenant}", f"用户 {username} 已存在")
        session.add(
            StaffUser(
                tenant=tenant,
                username=username.strip(),
                display_name=display_name.strip(),
                role=role,
                password_hash=_hasher.hash(password),
                totp_secret=secret,
            )
        )
        session.commit()
    return secret


def disable_user(session: Session, tenant: str, username: str) -> bool:
    """Disable an account (it never signs in again); True when it was active."""
    with tenant_scope(session, tenant):
        user = _find(session, tenant, username)
        if user is None or user.disabled_at is not None:
            return False
        user.disabled_at = _now()
        session.commit()
        return True


def _find(session: Session, tenant: str, username: str) -> StaffUser | None:
    return session.scalars(
        select(StaffUser).where(StaffUser.tenant == tenant, StaffUser.username == username)
    ).first()


def authenticate(
    session: Session, tenant: str, username: str, password: str, code: str = ""
) -> Principal:
    """The principal of a correct user name, password (and one-time code, when the
    account has TOTP) for ``tenant``.

    :raises BangfuError: ``UNAUTHENTICATED``, one answer for every kind of failure
    """
    username = username.strip()
    if not username or len(username) > 100 or len(password) > MAX_PASSWORD:
        raise sign_in_refused()
    with tenant_scope(session, tenant):
        user = _find(session, tenant, username)
        if user is None:
            with suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password)
            raise sign_in_refused()
        now = _now()
        locked = _aware(user.locked_until)
        if user.disabled_at is not None or (locked is not None and locked > now):
            raise sign_in_refused()
        if not _password_ok(user, password) or not _code_ok(user, code):
            user.failed_attempts += 1
            if user.failed_attempts >= MAX_FAILURES:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_attempts = 0
            session.commit()
            raise sign_in_refused()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.failed_attempts = 0
        user.locked_until = None
        user.last_sign_in_at = now
        principal = Principal(user=user.username, tenant=user.tenant, role=user.role)
        session.commit()
        return principal


def _password_ok(user: StaffUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _code_ok(user: StaffUser, code: str) -> bool:
    if not user.totp_secret:
        return True
    code = (code or "").strip().replace(" ", "")
    return code.isdigit() and pyotp.TOTP(user.totp_secret).verify(code, valid_window=1)


def needs_code(session: Session, tenant: str, username: str) -> bool:  # pragma: no cover
    """Whether the account asks for a one-time code (the form always offers the field)."""
    with tenant_scope(session, tenant):
        user = _find(session, tenant, username.strip())
        return bool(user and user.totp_secret)
