"""Server-side staff sessions (core.auth.sessions): a random id, only its hash stored,
idle and absolute timeouts, ended by signing out, by the user's administrator and by
revoking the token it was opened with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.auth.principal import Principal
from core.auth.sessions import (
    end_session,
    end_sessions_of,
    resolve_session,
    start_session,
)
from core.auth.tokens import find_token, issue_token, revoke_tokens

KNOWN = {"hebei", "gansu", "demo_city", "national"}
ZHAO = Principal("zhao", "hebei", "approver")


def test_a_session_id_is_random_and_only_its_hash_is_stored(session):
    first = start_session(session, ZHAO, via="password")
    second = start_session(session, ZHAO, via="password")
    assert first != second and len(first) > 40
    assert resolve_session(session, first) == ZHAO
    # the test database's owner (a superuser on PostgreSQL) reads past row-level security
    dump = " ".join(str(r) for r in session.execute(text("select * from staff_sessions")).all())
    session.rollback()
    assert first not in dump and first.split(".")[1] not in dump


def test_unknown_forged_and_other_tenants_ids_open_nothing(session):
    sid = start_session(session, ZHAO, via="password")
    secret = sid.split(".", 1)[1]
    for forged in ("", "x", "bf_" + "a" * 43, f"gansu.{secret}", sid + "x", f"hebei.{'a' * 43}"):
        assert resolve_session(session, forged) is None


def test_idle_and_absolute_timeouts(session):
    start = datetime.now(UTC)
    sid = start_session(session, ZHAO, via="password", now=start)
    idle, absolute = timedelta(minutes=30), timedelta(hours=12)
    at = start + timedelta(minutes=29)
    assert resolve_session(session, sid, now=at, idle=idle, absolute=absolute) == ZHAO
    # used at 29 minutes: idle again from there, not from the start
    at += timedelta(minutes=29)
    assert resolve_session(session, sid, now=at, idle=idle, absolute=absolute) == ZHAO
    # 31 idle minutes: gone, and it stays gone
    late = at + timedelta(minutes=31)
    assert resolve_session(session, sid, now=late, idle=idle, absolute=absolute) is None

    busy = start_session(session, ZHAO, via="password", now=start)
    for steps in range(1, 36):  # every 20 minutes, up to 11 h 40
        moment = start + steps * timedelta(minutes=20)
        assert resolve_session(session, busy, now=moment, idle=idle, absolute=absolute) == ZHAO
    moment = start + timedelta(hours=12)
    assert resolve_session(session, busy, now=moment, idle=idle, absolute=absolute) is None


def test_the_timeouts_are_settings(session, monkeypatch):
    start = datetime.now(UTC)
    sid = start_session(session, ZHAO, via="password", now=start)
    monkeypatch.setenv("BANGFU_SESSION_IDLE_MINUTES", "5")
    assert resolve_session(session, sid, now=start + timedelta(minutes=4)) == ZHAO
    assert resolve_session(session, sid, now=start + timedelta(minutes=10)) is None
    monkeypatch.setenv("BANGFU_SESSION_IDLE_MINUTES", "600")
    monkeypatch.setenv("BANGFU_SESSION_ABSOLUTE_HOURS", "1")
    other = start_session(session, ZHAO, via="password", now=start)
    assert resolve_session(session, other, now=start + timedelta(minutes=59)) == ZHAO
    assert resolve_session(session, other, now=start + timedelta(minutes=61)) is None


def test_signing_out_and_ending_a_users_sessions(session):
    sid = start_session(session, ZHAO, via="password")
    end_session(session, sid)
    assert resolve_session(session, sid) is None
    end_session(session, "not a session")  # nothing to end: no error

    mine = [start_session(session, ZHAO, via="password") for _ in range(3)]
    wang = start_session(session, Principal("wang", "hebei", "caseworker"), via="password")
    other = start_session(session, Principal("zhao", "gansu", "approver"), via="password")
    assert end_sessions_of(session, "hebei", "zhao") == 3
    assert all(resolve_session(session, s) is None for s in mine)
    assert resolve_session(session, wang) is not None  # another user
    assert resolve_session(session, other) is not None  # a namesake in another tenant


def test_revoking_or_expiring_the_token_ends_its_sessions(session):
    token = issue_token(session, "hebei", "approver", "zhao", KNOWN)
    row = find_token(session, token)
    sid = start_session(session, ZHAO, via="token", token_id=row.id)
    assert resolve_session(session, sid) == ZHAO
    assert revoke_tokens(session, ids=[row.id]) == [row.id]
    assert resolve_session(session, sid) is None

    short = issue_token(session, "hebei", "approver", "zhao", KNOWN, days=1)
    row = find_token(session, short)
    sid = start_session(session, ZHAO, via="token", token_id=row.id)
    tomorrow = datetime.now(UTC) + timedelta(days=1, minutes=1)
    later = {"idle": timedelta(days=3), "absolute": timedelta(days=3)}
    assert resolve_session(session, sid, now=tomorrow, **later) is None


def test_via_is_token_or_password(session):
    with pytest.raises(ValueError):
        start_session(session, ZHAO, via="magic")
