"""Throttling failed sign-ins: growing delays per account and per source address.

No account is locked for a fixed time that anyone knowing its user name could trigger.
Instead each failure past a few free ones makes the next try wait: ``FIRST_DELAY``, then
twice as long after each further failure, up to ``LONGEST_DELAY``. A try during the
delay is refused without being counted, so keeping an account waiting costs a stranger
as much time as it costs its owner, and guessing gains nothing.

Counted twice, independently:

* per account (``staff_users.failed_attempts``): a few free failures, then delays; a
  successful sign-in (outside any delay) clears it;
* per source address (``sign_in_sources``): more free failures (an office behind one
  address), then the same delays; every refused try from the address counts.

Each count is one atomic statement (``UPDATE … RETURNING`` / ``INSERT … ON CONFLICT …
RETURNING``), so failures guessed in parallel all count. Failures older than
``FORGET_AFTER`` no longer count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.db.models import SignInSource, StaffUser

ACCOUNT_FREE_FAILURES = 4  #: failures of an account before its first delay
SOURCE_FREE_FAILURES = 20  #: failures from one address before its first delay
FIRST_DELAY = timedelta(seconds=5)
LONGEST_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)  #: failures older than this no longer count
MAX_ADDRESS = 64


def delay_after(failures: int, free: int) -> timedelta:
    """How long the next try waits after ``failures`` in a row (``free`` cost nothing):
    5 s after the first counted one, doubling, at most 15 minutes."""
    over = failures - free
    if over <= 0:
        return timedelta(0)
    return min(LONGEST_DELAY, FIRST_DELAY * (2 ** min(over - 1, 20)))


def _later(moment: datetime | None, than: datetime) -> bool:
    if moment is None:
        return False
    if moment.tzinfo is None:  # SQLite hands back naive datetimes (stored in UTC)
        moment = moment.replace(tzinfo=than.tzinfo)
    return moment > than


def account_waits(user: StaffUser, now: datetime) -> bool:
    """Whether the account is within a delay (its tries are refused, uncounted)."""
    return _later(user.locked_until, now)


def account_failed(session: Session, user_id: int, now: datetime) -> int:
    """Count a failure of the account (one atomic statement) and set its delay; returns
    its failures in a row."""
    stale = StaffUser.last_failed_at.is_(None) | (StaffUser.last_failed_at < now - FORGET_AFTER)
    failures = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(
            failed_attempts=case((stale, 1), else_=StaffUser.failed_attempts + 1),
            last_failed_at=now,
        )
        .returning(StaffUser.failed_attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    wait = delay_after(failures, ACCOUNT_FREE_FAILURES)
    if wait:
        until = now + wait
        session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == user_id,
                StaffUser.locked_until.is_(None) | (StaffUser.locked_until < until),
            )
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )
    return int(failures)


def account_succeeded(session: Session, user_id: int, now: datetime, step: int | None) -> bool:
    """Clear the account's failures and note the sign-in (and the TOTP time-step used),
    only if no delay began meanwhile, it was not disabled, and no later or equal
    time-step was accepted: one atomic statement. False when it lost that race."""
    conditions = [
        StaffUser.id == user_id,
        StaffUser.disabled_at.is_(None),
        StaffUser.locked_until.is_(None) | (StaffUser.locked_until <= now),
    ]
    values: dict[str, object] = {
        "failed_attempts": 0,
        "locked_until": None,
        "last_sign_in_at": now,
    }
    if step is not None:
        conditions.append(StaffUser.totp_last_step.is_(None) | (StaffUser.totp_last_step < step))
        values["totp_last_step"] = step
    done = session.execute(
        update(StaffUser)
        .where(*conditions)
        .values(**values)
        .returning(StaffUser.id)
        .execution_options(synchronize_session=False)
    ).first()
    return done is not None


def source_waits(session: Session, address: str | None, now: datetime) -> bool:
    """Whether tries from ``address`` are within a delay."""
    if not address:
        return False
    not_before = session.scalar(
        select(SignInSource.not_before).where(SignInSource.address == address[:MAX_ADDRESS])
    )
    return _later(not_before, now)


def source_failed(session: Session, address: str | None, now: datetime) -> int:
    """Count a refused try from ``address`` (one atomic upsert) and set its delay;
    returns its failures in a row (0 without an address)."""
    if not address:
        return 0
    address = address[:MAX_ADDRESS]
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SignInSource).values(address=address, failures=1, last_failed_at=now)
    stale = SignInSource.last_failed_at < now - FORGET_AFTER
    failures = session.execute(
        statement.on_conflict_do_update(
            index_elements=[SignInSource.address],
            set_={
                "failures": case((stale, 1), else_=SignInSource.failures + 1),
                "last_failed_at": now,
            },
        ).returning(SignInSource.failures)
    ).scalar_one()
    wait = delay_after(failures, SOURCE_FREE_FAILURES)
    if wait:
        until = now + wait
        session.execute(
            update(SignInSource)
            .where(
                SignInSource.address == address,
                SignInSource.not_before.is_(None) | (SignInSource.not_before < until),
            )
            .values(not_before=until)
            .execution_options(synchronize_session=False)
        )
    return int(failures)
