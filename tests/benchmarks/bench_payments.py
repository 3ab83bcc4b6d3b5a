"""A payment run (清册) of 100,000 filed files, on SQLite (and PostgreSQL when it answers).

A temporary database is migrated and filled, by bulk insert, with 100,000 filed Hebei
files (each with its determination summary and one case event to link to) and a receipt
large enough. Then, timed, through :class:`core.funds.service.FundsService`:

1. ``run``: the yearly run proposes 100,000 living-relief payments (read the filed files,
   link each to its determination, insert with the per-period unique constraint);
2. ``approve_run``: a second person approves them as one decision, under the fund's lock
   and the 量入为出 check: 100,000 balanced journals, 200,000 entries.

Each is repeated 3 times on a fresh copy of the filled database; the median is reported.
The baseline, from the same process and database, is a raw-SQL insert of the same
100,000 payment rows (``executemany`` of prepared tuples on SQLite; one ``unnest``
statement on PostgreSQL), with no reading, checking or ledger: the ratio says what the
run costs over writing the rows alone. Target: run and approval together in 10 s or less.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from core.auth.principal import Principal
from core.cases import summary
from core.db.facts_row import LAYOUT_ID, facts_row
from core.db.migrate import upgrade
from core.db.models import CaseEvent, CaseFile
from core.db.session import dispose_engine, session_factory
from core.evaluation import evaluate
from core.funds.runs import PAYMENT_TYPES, unnest_insert
from core.funds.service import FundsService
from core.model import parse_household
from core.registry import load_registry
from tests.benchmarks import row

FILES = 100_000
REPEATS = 3
TARGET_SECONDS = 10.0
TODAY = date(2026, 12, 10)
ILL = {
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
}
STARTER = Principal("wang.caseworker", "hebei", "caseworker")
APPROVER = Principal("zhao.approver", "hebei", "approver")
TREASURER = Principal("treasurer", "hebei", "admin")


def fill(url: str, registry, files: int) -> float:
    tenant = registry.get("hebei")
    household = parse_household(ILL)
    on = date(2026, 10, 12)
    evaluation = evaluate(tenant, household, on)
    case = {
        "tenant": "hebei",
        "status": "filed",
        "version": 5,
        # the determination in force: the file's one event (the run reads it, 0020b)
        "determination_seq": 1,
        "opened_on": date(2026, 9, 24),
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
        "due_step": None,
        "due_on": None,
        "due_provisional": False,
    }
    determination = {"asOf": on.isoformat(), "ruleset": evaluation.ruleset, "parameters": []}
    started = time.perf_counter()
    with session_factory(url)() as session:
        batch = 20_000
        for start in range(0, files, batch):
            n = min(files, start + batch) - start
            # file numbers count per tenant (issue 8): 1, 2, 3 ... as the rows
            rows = [{**case, "number": start + k + 1} for k in range(n)]
            session.execute(insert(CaseFile), rows)
        session.execute(
            insert(CaseEvent),
            [
                {
                    "tenant": "hebei",
                    "case_id": i,
                    "seq": 1,
                    "action": "file",
                    "from_status": "approved",
                    "to_status": "filed",
                    "taken_on": on,
                    "actor": "bench",
                    "role": "approver",
                    "comment": None,
                    "late": False,
                    "details": {},
                    "determination": determination,
                }
                for i in range(1, files + 1)
            ],
        )
        session.commit()
    with session_factory(url)() as session:
        FundsService(session, registry, today=lambda: TODAY).record_receipt(
            TREASURER, 2026, "government", 10**12, "bench-1", date(2026, 1, 10)
        )
    return time.perf_counter() - started


def timed_run(url: str, registry) -> tuple[float, float, int]:
    with session_factory(url)() as session:
        service = FundsService(session, registry, today=lambda: TODAY)
        started = time.perf_counter()
        result = service.run(STARTER, "2026", "government")
        ran = time.perf_counter() - started
        started = time.perf_counter()
        approved = service.approve_run(APPROVER, result.run.id)
        approval = time.perf_counter() - started
    assert result.created == approved, (result.created, approved)
    return ran, approval, result.created


def baseline(url: str) -> float:
    """The same 100,000 payment rows, inserted by raw SQL alone."""
    rows = [
        (
            "hebei",
            i,
            i,
            TODAY,
            "rs",
            "living_relief",
            "2026",
            "2026",
            2026,
            "government",
            79_000,
            "proposed",
            "b",
            TODAY,
            0,
            1,
        )
        for i in range(1, FILES + 1)
    ]
    columns = (
        "tenant, case_id, determination_id, determined_on, ruleset, programme, period, "
        "period_key, year, "
        "source, amount_fen, status, proposed_by, proposed_on, sendings, version"
    )
    engine_url = url
    with session_factory(engine_url)() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("select set_config('app.tenant', 'hebei', true)"))
            # the run's own statement shape (core.funds.runs.unnest_insert): the varying
            # columns as arrays, the constant ones as one value each
            names = [c.strip() for c in columns.split(",")]
            statement, parameters = unnest_insert(
                "fund_payments", {n: PAYMENT_TYPES[n] for n in names}, rows
            )
            started = time.perf_counter()
            connection.execute(statement, parameters)
            session.commit()
        else:
            raw = connection.connection.driver_connection
            started = time.perf_counter()
            raw.executemany(
                f"INSERT INTO fund_payments ({columns}) VALUES ({', '.join('?' * 16)})",
                [(*r[:3], r[3].isoformat(), *r[4:13], r[13].isoformat(), *r[14:]) for r in rows],
            )
            raw.commit()
        return time.perf_counter() - started


def _rows(
    label: str, runs: list[tuple[float, float, int]], base: float, filled: float
) -> list[dict[str, Any]]:
    ran = statistics.median(r[0] for r in runs)
    approved = statistics.median(r[1] for r in runs)
    total = statistics.median(r[0] + r[1] for r in runs)
    n = runs[0][2]
    return [
        row(
            f"payment run of {n:,} files + approval ({label}, median of {len(runs)})",
            round(total, 2),
            "s",
            baseline=round(base, 3),
            ratio=total / base,
            target=f"<= {TARGET_SECONDS:g} s",
            met=total <= TARGET_SECONDS and n == FILES,
            note=(
                f"run {ran:.2f} s + approval {approved:.2f} s (200,000 entries); each try "
                + ", ".join(f"{a + b:.2f}" for a, b, _ in runs)
                + f" s; baseline = raw-SQL insert of the same {FILES:,} payment rows; "
                f"fill took {filled:.1f} s"
            ),
        ),
        row(
            f"payment run alone ({label}, median)",
            round(ran, 2),
            "s",
            baseline=round(base, 3),
            ratio=ran / base,
            note="proposing 100,000 payments against a raw insert of them",
        ),
    ]


def run_sqlite(registry) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "filled.db"
        url = f"sqlite:///{template}"
        upgrade(url)
        filled = fill(url, registry, FILES)
        dispose_engine(url)
        runs = []
        for i in range(REPEATS):
            copy = Path(folder) / f"try-{i}.db"
            shutil.copyfile(template, copy)
            try_url = f"sqlite:///{copy}"
            runs.append(timed_run(try_url, registry))
            dispose_engine(try_url)
        copy = Path(folder) / "baseline.db"
        shutil.copyfile(template, copy)
        base = baseline(f"sqlite:///{copy}")
        dispose_engine(f"sqlite:///{copy}")
    return _rows("SQLite", runs, base, filled)


def run_postgres(registry) -> list[dict[str, Any]]:
    from core.db.testing import postgres_available, postgres_database

    why = postgres_available()
    if why:
        return [
            row("payment run (PostgreSQL)", None, "", note=f"PostgreSQL does not answer: {why}")
        ]
    with postgres_database() as url:
        filled = fill(url, registry, FILES)
        runs = []
        for _ in range(REPEATS):
            _clear(url)
            runs.append(timed_run(url, registry))
        _clear(url)
        base = baseline(url)
    return _rows("PostgreSQL", runs, base, filled)


def _clear(url: str) -> None:
    """Back to the filled state: no payments, runs or entries but the receipt."""
    with session_factory(url)() as session:
        session.execute(text("TRUNCATE fund_entries, fund_payments, fund_runs RESTART IDENTITY"))
        session.commit()
        FundsService(session, load_registry(only=["hebei"]), today=lambda: TODAY).record_receipt(
            TREASURER, 2026, "government", 10**12, "bench-1", date(2026, 1, 10)
        )


def run() -> list[dict[str, Any]]:
    registry = load_registry(only=["hebei"])
    rows = run_sqlite(registry) + run_postgres(registry)
    for r in rows:
        print(f"{r['name']}: {r['figure']} {r['unit']} (target {r['target']}, met: {r['met']})")
    return rows


if __name__ == "__main__":
    run()
