"""A short soak (``tests/benchmarks/soak.py``): the real server on two workers under a mixed
load of evaluations, reads, openings and workflow steps of three tenants, with stale
versions and racing duplicates sent on purpose. No 5xx, no unexpected answer, every stale
step and every losing duplicate a ``CONFLICT``, and every case's history intact after:
a chain of statuses, numbered 1..version, as many events as transitions seen.

``BANGFU_SOAK_TEST_SECONDS`` sets the duration (default 10 s per database).
"""

from __future__ import annotations

import os

from tests.benchmarks.soak import soak

SECONDS = float(os.environ.get("BANGFU_SOAK_TEST_SECONDS") or 10)


def test_a_short_soak_leaves_every_history_intact(database_url, tmp_path):
    results = soak(database_url, SECONDS, tmp_path, concurrency=12)
    print(f"\n{results.summary()}\n  p50/p99 ms by request: {results.latency_table()}")
    assert results.server_errors == 0, results.error_samples
    assert results.errors == 0, results.error_samples
    assert results.transitions > 0 and results.stale_sent > 0 and results.races > 0
    assert results.stale_conflicts == results.stale_sent
    assert results.races_one_winner == results.races
    assert results.all_intact, results.history_problems[:10]
    assert results.checked == len(results.cases) > 0
