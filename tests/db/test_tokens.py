"""Bearer tokens: only a hash is stored; a token names one tenant and one role."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.auth.principal import Principal
from core.auth.tokens import (
    create_token,
    hash_token,
    issue_token,
    principal_from_header,
    revoke_token,
    verify_token,
)
from core.db.models import ApiToken
from core.errors import BAD_INPUT, UNAUTHENTICATED, BangfuError

KNOWN = {"hebei", "gansu", "demo_city", "national"}


def test_a_token_is_stored_only_as_its_hash(session):
    token = issue_token(session, "hebei", "approver", "zhao", KNOWN)
    assert token.startswith("bf_") and len(token) > 40
    [row] = session.scalars(select(ApiToken)).all()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    dump = " ".join(str(v) for v in session.execute(text("select * from api_tokens")).one())
    assert token not in dump
    assert verify_token(session, token) == Principal("zhao", "hebei", "approver")


def test_the_authorization_header(session):
    token = issue_token(session, "gansu", "chairman", "liu", KNOWN)
    assert principal_from_header(session, None) is None
    assert principal_from_header(session, "  ") is None
    assert principal_from_header(session, f"Bearer {token}").role == "chairman"
    assert principal_from_header(session, f"bearer  {token} ").user == "liu"
    for bad in ("Basic abc", "Bearer", f"Bearer {token}x", "Bearer bf_" + "a" * 300):
        with pytest.raises(BangfuError) as info:
            principal_from_header(session, bad)
        assert info.value.code == UNAUTHENTICATED


def test_a_revoked_token_no_longer_works(session):
    token = issue_token(session, "hebei", "caseworker", "wang", KNOWN)
    assert revoke_token(session, token)
    assert verify_token(session, token) is None
    assert not revoke_token(session, token)


@pytest.mark.parametrize(
    ("tenant", "role", "user"),
    [
        ("hebei", "pope", "x"),  # unknown role
        ("atlantis", "caseworker", "x"),  # unknown tenant
        ("hebei", "national", "x"),  # a national role in a region
        ("national", "caseworker", "x"),  # a regional role at the national level
        ("hebei", "caseworker", " "),  # no user name
        ("hebei", "caseworker", "a\nb"),
    ],
)
def test_grants_a_token_cannot_carry(session, tenant, role, user):
    with pytest.raises(BangfuError) as info:
        issue_token(session, tenant, role, user, KNOWN)
    assert info.value.code == BAD_INPUT
    assert session.scalars(select(ApiToken)).first() is None


def test_the_command_migrates_and_prints_a_working_token(database_url):
    from core.db.session import session_factory

    token = create_token(database_url, tenant="national", role="national", user="acftu")
    with session_factory(database_url)() as session:
        assert verify_token(session, token) == Principal("acftu", "national", "national")


def test_a_token_expires_after_90_days_by_default(session):
    from datetime import UTC, datetime, timedelta

    from core.auth.tokens import find_token, is_live

    token = issue_token(session, "hebei", "approver", "zhao", KNOWN)
    row = find_token(session, token)
    now = datetime.now(UTC)
    assert is_live(row, now + timedelta(days=89))
    assert not is_live(row, now + timedelta(days=90, minutes=1))
    # an expired token is refused like an unknown one
    row.expires_at = now - timedelta(seconds=1)
    session.commit()
    assert verify_token(session, token) is None
    with pytest.raises(BangfuError) as info:
        principal_from_header(session, f"Bearer {token}")
    assert info.value.code == UNAUTHENTICATED
    assert "expired" in info.value.en and "过期" in info.value.zh
