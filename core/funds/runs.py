"""Payment runs (清册): every filed case with a recurring entitlement, for one period.

A period is a month (``2026-12``: the programmes paid ``MONTHLY``) or a year (``2026``: the
programmes paid ``YEARLY``). The run reads the summary columns of the tenant's admitted
files (the latest determination's entitlements, rule set and date) and links each payment
to that determination's record (the file's latest case event). It inserts the payments
that are still missing and ignores the rest: the unique index on (tenant, case,
programme, period key) among payments not cancelled is what makes a second run pay nobody
twice, even when two runs race (:mod:`core.funds.periods`). A run pays no period later
than today's plus ``funds.periods_ahead``, and no file whose determination in force took
effect after the period ended.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import metrics
from core.auth.principal import Principal
from core.db.models import CaseEvent, CaseFile
from core.db.session import scope_to_tenant
from core.errors import bad_input
from core.funds import periods
from core.funds.desk import (
    PROPOSERS,
    TREASURERS,
    FundsDesk,
    checked_source,
    conflict,
    one_call_scope,
)
from core.funds.ledger import sqlite_executemany
from core.funds.models import FundPayment, FundRun
from core.funds.once import given_in_another_form
from core.funds.payments import PROPOSED
from core.funds.periods import Period, parse_period
from core.model import BenefitForm, PayPeriod
from core.money import format_yuan
from core.registry import Tenant
from core.verification.holds import held_files
from core.workflow.engine import procedure_of

#: Payments per INSERT (and per step of the progress bar).
CHUNK = 10_000
Progress = Callable[[int, int], None]


def recurring(tenant: Tenant, cadence: PayPeriod) -> set[str]:
    """The tenant's programmes paid in cash from a fund at ``cadence`` (a tax relief or a
    waiver is a document, goods are distributed from stock: no run pays them)."""
    return {
        p.code for p in tenant.programmes if p.period == cadence and p.form == BenefitForm.FUND_CASH
    }


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


def due_payments(
    session: Session, tenant: Tenant, admitted: Sequence[str], programmes: set[str]
) -> list[tuple[int, int, str, int, str, date]]:
    """(case id, determination id, programme, amount in fen, rule set, determined on) of
    every admitted file of ``tenant`` with a money entitlement in ``programmes``."""
    # Core tables (not the ORM entities): 100,000 rows are read without the ORM's loading,
    # so the tenant is filtered here explicitly (and by row-level security on PostgreSQL).
    # Only the files that can be due are read (admitted, with an entitlement), each with
    # the id of its determination in force through (case, seq): never the record of every
    # step the tenant ever had.
    events, cases = CaseEvent.__table__, CaseFile.__table__
    connection = session.connection()
    found = connection.execute(
        select(
            cases.c.id,
            events.c.id,
            cases.c.entitlements,
            cases.c.ruleset,
            cases.c.evaluated_on,
        )
        .select_from(
            cases.join(
                events,
                (events.c.case_id == cases.c.id) & (events.c.seq == cases.c.determination_seq),
            )
        )
        .where(
            cases.c.tenant == tenant.code,
            cases.c.status.in_(list(admitted)),
            cases.c.entitlements != "",
            events.c.tenant == tenant.code,
        )
        .order_by(cases.c.id)
    )
    rows = ((c, d, e, r, on) for c, d, e, r, on in found)
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


PAYMENT_TYPES = {
    "tenant": "text",
    "case_id": "int",
    "determination_id": "int",
    "determined_on": "date",
    "ruleset": "text",
    "programme": "text",
    "period": "text",
    "period_key": "text",
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


COLUMNS = tuple(PAYMENT_TYPES)


def _insert_postgres(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """One INSERT ... SELECT FROM unnest(...) for the chunk. A column with one value for
    every row (the tenant, period, fund, run, proposer...) goes as one parameter, not as
    an array of 10,000 copies: adapting those arrays cost more than the insert itself."""
    session.connection().execute(
        *unnest_insert("fund_payments", PAYMENT_TYPES, rows, "ON CONFLICT DO NOTHING")
    )


def unnest_insert(
    table: str, types: dict[str, str], rows: list[tuple[Any, ...]], tail: str = ""
) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters inserting ``rows`` (tuples in ``types`` order) into
    ``table`` on PostgreSQL: the varying columns as typed arrays unnested together, the
    constant ones as single values."""
    columns = list(types)
    constant = {c for i, c in enumerate(columns) if len({r[i] for r in rows}) == 1}
    varying = [c for c in columns if c not in constant]
    values = ", ".join(f"CAST(:{c} AS {types[c]})" if c in constant else f"u.{c}" for c in columns)
    arrays = ", ".join(f"CAST(:{c} AS {types[c]}[])" for c in varying)
    source = f" FROM unnest({arrays}) AS u({', '.join(varying)})" if varying else ""
    parameters = {
        c: (rows[0][i] if c in constant else [r[i] for r in rows]) for i, c in enumerate(columns)
    }
    statement = text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values}{source} {tail}")
    return statement, parameters


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
        period.text,  # a recurring programme's key is its period (core.funds.periods)
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


# --------------------------------------------------------------------------- the service
@dataclass(frozen=True)
class RunResult:
    run: FundRun
    created: int  #: payments added by this call
    total: int  #: payments of the run
    total_fen: int


class Runs(FundsDesk):
    @one_call_scope
    def run(
        self,
        principal: Principal | None,
        period: str,
        source: str,
        progress: Progress | None = None,
    ) -> RunResult:
        """The payment run (清册) of ``period`` from fund ``source``: a payment proposed
        for every filed case with a recurring entitlement of that cadence that has none
        yet. Running it again adds only what is missing, and pays nobody twice."""
        p = self._staff(principal, PROPOSERS)
        source = checked_source(source)
        when = parse_period(period)
        tenant = self.registry.get(p.tenant)
        procedure = procedure_of(tenant)
        if procedure is None:
            raise bad_input("this tenant keeps no case files", "本地区不建档")
        today = self.today()
        ahead = tenant.parameters(today).integer(periods.AHEAD)
        periods.run_span(when.cadence, when, today, ahead)
        self._fresh()
        run = self.session.scalar(
            select(FundRun).where(
                FundRun.tenant == p.tenant, FundRun.period == when.text, FundRun.source == source
            )
        )
        if run is None:
            run = FundRun(
                tenant=p.tenant,
                period=when.text,
                year=when.year,
                source=source,
                cadence=str(when.cadence),
                started_by=p.user,
            )
            self.session.add(run)
            try:
                self.session.flush()
            except IntegrityError:  # another run of the same period won the race
                self.session.rollback()
                scope_to_tenant(self.session, p.tenant)
                run = self.session.scalar(
                    select(FundRun).where(
                        FundRun.tenant == p.tenant,
                        FundRun.period == when.text,
                        FundRun.source == source,
                    )
                )
                assert run is not None
        before = self._count(FundPayment.run_id == run.id)
        due = due_payments(
            self.session, tenant, procedure.admitted, recurring(tenant, when.cadence)
        )
        held = held_files(self.session, tenant, today)  # verification.hold_payments
        from core.funds.in_kind import given_in_kind  # given in kind: not paid again

        kind = given_in_kind(self.session, p.tenant, when.text)
        end = periods.period_end(when)
        rows = [
            payment_row(p.tenant, d, when, source, run.id, p.user, today)
            for d in due
            if d[0] not in held
            and (d[0], d[2]) not in kind
            and (d[5] is None or d[5] <= end)  # not before it took effect
        ]
        try:
            insert_payments(self.session, rows, progress)
        except (IntegrityError, sqlite3.IntegrityError) as exc:
            if not given_in_another_form(exc):
                raise
            self.session.rollback()  # a distribution line raced past the look above
            raise conflict(
                f"a file of the run was given a programme for {when.text} in kind meanwhile; "
                "nothing was added: run it again",
                f"清册中有档案在{when.text}已以实物或购物券发放,本次未生成支付,请重新生成清册",
                period=when.text,
            ) from None
        total, total_fen = self._count(FundPayment.run_id == run.id, with_sum=True)
        self._commit()
        metrics.PAYMENT_RUNS.labels(p.tenant, "added" if total > before else "unchanged").inc()
        return RunResult(self._answer(run), total - before, total, total_fen)

    @one_call_scope
    def publish(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        """Publish the run's list (公示): names masked, no ID numbers; marks the run
        published today. The list is what :meth:`public_list` returns."""
        p = self._staff(principal, TREASURERS)
        run = self._run(p, run_id)
        if run.published_on is None:
            run.published_on = self.today()
            self._commit()
        return self.public_list(p, run.id)

    @one_call_scope
    def public_list(self, principal: Principal | None, run_id: str | int) -> list[dict[str, Any]]:
        p = self._staff(principal)
        run = self._run(p, run_id)
        out = []
        for payment, household in self._with_households(p, FundPayment.run_id == run.id):
            if payment.status == "rejected":
                continue
            out.append(
                {
                    "payment": payment.id,
                    "name": mask_name(applicant_name(household)),
                    "programme": payment.programme,
                    "period": payment.period,
                    "amount": format_yuan(payment.amount_fen),
                }
            )
        return out

    def _with_households(self, p: Principal, where: Any) -> list[tuple[FundPayment, dict]]:
        rows = self.session.execute(
            select(FundPayment, CaseFile.household)
            .join(CaseFile, CaseFile.id == FundPayment.case_id)
            .where(FundPayment.tenant == p.tenant, where)
            .order_by(FundPayment.id)
        )
        return [(pay, household or {}) for pay, household in rows]


def applicant_name(household: dict[str, Any]) -> str:
    members = household.get("members") or []
    for m in members:
        if m.get("relation") == "APPLICANT":
            return str(m.get("name") or "")
    return str(members[0].get("name") or "") if members else ""


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧***: the family name only (公示 shows no full name)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
