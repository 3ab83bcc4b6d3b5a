"""A dropped database connection answers its own code (issue 20, finding 9): the client
learns that nothing was written and that asking again is safe, and asking again works."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from core.db import repositories
from tests.casefile_samples import ILL
from tests.security.conftest import OPEN, STATISTICS, row_counts


def dropped(*_args, **_kwargs):
    raise OperationalError(
        "INSERT INTO case_events ...",
        {},
        Exception("server closed the connection unexpectedly"),
        connection_invalidated=True,
    )


def test_a_dropped_connection_is_unavailable_nothing_is_written_and_a_retry_works(
    caller, database_url, monkeypatch
):
    worker = caller("hebei", "caseworker")
    before = row_counts(database_url)
    with monkeypatch.context() as patched:
        patched.setattr(repositories, "open_rest", dropped)
        error = worker.refused("UNAVAILABLE", OPEN, tenant="hebei", h=ILL, on="2026-09-30")
    assert error["message"].startswith("数据库暂时不可用,未写入任何内容,可以重试")
    assert "server closed" not in error["message"]  # the cause stays in the server's log
    assert row_counts(database_url) == before  # nothing written
    case = worker.ok(OPEN, tenant="hebei", h=ILL, on="2026-09-30")  # asked again: done
    assert case["id"] == "1"


def test_a_read_with_the_database_out_of_reach_is_unavailable(caller, monkeypatch):
    monkeypatch.setattr(repositories, "case_figures", dropped)
    caller("national", "national").refused("UNAVAILABLE", STATISTICS)
