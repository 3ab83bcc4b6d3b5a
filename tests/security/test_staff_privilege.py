"""The serving role cannot mint staff (issue 20, finding 4): as ``bangfu_app`` on
PostgreSQL no account or session of its choosing can be written, no role, password hash
or TOTP secret changed, and the TOTP secrets it reads are sealed."""

from __future__ import annotations

import hashlib

import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.auth.accounts import authenticate, create_user
from core.auth.principal import Principal
from core.auth.sessions import resolve_session, start_session
from core.auth.totp_secrets import open_secret
from core.db.session import session_factory, tenant_scope

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"
KNOWN = {"hebei", "gansu"}
ARGON = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


@pytest.fixture
def zhao_secret(database_url):
    with session_factory(database_url)() as session:
        return create_user(session, "hebei", "zhao", "caseworker", PASSWORD, KNOWN, totp=True)


def refused(db, sql: str, **values) -> None:
    with tenant_scope(db, "hebei"), pytest.raises(DBAPIError) as caught:
        db.execute(text(sql), values)
    db.rollback()
    assert "permission denied" in str(caught.value) or "InsufficientPrivilege" in repr(
        caught.value
    ), caught.value


def test_the_serving_role_cannot_write_accounts_or_sessions_of_its_choosing(app_url, zhao_secret):
    chosen = hashlib.sha256(b"hebei." + b"a" * 43).hexdigest()
    with session_factory(app_url)() as db:
        refused(
            db,
            "INSERT INTO staff_users (tenant, username, role, password_hash) "
            "VALUES ('hebei', 'mallory', 'admin', :h)",
            h=ARGON,
        )
        refused(
            db,
            'INSERT INTO staff_sessions (tenant, session_hash, "user", role, via, '
            "created_at, last_seen_at) VALUES ('hebei', :h, 'zhao', 'admin', 'password', "
            "now(), now())",
            h=chosen,
        )
        for column, value in [
            ("role", "'admin'"),
            ("password_hash", f"'{ARGON}'"),
            ("totp_secret", "NULL"),
            ("disabled_at", "NULL"),
            ("username", "'mallory'"),
        ]:
            refused(db, f"UPDATE staff_users SET {column} = {value} WHERE username = 'zhao'")
        refused(db, "DELETE FROM staff_users")
        # the function refuses a session for an account that did not just sign in, a role
        # it does not have, or an account that does not exist
        for user, role in [("zhao", "caseworker"), ("zhao", "admin"), ("mallory", "admin")]:
            with pytest.raises(DBAPIError):
                start_session(db, Principal(user, "hebei", role), via="password")
            db.rollback()
        # the TOTP secret it reads is sealed
        with tenant_scope(db, "hebei"):
            stored = db.scalar(text("SELECT totp_secret FROM staff_users WHERE username='zhao'"))
        db.rollback()
        assert zhao_secret not in stored and stored.startswith("v1.")
        assert open_secret(stored, "hebei", "zhao") == zhao_secret
        with pytest.raises(ValueError):
            open_secret(stored, "hebei", "mallory")  # moved to another account: unreadable


def test_after_a_sign_in_the_serving_role_starts_touches_and_ends_the_session(app_url, zhao_secret):
    with session_factory(app_url)() as db:
        zhao = authenticate(db, "hebei", "zhao", PASSWORD, pyotp.TOTP(zhao_secret).now())
        with pytest.raises(DBAPIError):  # not with another role than the account's
            start_session(db, Principal("zhao", "hebei", "admin"), via="password")
        db.rollback()
        sid = start_session(db, zhao, via="password")
        assert resolve_session(db, sid) == zhao
        with tenant_scope(db, "hebei"):
            db.execute(text("UPDATE staff_sessions SET ended_at = now()"))
            db.commit()
        assert resolve_session(db, sid) is None
        refused(db, "UPDATE staff_sessions SET ended_at = NULL")  # it stays ended
        refused(db, "UPDATE staff_sessions SET role = 'admin'")


def test_the_serving_role_counts_failures_and_throttles(app_url, database_url, zhao_secret):
    from core.auth import accounts
    from core.errors import BangfuError

    with session_factory(app_url)() as db:
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(BangfuError):
                authenticate(db, "hebei", "zhao", "wrong guess", "000000", source="203.0.113.9")
        code = pyotp.TOTP(zhao_secret).now()
        with pytest.raises(BangfuError):  # right, but within the wait
            authenticate(db, "hebei", "zhao", PASSWORD, code, source="203.0.113.9")
    with session_factory(database_url)() as owner, tenant_scope(owner, "hebei"):
        counted = owner.scalar(text("SELECT failed_attempts FROM staff_users"))
        sources = owner.scalar(text("SELECT failures FROM sign_in_sources"))
    assert counted == accounts.MAX_FAILURES and sources == accounts.MAX_FAILURES + 1
