"""Real concurrency, on PostgreSQL and SQLite: threads, each with its own connection and
session, through the case service.

* N simultaneous transitions of one file at the same expected version: exactly one wins,
  the others are CONFLICT, the version moves once and the history gains one step.
* Two simultaneous approvals that would each take the last place of Hebei's 5% quota on
  criterion (f): the quota checks of a tenant are serialized, so one is approved and the
  other refused. Without the lock both would pass (shown by the control run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.cases.service import CaseService
from core.db import repositories
from core.db.models import CaseEvent, CaseFile
from core.db.session import session_factory
from core.errors import CONFLICT, RULE_VIOLATION, BangfuError
from tests.casefile_samples import DIBAO_TOPUP, ILL, D, staff

THREADS = 6
#: Hebei: 5% of the province's 380,000 低保 recipients may be admitted on (f) alone.
CAP = 380_000 * 5 // 100


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def in_own_session(url: str, registry, call: Callable[[CaseService], Any]) -> Any:
    with session_factory(url)() as session:
        return call(CaseService(session, registry, today=lambda: D("2026-11-20")))


def codes(results: list[Any]) -> list[str]:
    out = []
    for r in results:
        if isinstance(r, BangfuError):
            out.append(r.code)
        elif isinstance(r, Exception):
            raise r  # anything else is a failure of the test
        else:
            out.append("ok")
    return sorted(out)


def test_simultaneous_transitions_of_one_file_one_wins(database_url, registry):
    case = in_own_session(
        database_url,
        registry,
        lambda s: s.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=D("2026-09-30")),
    )
    reviewers = [staff("hebei", "reviewer", f"reviewer{i}") for i in range(THREADS)]

    def review(i: int):
        return in_own_session(
            database_url,
            registry,
            lambda s: s.transition(reviewers[i], case.id, "review", 1, D("2026-10-08")),
        )

    results = at_once(THREADS, review)
    assert codes(results) == [CONFLICT] * (THREADS - 1) + ["ok"]
    [winner] = [r for r in results if not isinstance(r, Exception)]
    assert (winner.status, winner.version) == ("reviewed", 2)
    with session_factory(database_url)() as session:
        row = session.get(CaseFile, int(case.id))
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == row.id).order_by(CaseEvent.seq)
        ).all()
    assert (row.status, row.version) == ("reviewed", 2)
    assert [(e.seq, e.action, e.actor) for e in events] == [
        (1, "open", "caseworker@hebei"),
        (2, "review", winner.history[-1].actor),
    ]


def approvals_at_once(url: str, registry, monkeypatch) -> list[Any]:
    """Two files resting on (f) alone, in public notice; the quota one place short; both
    approved at the same moment. The count is slowed so that both would count before
    either commits, were they not serialized."""
    cases = []
    for _ in range(2):

        def prepare(s: CaseService):
            case = s.open_case(
                staff("hebei", "caseworker"), "hebei", DIBAO_TOPUP, on=D("2026-09-24")
            )
            case = s.transition(staff("hebei", "reviewer"), case.id, "review", 1, D("2026-09-25"))
            return s.transition(staff("hebei", "reviewer"), case.id, "publish", 2, D("2026-09-28"))

        cases.append(in_own_session(url, registry, prepare))
    assert [c.evaluation.reasons[0].code for c in cases] == ["f", "f"]
    real = repositories.count_on_sole_ground

    def one_place_left(session, tenant, ground, statuses):
        found = real(session, tenant, ground, statuses) + CAP - 1
        time.sleep(0.3)
        return found

    monkeypatch.setattr(repositories, "count_on_sole_ground", one_place_left)
    approvers = [staff("hebei", "approver", f"approver{i}") for i in range(2)]
    results = at_once(
        2,
        lambda i: in_own_session(
            url,
            registry,
            lambda s: s.transition(approvers[i], cases[i].id, "approve", 3, D("2026-10-12")),
        ),
    )
    monkeypatch.setattr(repositories, "count_on_sole_ground", real)
    return results


def approved_on_f(url: str) -> int:
    with session_factory(url)() as session:
        return session.scalar(
            select(func.count())
            .select_from(CaseFile)
            .where(CaseFile.status == "approved", CaseFile.grounds == "f")
        )


def test_two_simultaneous_approvals_cannot_both_take_the_last_quota_place(
    database_url, registry, monkeypatch
):
    results = approvals_at_once(database_url, registry, monkeypatch)
    assert codes(results) == [RULE_VIOLATION, "ok"]
    [refusal] = [r for r in results if isinstance(r, BangfuError)]
    assert refusal.details["cap"] == CAP
    assert approved_on_f(database_url) == 1


def test_control_without_the_lock_both_would_pass(database_url, registry, monkeypatch):
    """The race the lock closes is real: with the lock taken away, both are approved."""
    monkeypatch.setattr(repositories, "lock_tenant_quota", lambda session, tenant: None)
    results = approvals_at_once(database_url, registry, monkeypatch)
    assert codes(results) == ["ok", "ok"]
    assert approved_on_f(database_url) == 2


@pytest.mark.parametrize("tenant", ["hebei", "gansu"])
def test_the_quota_lock_is_per_tenant_and_released_by_commit(database_url, registry, tenant):
    """A lock held by one tenant's approval does not hold up another tenant's; once the
    transaction ends the lock is free again."""
    with session_factory(database_url)() as first:
        repositories.lock_tenant_quota(first, "hebei")
        if tenant == "gansu" and not database_url.startswith("sqlite"):
            # PostgreSQL: another tenant's lock is taken at once, from another connection
            with session_factory(database_url)() as other:
                started = time.perf_counter()
                repositories.lock_tenant_quota(other, "gansu")
                assert time.perf_counter() - started < 1
                other.rollback()
        first.commit()
    with session_factory(database_url)() as again:
        started = time.perf_counter()
        repositories.lock_tenant_quota(again, tenant)
        assert time.perf_counter() - started < 1
        again.rollback()
