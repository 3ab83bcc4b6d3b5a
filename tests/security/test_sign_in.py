"""Password sign-in under attack (issue 20, findings 1-3): guesses in parallel all count,
a one-time code works once, every kind of failure costs one argon2 verification and
gets one answer, and delays grow per account and per address instead of a lock any
stranger can keep on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from core.auth import accounts, throttle
from core.auth.accounts import authenticate, create_user, disable_user
from core.db.models import StaffUser
from core.db.session import session_factory, tenant_scope
from core.errors import BangfuError

PASSWORD = "correct horse battery"
KNOWN = {"hebei", "gansu"}


def sign_in(url: str, user: str, password: str, code: str = "", source: str | None = None):
    with session_factory(url)() as session:
        return authenticate(session, "hebei", user, password, code, source=source)


def refused(url: str, user: str, password: str, code: str = "", source: str | None = None):
    with pytest.raises(BangfuError) as caught:
        sign_in(url, user, password, code, source)
    assert caught.value.code == "UNAUTHENTICATED"
    return caught.value


def account(url: str, user: str = "wang", totp: bool = False) -> str | None:
    with session_factory(url)() as session:
        return create_user(session, "hebei", user, "reviewer", PASSWORD, KNOWN, totp=totp)


def row(url: str, user: str = "wang") -> StaffUser:
    with session_factory(url)() as session, tenant_scope(session, "hebei"):
        found = session.scalars(select(StaffUser).where(StaffUser.username == user)).one()
        session.expunge(found)
        return found


class Clock:
    """The accounts' clock, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
        monkeypatch.setattr(accounts, "_now", lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def test_nine_wrong_guesses_in_parallel_all_count_and_the_right_password_then_waits(
    database_url,
):
    account(database_url)

    def guess(n: int) -> str:
        try:
            sign_in(database_url, "wang", f"wrong guess {n}")
        except BangfuError as exc:
            return exc.code
        return "signed in"

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(guess, range(9)))
    assert answers == ["UNAUTHENTICATED"] * 9
    # every guess counted (the ones during a delay are refused uncounted: 5 at least)
    counted = row(database_url).failed_attempts
    assert counted >= accounts.MAX_FAILURES
    refused(database_url, "wang", PASSWORD)  # the right password, within the delay
    assert row(database_url).last_sign_in_at is None
    assert row(database_url).failed_attempts == counted  # not reset by it


def test_the_delay_grows_with_each_failure_and_then_the_owner_signs_in(database_url, monkeypatch):
    clock = Clock(monkeypatch)
    account(database_url)
    for _ in range(accounts.MAX_FAILURES):
        refused(database_url, "wang", "not the password")
    refused(database_url, "wang", PASSWORD)  # waits 5 s now
    clock.advance(throttle.FIRST_DELAY + timedelta(seconds=1))
    refused(database_url, "wang", "still not it")  # a sixth failure: 10 s now
    clock.advance(throttle.FIRST_DELAY + timedelta(seconds=1))
    refused(database_url, "wang", PASSWORD)  # 6 s of 10 s
    clock.advance(throttle.FIRST_DELAY)
    assert sign_in(database_url, "wang", PASSWORD).user == "wang"  # no 15-minute lock
    assert row(database_url).failed_attempts == 0
    assert throttle.delay_after(40, 4) == throttle.LONGEST_DELAY


def test_one_address_failing_waits_and_others_do_not(database_url, monkeypatch):
    Clock(monkeypatch)
    account(database_url, "wang")
    account(database_url, "li")
    names = [f"nobody{n}" for n in range(throttle.SOURCE_FREE_FAILURES + 1)]
    for name in names:  # a stranger sprays unknown names from one address
        refused(database_url, name, "guess", source="203.0.113.9")
    refused(database_url, "li", PASSWORD, source="203.0.113.9")  # even the right one waits
    assert row(database_url, "li").failed_attempts == 0  # li's account was never tried
    assert sign_in(database_url, "wang", PASSWORD, source="198.51.100.7").user == "wang"


def test_a_one_time_code_works_once(database_url):
    secret = account(database_url, "zhao", totp=True)
    code = pyotp.TOTP(secret).now()
    assert sign_in(database_url, "zhao", PASSWORD, code).user == "zhao"
    refused(database_url, "zhao", PASSWORD, code)  # replayed within its 90 s
    assert row(database_url, "zhao").totp_last_step is not None
    older = pyotp.TOTP(secret).at(datetime.now(UTC) - timedelta(seconds=30))
    refused(database_url, "zhao", PASSWORD, older)  # nor an older one


def test_every_kind_of_failure_costs_one_verification_and_gets_one_answer(
    database_url, monkeypatch
):
    clock = Clock(monkeypatch)
    account(database_url, "wang")
    account(database_url, "gone")
    account(database_url, "waiting")
    with session_factory(database_url)() as session:
        disable_user(session, "hebei", "gone")
    with session_factory(database_url)() as session, tenant_scope(session, "hebei"):
        session.execute(
            update(StaffUser)
            .where(StaffUser.username == "waiting")
            .values(locked_until=clock.now + timedelta(minutes=5))
        )
        session.commit()

    calls: list[str] = []
    real = accounts._hasher

    class Spy:
        def verify(self, password_hash: str, password: str) -> bool:
            calls.append(password_hash)
            return real.verify(password_hash, password)

    monkeypatch.setattr(accounts, "_hasher", Spy())
    answers = {}
    for kind, user, password in [
        ("unknown", "nobody", PASSWORD),
        ("disabled", "gone", PASSWORD),
        ("waiting", "waiting", PASSWORD),
        ("wrong", "wang", "not the password"),
    ]:
        calls.clear()
        answers[kind] = refused(database_url, user, password)
        assert len(calls) == 1, kind  # the same argon2 work, whatever the reason
        if kind == "unknown":
            assert calls == [accounts._DUMMY_HASH]
    assert len({(a.en, a.zh) for a in answers.values()}) == 1
    assert "请稍候再试" in answers["wrong"].zh
