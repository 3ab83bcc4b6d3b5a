"""Payment runs (清册): every filed case with a recurring entitlement, for one period.

A period is a month (``2026-12``: the programmes paid ``MONTHLY``) or a year (``2026``: the
programmes paid ``YEARLY``). The run reads the summary columns of the tenant's admitted
files (the latest determination's entitlements, rule set and date) and links each payment
to that determination's record (the file's latest case event). It inserts the payments
that are still missing and ignores the rest: the unique constraint on (tenant, case,
programme, period) is what makes a second run pay nobody twice, even when two runs race.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, not_, select, text
from sqlalchemy.orm import Session

from core.db.models import CaseEvent, CaseFile
from core.errors import bad_input
from core.funds.ledger import sqlite_executemany
from core.funds.payments import PROPOSED
from core.model import PayPeriod
from core.registry import Tenant

MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")
YEAR = re.compile(r"20[0-9]{2}")
#: Payments per INSERT (and per step of the progress bar).
CHUNK = 10_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    cadence: PayPeriod


def parse_period(value: str) -> Period:
    """``2026-12`` (monthly) or ``2026`` (yearly); anything else is ``BAD_INPUT``."""
    value = (value or "").strip()
    if MONTH.fullmatch(value):
        return Period(value, int(value[:4]), PayPeriod.MONTHLY)
    if YEAR.fullmatch(value):
        return Period(value, int(value), PayPeriod.YEARLY)
    raise bad_input(
        f"the period {value[:20]!r} is neither a month (2026-12) nor a year (2026)",
        "期间应为月份(如2026-12)或年度(如2026)",
        period=value[:20],
    )


def recurring(tenant: Tenant, cadence: PayPeriod) -> set[str]:
    """The tenant's programmes paid at ``cadence``."""
    return {p.code for p in tenant.programmes if p.period == cadence}


@functools.lru_cache(maxsize=4096)
def _parsed(summary: str) -> tuple[tuple[str, int], ...]:
    return tuple(parse_entitlements(summary).items())


def parse_entitlements(summary: str) -> dict[str, int]:
    """``living_relief=790.00;medical_relief=*`` -> ``{"living_relief": 79000}`` (fen;
    in-kind entitlements are left out: the ledger pays money)."""
    out: dict[str, int] = {}
    for part in (summary or "").split(";"):
        code, _, amount = part.partition("=")
        if not code or not amount or amount == "*":
            continue
        whole, _, cents = amount.partition(".")
        out[code] = int(whole) * 100 + int((cents + "00")[:2])
    return out


def _pending(events: Any) -> Any:
    """A step whose new facts still wait for a second person: its determination pays nothing."""
    return func.coalesce(events.c.determination["pending"].as_boolean(), False)


def due_payments(
    session: Session, tenant: Tenant, admitted: Sequence[str], programmes: set[str]
) -> list[tuple[int, int, str, int, str, date]]:
    """(case id, determination id, programme, amount in fen, rule set, determined on) of
    every admitted file of ``tenant`` with a money entitlement in ``programmes``."""
    # Core tables (not the ORM entities): 100,000 rows are read without the ORM's loading,
    # so the tenant is filtered here explicitly (and by row-level security on PostgreSQL).
    # Two plain scans joined here: a join in SQL risks a poor plan on fresh statistics.
    events, cases = CaseEvent.__table__, CaseFile.__table__
    connection = session.connection()
    latest = dict(
        connection.execute(
            select(events.c.case_id, func.max(events.c.id))
            .where(events.c.tenant == tenant.code, not_(_pending(events)))
            .group_by(events.c.case_id)
        ).all()
    )
    found = connection.execute(
        select(
            cases.c.id,
            cases.c.entitlements,
            cases.c.ruleset,
            cases.c.evaluated_on,
        )
        .where(cases.c.tenant == tenant.code, cases.c.status.in_(list(admitted)))
        .order_by(cases.c.id)
    )
    rows = ((c, latest.get(c), e, r, on) for c, e, r, on in found)
    due = []
    for case_id, event_id, summary, ruleset, evaluated_on in rows:
        if not summary or event_id is None:
            continue
        for code, fen in _parsed(summary):
            if code in programmes and fen > 0:
                due.append((case_id, event_id, code, fen, ruleset, evaluated_on))
    return due


def insert_payments(
    session: Session,
    rows: list[tuple[Any, ...]],
    progress: Progress | None = None,
) -> None:
    """Insert payments (tuples in :data:`COLUMNS` order), skipping any (tenant, case,
    programme, period) already there."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    done = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if postgres:
            _insert_postgres(session, chunk)
        else:
            sqlite_executemany(session, "fund_payments", COLUMNS, chunk, "INSERT OR IGNORE")
        done += len(chunk)
        if progress:
            progress(done, len(rows))
    if progress and not rows:
        progress(0, 0)


_TYPES = {
    "tenant": "text",
    "case_id": "int",
    "determination_id": "int",
    "determined_on": "date",
    "ruleset": "text",
    "programme": "text",
    "period": "text",
    "year": "int",
    "source": "text",
    "amount_fen": "bigint",
    "status": "text",
    "run_id": "int",
    "proposed_by": "text",
    "proposed_on": "date",
    "sendings": "int",
    "version": "int",
}


COLUMNS = tuple(_TYPES)


def _insert_postgres(session: Session, rows: list[tuple[Any, ...]]) -> None:
    columns = COLUMNS
    arrays = ", ".join(f"CAST(:{c} AS {_TYPES[c]}[])" for c in columns)
    session.connection().execute(
        text(
            f"INSERT INTO fund_payments ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (tenant, case_id, programme, period) DO NOTHING"
        ),
        {c: [r[i] for r in rows] for i, c in enumerate(columns)},
    )


def payment_row(
    tenant: str,
    due: tuple[int, int, str, int, str, date],
    period: Period,
    source: str,
    run_id: int | None,
    user: str,
    today: date,
) -> tuple[Any, ...]:
    """A payment of the run, in :data:`COLUMNS` order."""
    case_id, event_id, programme, fen, ruleset, determined_on = due
    return (
        tenant,
        case_id,
        event_id,
        determined_on,
        ruleset,
        programme,
        period.text,
        period.year,
        source,
        fen,
        PROPOSED,
        run_id,
        user,
        today,
        0,
        1,
    )
