"""Comparing 100,000 open files with a 1,000,000-row roster, against a plain SQL join of
the same tables, in the same run (SQLite, and PostgreSQL when it answers).

A temporary database is migrated and filled by bulk insert: 100,000 open Hebei files (a
household in 低保 each, one member with an ID hash in ``member_identities``) and a 低保
roster of 1,000,000 rows whose hashes include every member's; 1% of the files declare a
subsidy the roster contradicts. Then, timed:

1. ``compare_files``: every open file compared with the roster in force (the join of the
   members with the roster's rows, declared against found per fact, the money at stake of
   the files that differ, their differences written);
2. the baseline: one plain ``SELECT`` joining the same tables (open files, their members'
   identities, the roster's rows by hash), every row fetched, nothing else.

Each is repeated 3 times (the comparison on a database where no difference was written
yet); the medians are reported and their ratio. Target: the comparison within 3 times
the join.
"""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, insert, select, text

from core.cases import summary
from core.db.facts_row import LAYOUT_ID, facts_row
from core.db.migrate import upgrade
from core.db.models import CaseFile, MemberIdentity
from core.db.session import dispose_engine, session_factory, tenant_scope
from core.evaluation import evaluate
from core.model import parse_household
from core.registry import load_registry
from core.verification.comparison import compare_files, open_statuses
from core.verification.models import Difference, Roster, RosterRow
from tests.benchmarks import row

FILES = 100_000
ROSTER = 1_000_000
DIFFERING = 0.01
REPEATS = 3
TARGET_RATIO = 3.0
TODAY = date(2026, 11, 20)
HOUSEHOLD = {
    "members": [
        {"name": "陈立", "relation": "APPLICANT", "age": 58, "employment": "UNABLE_TO_WORK"}
    ],
    "dibaoRecipient": True,
    "dibaoContinuousMonths": 30,
    "dibaoMonthlySubsidyPerCapita": "650",
}


def _hash(k: int) -> str:
    return hashlib.sha256(f"person-{k}".encode()).hexdigest()


def fill(url: str, registry) -> float:
    tenant = registry.get("hebei")
    household = parse_household(HOUSEHOLD)
    on = date(2026, 10, 12)
    evaluation = evaluate(tenant, household, on)
    case = {
        "tenant": "hebei",
        "status": "applied",
        "version": 1,
        "opened_on": on,
        "urgent": False,
        "opened_by": "bench",
        "facts": facts_row(household),
        "facts_layout": LAYOUT_ID,
        "evaluated_on": on,
        "eligible": evaluation.eligible,
        "category": evaluation.category,
        "grounds": summary.grounds(evaluation),
        "groups": ",".join(evaluation.groups),
        "entitlements": summary.evaluation_entitlements(evaluation),
        "ruleset": evaluation.ruleset,
        "due_step": None,
        "due_on": None,
        "due_provisional": False,
    }
    stored = household.model_dump(by_alias=True, mode="json")
    differing = {**stored, "dibaoMonthlySubsidyPerCapita": "900.00"}
    every = int(1 / DIFFERING)
    started = time.perf_counter()
    with session_factory(url)() as session, tenant_scope(session, "hebei"):
        batch = 20_000
        for start in range(0, FILES, batch):
            rows = [
                {**case, "number": k + 1, "household": differing if k % every == 0 else stored}
                for k in range(start, min(FILES, start + batch))
            ]
            session.execute(insert(CaseFile), rows)
        session.execute(
            insert(MemberIdentity),
            [
                {
                    "tenant": "hebei",
                    "case_id": k + 1,
                    "member_index": 0,
                    "id_hash": _hash(k),
                    "id_masked": "**************0000",
                }
                for k in range(FILES)
            ],
        )
        roster = Roster(
            tenant="hebei",
            source="dibao_roster",
            as_of=date(2026, 10, 31),
            reference="bench",
            imported_by="bench",
            imported_on=TODAY,
            rows=ROSTER,
            keep_until=date(2027, 5, 1),
        )
        session.add(roster)
        session.flush()
        since = date(2024, 4, 15)  # 30 months before the roster's date, as declared
        for start in range(0, ROSTER, 50_000):
            session.execute(
                insert(RosterRow),
                [
                    {
                        "tenant": "hebei",
                        "roster_id": roster.id,
                        "id_hash": _hash(k),
                        "dibao_since": since,
                        "dibao_subsidy": 65_000,
                    }
                    for k in range(start, min(ROSTER, start + 50_000))
                ],
            )
        session.commit()
    return time.perf_counter() - started


def timed_compare(url: str, registry) -> tuple[float, int, int]:
    tenant = registry.get("hebei")
    with session_factory(url)() as session, tenant_scope(session, "hebei"):
        session.execute(delete(Difference))
        session.commit()
        started = time.perf_counter()
        compared = compare_files(session, tenant, TODAY)
        session.commit()
        took = time.perf_counter() - started
    return took, compared.files, compared.differences


def timed_join(url: str, registry) -> tuple[float, int]:
    """The plain join: open files, their members' identities, the roster's rows by hash."""
    cases, ids, rows = CaseFile.__table__, MemberIdentity.__table__, RosterRow.__table__
    statuses = open_statuses(registry.get("hebei"))
    with session_factory(url)() as session, tenant_scope(session, "hebei"):
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("select set_config('app.tenant', 'hebei', true)"))
        started = time.perf_counter()
        found = connection.execute(
            select(
                cases.c.id,
                cases.c.household,
                cases.c.entitlements,
                ids.c.member_index,
                rows.c.dibao_since,
                rows.c.dibao_subsidy,
            )
            .join(ids, ids.c.case_id == cases.c.id)
            .outerjoin(rows, and_(rows.c.id_hash == ids.c.id_hash, rows.c.roster_id == 1))
            .where(cases.c.tenant == "hebei", cases.c.status.in_(statuses))
        ).all()
        took = time.perf_counter() - started
        session.rollback()
    return took, len(found)


def _rows(
    label: str,
    compares: list[tuple[float, int, int]],
    joins: list[tuple[float, int]],
    filled: float,
) -> list[dict[str, Any]]:
    compare = statistics.median(c[0] for c in compares)
    join = statistics.median(j[0] for j in joins)
    files, differences = compares[0][1], compares[0][2]
    ratio = compare / join
    return [
        row(
            f"compare {files:,} open files with a {ROSTER:,}-row roster ({label}, median of "
            f"{len(compares)})",
            round(compare, 2),
            "s",
            baseline=round(join, 3),
            ratio=ratio,
            target=f"<= {TARGET_RATIO:g}x the plain join",
            met=ratio <= TARGET_RATIO and files == FILES,
            note=(
                f"{differences:,} differences found (1% of files declare another subsidy); "
                "each try " + ", ".join(f"{c[0]:.2f}" for c in compares) + " s; baseline = one "
                f"plain SELECT joining the same tables ({joins[0][1]:,} rows), each try "
                + ", ".join(f"{j[0]:.2f}" for j in joins)
                + f" s; fill took {filled:.1f} s"
            ),
        )
    ]


def _measure(url: str, registry) -> tuple[list, list]:
    compares, joins = [], []
    for _ in range(REPEATS):
        joins.append(timed_join(url, registry))
        compares.append(timed_compare(url, registry))
    return compares, joins


def run_sqlite(registry) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'filled.db'}"
        upgrade(url)
        filled = fill(url, registry)
        compares, joins = _measure(url, registry)
        dispose_engine(url)
    return _rows("SQLite", compares, joins, filled)


def run_postgres(registry) -> list[dict[str, Any]]:
    from core.db.testing import postgres_available, postgres_database

    why = postgres_available()
    if why:
        return [row("compare (PostgreSQL)", None, "", note=f"PostgreSQL does not answer: {why}")]
    with postgres_database() as url:
        filled = fill(url, registry)
        with session_factory(url)() as session:
            session.execute(text("ANALYZE"))
            session.commit()
        compares, joins = _measure(url, registry)
    return _rows("PostgreSQL", compares, joins, filled)


def run() -> list[dict[str, Any]]:
    registry = load_registry(only=["hebei"])
    rows = run_sqlite(registry) + run_postgres(registry)
    for r in rows:
        print(f"{r['name']}: {r['figure']} {r['unit']} (ratio {r.get('ratio')}, met: {r['met']})")
    return rows


if __name__ == "__main__":
    run()
