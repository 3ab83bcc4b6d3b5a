"""The periodic review of 100,000 open files on SQLite, end to end.

A temporary SQLite database is migrated and filled, by bulk insert, with 100,000 open
Hebei files made from a handful of households (each with its real facts row and
determination summary, some filed under the 2024 figures so that their entitlements
change). Then :func:`core.review.run_review` reviews them as of 2026-04-30: reads the
rows in chunks, evaluates each chunk as one batch, compares, and writes one decision row
per file. Two figures: the whole review (target at most 10 s), and the rate at which
decision rows are written (target at least 200,000 rows/s), timed around the bulk inserts.
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
from tests.benchmarks import row

FILES = 100_000
AS_OF = date(2026, 4, 30)
TARGET_SECONDS = 10.0
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
                [templates[i % len(templates)] for i in range(start, min(files, start + batch))],
            )
        session.commit()
    return time.perf_counter() - started


def run(files: int = FILES) -> list[dict[str, Any]]:
    registry = load_registry(only=["hebei"])
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
    rate = written / write_seconds
    rows = [
        row(
            f"review of {result.files:,} open files (SQLite, end to end)",
            round(seconds, 2),
            "s",
            baseline=TARGET_SECONDS,
            target=f"<= {TARGET_SECONDS:g} s",
            met=seconds <= TARGET_SECONDS and result.files == files,
            note=(
                f"{result.proposed_exits:,} proposed exits, {result.changed_entitlements:,} "
                f"changed entitlements, {result.overdue:,} overdue; fill took {filled:.1f} s"
            ),
        ),
        row(
            "review decisions written",
            round(rate),
            "rows/s",
            baseline=TARGET_ROWS_PER_SECOND,
            target=f">= {TARGET_ROWS_PER_SECOND:,} rows/s",
            met=rate >= TARGET_ROWS_PER_SECOND,
            note=f"{written:,} rows in {write_seconds:.2f} s, one executemany per chunk",
        ),
    ]
    for r in rows:
        print(f"{r['name']}: {r['figure']} {r['unit']} (target {r['target']}, met: {r['met']})")
    return rows


if __name__ == "__main__":
    run()
