"""Server-side sessions of the staff pages: a random id in the cookie, the rest here.

Signing in (with a token, or a password) stores a session and gives the browser its id:
``<tenant>.<43 random URL-safe characters>`` (256 bits). Only the SHA-256 of the id is
stored, so a copy of the database opens no session. The tenant in the id tells the
database which tenant's rows to look in: on PostgreSQL ``staff_sessions`` has the same
row-level security as every tenant table, and a session is read only under its tenant.

A session ends when its holder signs out (:func:`end_session`), when it has not been used
for the idle timeout or is older than the absolute timeout (settings
``BANGFU_SESSION_IDLE_MINUTES``, 30, and ``BANGFU_SESSION_ABSOLUTE_HOURS``, 12, or the
``idle`` and ``absolute`` arguments), when the token it was opened with is revoked or
expires, and when an administrator ends every session of the user
(:func:`end_sessions_of`). An ended or expired session answers like an unknown one.

The form token against CSRF is derived from the session id (:func:`form_token_of`): it
is worthless without the HttpOnly cookie, and dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.db.models import ApiToken, StaffSession
from core.db.session import tenant_scope
from core.settings import session_absolute_timeout, session_idle_timeout

VIA = frozenset({"token", "password"})
#: ``<tenant>.<secret>``: a tenant code (as the registry allows) and 32 random bytes
SESSION_ID = re.compile(r"([a-z][a-z0-9_]{0,39})\.([A-Za-z0-9_-]{43})")
#: last-seen is written at most this often, so that a busy page costs no write a request
TOUCH_EVERY = timedelta(seconds=60)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def form_token_of(session_id: str) -> str:
    """The CSRF form token of a session: an HMAC keyed by the (secret) session id."""
    return hmac.new(session_id.encode("utf-8"), b"bangfu form token", hashlib.sha256).hexdigest()


def _tenant_of(session_id: str) -> str | None:
    found = SESSION_ID.fullmatch(session_id) if isinstance(session_id, str) else None
    return found.group(1) if found else None


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start_session(
    db: Session,
    principal: Principal,
    *,
    via: str,
    token_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new server-side session for ``principal``; return the opaque random session
    id (only its hash is stored). ``via``: "token" or "password"; ``token_id``: the
    :class:`~core.db.models.ApiToken` signed in with (revoking it ends the session)."""
    if via not in VIA:
        raise ValueError(f"via must be one of {sorted(VIA)}, not {via!r}")
    session_id = f"{principal.tenant}.{secrets.token_urlsafe(32)}"
    if _tenant_of(session_id) != principal.tenant:
        raise ValueError(f"not a tenant code a session can carry: {principal.tenant!r}")
    moment = now or datetime.now(UTC)
    with tenant_scope(db, principal.tenant):
        if not _writes_sessions_itself(db):
            db.execute(
                text(
                    "SELECT bangfu_start_session(:tenant, :hash, :user, :role, :via, "
                    ":token_id, :at)"
                ),
                {
                    "tenant": principal.tenant,
                    "hash": hash_session_id(session_id),
                    "user": principal.user,
                    "role": principal.role,
                    "via": via,
                    "token_id": token_id,
                    "at": moment,
                },
            )
            db.commit()
            return session_id
        db.add(
            StaffSession(
                tenant=principal.tenant,
                session_hash=hash_session_id(session_id),
                user=principal.user,
                role=principal.role,
                via=via,
                token_id=token_id,
                created_at=moment,
                last_seen_at=moment,
            )
        )
        db.commit()
    return session_id


def _writes_sessions_itself(db: Session) -> bool:
    """Whether this connection may insert sessions itself (SQLite; the owner on
    PostgreSQL). The serving role may not (migration 0018b): it starts a session through
    ``bangfu_start_session``, which checks the account or token it is given."""
    bind = db.get_bind()
    if bind.dialect.name != "postgresql":
        return True
    key = bind.engine.url.render_as_string(hide_password=True)
    found = _MAY_INSERT.get(key)
    if found is None:
        found = bool(db.scalar(text("SELECT has_table_privilege('staff_sessions', 'INSERT')")))
        _MAY_INSERT[key] = found
    return found


_MAY_INSERT: dict[str, bool] = {}


def resolve_session(
    db: Session,
    session_id: str,
    *,
    now: datetime | None = None,
    idle: timedelta | None = None,
    absolute: timedelta | None = None,
) -> Principal | None:
    """The principal of a live session (idle and absolute timeouts: the arguments, else the
    settings), touching its last-seen time; None when unknown, expired or ended."""
    tenant = _tenant_of(session_id)
    if tenant is None:
        return None
    moment = now or datetime.now(UTC)
    idle = idle or session_idle_timeout()
    absolute = absolute or session_absolute_timeout()
    with tenant_scope(db, tenant):
        found = db.execute(
            select(StaffSession, ApiToken.revoked_at, ApiToken.expires_at)
            .outerjoin(ApiToken, ApiToken.id == StaffSession.token_id)
            .where(
                StaffSession.session_hash == hash_session_id(session_id),
                StaffSession.tenant == tenant,
            )
        ).first()
        if found is None:
            db.rollback()
            return None
        row, token_revoked, token_expires = found
        live = (
            row.ended_at is None
            and moment - _aware(row.last_seen_at) < idle
            and moment - _aware(row.created_at) < absolute
            and token_revoked is None
            and (token_expires is None or _aware(token_expires) > moment)
        )
        if row.via == "token" and row.token_id is None:  # pragma: no cover - never stored so
            live = False
        if not live:
            db.rollback()
            return None
        principal = Principal(user=row.user, tenant=row.tenant, role=row.role)
        if moment - _aware(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = moment
            db.commit()
        else:
            db.rollback()
        return principal


def end_session(db: Session, session_id: str) -> None:
    """End a session (signing out): its id opens nothing from now on."""
    tenant = _tenant_of(session_id)
    if tenant is None:
        return
    with tenant_scope(db, tenant):
        db.execute(
            update(StaffSession)
            .where(
                StaffSession.session_hash == hash_session_id(session_id),
                StaffSession.ended_at.is_(None),
            )
            .values(ended_at=datetime.now(UTC))
        )
        db.commit()


def end_sessions_of(db: Session, tenant: str, user: str) -> int:
    """End every live session of ``user`` in ``tenant``; how many were ended."""
    with tenant_scope(db, tenant):
        result = db.execute(
            update(StaffSession)
            .where(
                StaffSession.tenant == tenant,
                StaffSession.user == user,
                StaffSession.ended_at.is_(None),
            )
            .values(ended_at=datetime.now(UTC))
        )
        db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions_of_token(db: Session, tenant: str, token_id: int) -> int:
    """End every live session opened with the token ``token_id`` (on revocation)."""
    with tenant_scope(db, tenant):
        result = db.execute(
            update(StaffSession)
            .where(StaffSession.token_id == token_id, StaffSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
        db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = [
    "end_session",
    "end_sessions_of",
    "end_sessions_of_token",
    "form_token_of",
    "resolve_session",
    "start_session",
]
