"""Staff accounts: a user name and password per tenant, an optional TOTP second factor,
growing delays after repeated failures, and disabling (``bangfu user create/disable``).

Passwords are hashed with argon2id (``argon2-cffi``, its recommended parameters). The
one-time codes are RFC 6238 TOTP (``pyotp``: 30-second steps, one step of clock drift
allowed); the last accepted time-step is kept, so a code works once. After
``MAX_FAILURES`` failed attempts in a row, and after many from one address, the next try
waits a delay that doubles with each failure (:mod:`core.auth.throttle`), never a fixed
lock a stranger could keep on. Every failure, for an unknown user, a disabled or a
waiting account, a wrong password or code, costs the same argon2 verification and gets
the same answer, so the sign-in form does not tell which user names exist.

Accounts sign in to the staff pages (the national union's to the national dashboard);
API clients keep their bearer tokens.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NoReturn

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pyotp import OTPVerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import throttle
from core.auth.principal import Principal
from core.auth.roles import NATIONAL, STAFF_ROLES
from core.auth.tokens import check_grant
from core.auth.totp_secrets import SecretUnreadable, open_secret, seal
from core.db.models import StaffUser
from core.db.session import tenant_scope
from core.errors import UNAUTHENTICATED, BangfuError, bad_input

#: failed attempts in a row after which the account's next try waits (5 s, then doubling)
MAX_FAILURES = throttle.ACCOUNT_FREE_FAILURES + 1
MIN_PASSWORD = 10
MAX_PASSWORD = 200
_hasher = PasswordHasher()
log = logging.getLogger("bangfu.accounts")
#: verified against for an unknown user, so a wrong user name costs as long as a wrong
#: password (no timing tells which names exist)
_DUMMY_HASH = _hasher.hash("bangfu-no-such-user")


def _now() -> datetime:
    return datetime.now(UTC)


def sign_in_refused() -> BangfuError:
    return BangfuError(
        UNAUTHENTICATED,
        "the user name, password or one-time code is wrong, the account is disabled, or "
        "there were too many failures: wait a little (longer after each) and try again",
        "用户名、密码或动态验证码不正确,或账户已停用,或失败次数过多:"
        "请稍候再试(每次失败后等待时间加长)",
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
                totp_secret=seal(secret, tenant, username.strip()) if secret else None,
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
    session: Session,
    tenant: str,
    username: str,
    password: str,
    code: str = "",
    *,
    source: str | None = None,
) -> Principal:
    """The principal of a correct user name, password (and one-time code, when the
    account has TOTP) for ``tenant``, tried from the address ``source``.

    Every try of a known or unknown user name does the same work (one argon2
    verification: against a dummy hash for an unknown name) and gets the same answer,
    so neither the answer nor its time tells which names exist, nor which accounts are
    disabled or waiting. Failures make the account and the address wait a growing delay
    (:mod:`core.auth.throttle`); a one-time code is accepted once.

    :raises BangfuError: ``UNAUTHENTICATED``, one answer for every kind of failure
    """
    username = username.strip()
    if not username or len(username) > 100 or len(password) > MAX_PASSWORD:
        raise sign_in_refused()
    now = _now()
    with tenant_scope(session, tenant):
        if throttle.source_waits(session, source, now):  # says nothing of any account
            _refuse(session, None, source, now)
        user = _find(session, tenant, username)
        password_ok = _password_ok(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or user.disabled_at is not None or throttle.account_waits(user, now):
            _refuse(session, None, source, now)  # uncounted for the account
        step = _code_step(user, code)
        if not password_ok or step is False:
            _refuse(session, user.id, source, now)
        accepted = None if step is True else int(step)
        if not throttle.account_succeeded(session, user.id, now, accepted):
            _refuse(session, None, source, now)  # a delay began meanwhile, or a replay
        principal = Principal(user=user.username, tenant=user.tenant, role=user.role)
        session.commit()
        return principal


def _refuse(session: Session, user_id: int | None, source: str | None, now: datetime) -> NoReturn:
    """Count the failure (the account's when ``user_id``, the address's always), keep
    the count, and refuse."""
    session.rollback()
    if user_id is not None:
        throttle.account_failed(session, user_id, now)
    throttle.source_failed(session, source, now)
    session.commit()
    raise sign_in_refused()


def _password_ok(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _code_step(user: StaffUser, code: str) -> int | bool:
    """True for an account without TOTP; else the time-step of a right code not used
    before (one step of clock drift allowed), or False."""
    if not user.totp_secret:
        return True
    code = (code or "").strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):
        return False
    try:
        secret = open_secret(user.totp_secret, user.tenant, user.username)
    except SecretUnreadable as exc:
        log.error("%s: this account cannot sign in until it has a new secret", exc)
        return False
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=1)
    except OTPVerificationError:
        return False
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return False  # this code, or an older one, was accepted already
    return step


def needs_code(session: Session, tenant: str, username: str) -> bool:  # pragma: no cover
    """Whether the account asks for a one-time code (the form always offers the field)."""
    with tenant_scope(session, tenant):
        user = _find(session, tenant, username.strip())
        return bool(user and user.totp_secret)
