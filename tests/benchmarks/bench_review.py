"""The periodic review of 100,000 open files on SQLite, end to end.

A temporary SQLite database is migrated and filled, by bulk insert, with 100,000 open
Hebei files made from a handful of households (each with its real facts row and
determination summary, some filed under the 2024 figures so that their entitlements
change). Then :func:`core.review.run_review` reviews them as of 2026-04-30: reads the
rows in chunks, evaluates each chunk as one batch, compares, and writes one decision row
per file. The figure is the whole review's rate, files reviewed per second from the first
read to the last decision written (target at least 10,000 files/s: 100,000 files in 10 s),
the median of :data:`ROUNDS` rounds, each on a freshly filled database. The rate at which
decision rows are written, timed around the bulk inserts alone, is kept as context: it
is only a part of the review.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert

import core.review as review
from core.cases import summary
from core.db.facts_row import LAYOUT_ID, facts_row
from core.db.migrate import upgrade
from core.db.models import CaseFile
from core.db.session import dispose_engine, session_factory
from core.evaluation import evaluate
from core.model import parse_household
from core.registry import load_registry
from tests.benchmarks import MIN_ROUNDS, median, row

FILES = 100_000
AS_OF = date(2026, 4, 30)
ROUNDS = MIN_ROUNDS
TARGET_SECONDS = 10.0
TARGET_FILES_PER_SECOND = FILES / TARGET_SECONDS
TARGET_ROWS_PER_SECOND = 200_000

TEMPLATES: list[tuple[dict[str, Any], str, str]] = [
    # (household, status, evaluated on)
    (
        {
            "members": [
                {
                    "name": "张三",
                    "relation": "APPLICANT",
                    "age": 45,
                    "monthlyIncome": "2000",
                    "employment": "EMPLOYED",
                    "ableToWork": True,
                    "seriousIllness": True,
                }
            ],
            "annualMedicalOutOfPocket": "30000",
        },
        "filed",
        "2024-06-14",
    ),
    (
        {
            "members": [
                {"name": "李强", "relation": "APPLICANT", "age": 44, "ableToWork": True},
                {"name": "赵敏", "relation": "SPOUSE", "age": 42, "ableToWork": True},
            ],
            "dibaoRecipient": True,
        },
        "filed",
        "2026-03-13",
    ),
    (
        {
            "members": [
                {
                    "name": "周平",
                    "relation": "APPLICANT",
                    "age": 38,
                    "monthlyIncome": "6500",
                    "employment": "EMPLOYED",
                }
            ]
        },
        "approved",
        "2026-03-13",
    ),
    (
        {
            "members": [{"name": "陈立", "relation": "APPLICANT", "age": 58}],
            "dibaoRecipient": True,
            "dibaoMonthlySubsidyPerCapita": "650",
        },
        "applied",
        "2026-04-01",
    ),
]


def _template_rows(tenant) -> list[dict[str, Any]]:
    rows = []
    for data, status, evaluated in TEMPLATES:
        household = parse_household(data)
        on = date.fromisoformat(evaluated)
        evaluation = evaluate(tenant, household, on)
        rows.append(
            {
                "tenant": tenant.code,
                "status": status,
                "version": 5,
                "opened_on": on,
                "urgent": False,
                "opened_by": "bench",
                "household": household.model_dump(by_alias=True, mode="json"),
                "facts": facts_row(household),
                "facts_layout": LAYOUT_ID,
                "evaluated_on": on,
                "eligible": evaluation.eligible,
                "category": evaluation.category,
                "grounds": summary.grounds(evaluation),
                "groups": ",".join(evaluation.groups),
                "entitlements": summary.evaluation_entitlements(evaluation),
                "ruleset": evaluation.ruleset,
                "due_step": "review" if status == "applied" else None,
                "due_on": date(2026, 4, 7) if status == "applied" else None,
                "due_provisional": False,
            }
        )
    return rows


def fill(url: str, registry, files: int = FILES) -> float:
    """Bulk-insert ``files`` open files; the seconds it took."""
    templates = _template_rows(registry.get("hebei"))
    started = time.perf_counter()
    with session_factory(url)() as session:
        batch = 20_000
        for start in range(0, files, batch):
            session.execute(
                insert(CaseFile),
                # file numbers count per tenant (issue 8): 1, 2, 3 ... as the rows
                [
                    {**templates[i % len(templates)], "number": i + 1}
                    for i in range(start, min(files, start + batch))
                ],
            )
        session.commit()
    return time.perf_counter() - started


def review_once(registry, files: int) -> dict[str, Any]:
    """Fill a fresh database and review it: seconds, decision writes, outcome."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'review-bench.db'}"
        upgrade(url)
        filled = fill(url, registry, files)
        writes: list[tuple[int, float]] = []
        original = review.write_decisions

        def timed(session, decisions):
            started = time.perf_counter()
            original(session, decisions)
            writes.append((len(decisions), time.perf_counter() - started))

        review.write_decisions = timed
        try:
            with session_factory(url)() as session:
                started = time.perf_counter()
                result = review.run_review(session, registry, "hebei", AS_OF)
                seconds = time.perf_counter() - started
        finally:
            review.write_decisions = original
            dispose_engine(url)
    written = sum(n for n, _ in writes)
    write_seconds = sum(s for _, s in writes) or float("nan")
    return {
        "seconds": seconds,
        "result": result,
        "filled": filled,
        "written": written,
        "write_seconds": write_seconds,
    }


def run(files: int = FILES) -> list[dict[str, Any]]:
    registry = load_registry(only=["hebei"])
    rounds = [review_once(registry, files) for _ in range(ROUNDS)]
    rates = [files / r["seconds"] for r in rounds]
    seconds = [r["seconds"] for r in rounds]
    result = rounds[-1]["result"]
    complete = all(r["result"].files == files for r in rounds)
    rows = [
        row(
            f"whole review of {files:,} open files (SQLite, end to end)",
            None,
            "files/s",
            rounds=rates,
            target=f">= {TARGET_FILES_PER_SECOND:,.0f} files/s",
            met=median(rates) >= TARGET_FILES_PER_SECOND and complete,
            note=(
                f"median of {ROUNDS} rounds, each on a freshly filled database; "
                f"{result.proposed_exits:,} proposed exits, {result.changed_entitlements:,} "
                f"changed entitlements, {result.overdue:,} overdue; each fill took "
                f"{median([r['filled'] for r in rounds]):.1f} s (not counted)"
            ),
        ),
        row(
            f"whole review of {files:,} open files, duration",
            None,
            "s",
            rounds=seconds,
            target=f"<= {TARGET_SECONDS:g} s",
            met=median(seconds) <= TARGET_SECONDS and complete,
        ),
        row(
            "of which writing the decisions",
            None,
            "rows/s",
            rounds=[r["written"] / r["write_seconds"] for r in rounds],
            target=f"(>= {TARGET_ROWS_PER_SECOND:,} rows/s)",
            note="timed around the bulk inserts alone (one executemany per chunk): only a "
            "part of the review",
        ),
    ]
    for r in rows:
        print(f"{r['name']}: {r['figure']:.1f} {r['unit']} (target {r['target']}, met: {r['met']})")
    return rows


if __name__ == "__main__":
    run()
