"""The periodic re-review of every open file (Hebei: by 30 April; Gansu: every quarter).

``bangfu review --tenant CODE --as-of DATE`` re-evaluates all of a tenant's open files,
in one batch evaluation per chunk, under the rules in force on DATE, and writes a review
run with one decision row per file: whether the household still qualifies (a proposed
exit when the tenant's resolved-test says so), whether its entitlements changed, which
deadlines are overdue. Decisions are proposals: files change only when staff take the
steps of the procedure.

The files' facts do not change in a review, so every change it finds comes from the rules
(parameter values in force on DATE, or a new rule set). Running the review twice for the
same tenant and date changes nothing the second time and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.cases.maintenance import refresh_provisional_deadlines
from core.cases.summary import batch_entitlements
from core.db.facts_row import LAYOUT_ID, facts_from_rows, facts_row
from core.db.models import CaseFile, ReviewDecision, ReviewRun
from core.db.session import tenant_scope
from core.evaluation import evaluate_batch
from core.model import parse_household
from core.registry import Registry, Tenant
from core.rules import RecordedGrounds
from core.workflow.engine import Workflow
from core.workflow.procedure import ReviewSchedule

CHUNK = 25_000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ReviewSummary:
    """What a review run found (or had found, when it had already run for the date)."""

    tenant: str
    as_of: date
    period: str
    files: int
    proposed_exits: int
    changed_entitlements: int
    overdue: int
    provisional: bool
    run_id: int
    already_done: bool = False
    seconds: float = 0.0
    schedule: ReviewSchedule | None = None
    deadlines_refreshed: int = 0  #: provisional deadlines recomputed on a newer calendar


def _summary(run: ReviewRun, **extra: Any) -> ReviewSummary:
    return ReviewSummary(
        tenant=run.tenant,
        as_of=run.as_of,
        period=run.period,
        files=run.files,
        proposed_exits=run.proposed_exits,
        changed_entitlements=run.changed_entitlements,
        overdue=run.overdue,
        provisional=run.provisional,
        run_id=run.id,
        **extra,
    )


def existing_run(session: Session, tenant: str, as_of: date) -> ReviewRun | None:
    return session.scalars(
        select(ReviewRun).where(ReviewRun.tenant == tenant, ReviewRun.as_of == as_of)
    ).first()


def count_open(session: Session, tenant: str, statuses: tuple[str, ...]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(CaseFile)
            .where(CaseFile.tenant == tenant, CaseFile.status.in_(statuses))
        )
        or 0
    )


def run_review(
    session: Session,
    registry: Registry,
    tenant_code: str,
    as_of: date,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ReviewSummary:
    """Review every open file of ``tenant_code`` as of ``as_of``; idempotent per date."""
    tenant = registry.get(tenant_code)
    with tenant_scope(session, tenant.code):
        return _review(session, registry, tenant, as_of, progress, chunk)


def _review(
    session: Session,
    registry: Registry,
    tenant: Tenant,
    as_of: date,
    progress: Progress | None,
    chunk: int,
) -> ReviewSummary:
    started = time.perf_counter()
    flow = Workflow.for_tenant(tenant)
    schedule = tenant.hook.bangfu_review_schedule()
    done = existing_run(session, tenant.code, as_of)
    if done is not None:
        return _summary(done, already_done=True, schedule=schedule)
    refreshed = refresh_provisional_deadlines(session, flow)
    statuses = flow.procedure.open_statuses
    period = schedule.period(as_of) if schedule else as_of.isoformat()
    now = datetime.now(UTC)
    run = ReviewRun(
        tenant=tenant.code,
        as_of=as_of,
        period=period,
        ruleset=tenant.ruleset,
        plugin_versions=dict(tenant.plugin_versions),
        provisional=False,
        started_at=now,
        finished_at=now,
    )
    session.add(run)
    try:
        session.flush()
    except IntegrityError:  # another run for the same date got there first
        session.rollback()
        done = existing_run(session, tenant.code, as_of)
        assert done is not None
        return _summary(done, already_done=True, schedule=schedule)

    files = exits = changed = overdue = 0
    provisional = False
    last_id = 0
    while True:
        rows = session.execute(
            select(
                CaseFile.id,
                CaseFile.facts,
                CaseFile.facts_layout,
                CaseFile.entitlements,
                CaseFile.due_step,
                CaseFile.due_on,
                CaseFile.recorded_grounds,
            )
            .where(
                CaseFile.tenant == tenant.code,
                CaseFile.status.in_(statuses),
                CaseFile.id > last_id,
            )
            .order_by(CaseFile.id)
            .limit(chunk)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        facts = facts_from_rows(
            [row[1] if row[2] == LAYOUT_ID else _rebuilt_facts(session, row[0]) for row in rows]
        )
        # a ground a person recorded (Hebei's g) is kept until a person removes it
        recorded = RecordedGrounds.of([row[6] for row in rows])
        batch = evaluate_batch(tenant, facts, as_of, recorded=recorded)
        provisional |= batch.provisional
        resolved = flow.procedure.resolved(batch).tolist()
        eligible = batch.eligible.tolist()
        keys = batch_entitlements(batch)
        decisions = []
        run_id = run.id
        for i, (case_id, _f, _l, before, due_step, due_on, _g) in enumerate(rows):
            late = due_step if due_on is not None and due_on < as_of else ""
            is_changed = keys[i] != before
            # in the order of DECISION_COLUMNS
            decisions.append(
                (tenant.code, run_id, case_id, eligible[i], resolved[i], is_changed, keys[i], late)
            )
            exits += resolved[i]
            changed += is_changed
            overdue += bool(late)
        write_decisions(session, decisions)
        files += len(rows)
        if progress:
            progress(len(rows))

    run.files, run.proposed_exits = files, exits
    run.changed_entitlements, run.overdue = changed, overdue
    run.provisional = provisional
    run.finished_at = datetime.now(UTC)
    session.commit()
    return _summary(
        run,
        seconds=time.perf_counter() - started,
        schedule=schedule,
        deadlines_refreshed=refreshed,
    )


def _rebuilt_facts(session: Session, case_id: int) -> list[int]:
    """The facts row of a file stored under an older layout, from its household."""
    household = session.scalar(select(CaseFile.household).where(CaseFile.id == case_id))
    return facts_row(parse_household(household))


DECISIONS_TABLE = ReviewDecision.__tablename__
#: The columns of a decision row as :func:`write_decisions` takes it (a tuple).
DECISION_COLUMNS = (
    "tenant",
    "run_id",
    "case_id",
    "eligible",
    "propose_exit",
    "entitlements_changed",
    "entitlements",
    "overdue",
)
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}
#: Rows per INSERT statement: well under SQLite's 32,766 parameters, fast on both drivers.
ROWS_PER_INSERT = 50


def write_decisions(session: Session, decisions: list[tuple[Any, ...]]) -> None:
    """One bulk insert of decision rows: an ``executemany`` of multi-row INSERTs.

    Tuples go straight to the DB-API driver (sqlite3 or psycopg), :data:`ROWS_PER_INSERT`
    rows to a statement: per-row dictionaries and SQLAlchemy's parameter processing
    would cost more than the insert itself. The values are plain ints, bools and
    strings, so nothing needs converting.
    """
    if not decisions:
        return
    connection = session.connection()
    mark = _PLACEHOLDER.get(connection.dialect.paramstyle)
    if mark is None:  # pragma: no cover - a driver with another paramstyle
        rows = [dict(zip(DECISION_COLUMNS, d, strict=True)) for d in decisions]
        session.execute(insert(ReviewDecision), rows)
        return
    group = f"({', '.join([mark] * len(DECISION_COLUMNS))})"
    head = f"INSERT INTO {DECISIONS_TABLE} ({', '.join(DECISION_COLUMNS)}) VALUES "
    k = ROWS_PER_INSERT
    whole = len(decisions) // k * k
    if whole:
        flat = [
            tuple(value for row in decisions[i : i + k] for value in row)
            for i in range(0, whole, k)
        ]
        connection.exec_driver_sql(head + ", ".join([group] * k), flat)
    if whole < len(decisions):
        connection.exec_driver_sql(head + group, decisions[whole:])


def decisions_of(session: Session, run_id: int) -> list[ReviewDecision]:
    return list(
        session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.run_id == run_id)
            .order_by(ReviewDecision.case_id)
        )
    )


# --------------------------------------------------------------------------- the command
def run_review_command(url: str, tenant_code: str, on: date, console: Any) -> ReviewSummary:
    """``bangfu review``: migrate if needed, review with a progress bar, print a summary."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    from rich.table import Table

    from core.db.migrate import upgrade
    from core.db.session import session_factory
    from core.registry import load_registry

    upgrade(url)
    registry = load_registry()
    tenant = registry.get(tenant_code)
    flow = Workflow.for_tenant(tenant)
    with session_factory(url)() as session:
        with tenant_scope(session, tenant.code):  # row-level security: the tenant's rows
            total = count_open(session, tenant.code, flow.procedure.open_statuses)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(f"reviewing {tenant.code} as of {on}", total=total)
            result = run_review(
                session, registry, tenant.code, on, progress=lambda n: bar.advance(task, n)
            )
            if result.already_done:
                bar.update(task, completed=total)
    schedule = result.schedule
    if schedule is not None:
        console.print(
            f"schedule: {schedule.en} / {schedule.zh}; this run serves period "
            f"[bold]{result.period}[/] (due {schedule.next_due(on)})"
        )
    if result.already_done:
        console.print(
            f"[yellow]{tenant.code} was already reviewed as of {on} (run {result.run_id}): "
            "nothing changed[/]"
        )
    table = Table(title=f"Review of {tenant.code} as of {on}")
    table.add_column("open files reviewed", justify="right")
    table.add_column("proposed exits", justify="right")
    table.add_column("changed entitlements", justify="right")
    table.add_column("overdue deadlines", justify="right")
    table.add_row(
        str(result.files),
        str(result.proposed_exits),
        str(result.changed_entitlements),
        str(result.overdue),
    )
    console.print(table)
    if result.provisional:
        console.print("[yellow]some parameter values in force on that date are provisional[/]")
    if result.deadlines_refreshed:
        console.print(
            f"{result.deadlines_refreshed} provisional deadline(s) recomputed on the calendar "
            "now loaded"
        )
    if not result.already_done:
        console.print(f"review run {result.run_id} written in {result.seconds:.2f} s")
    return result
