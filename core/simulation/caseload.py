"""A tenant's open caseload as a population, caseload replay, and caseload over time.

**Caseload as a population.** Each open file keeps its household's derived facts as one
row of numbers (:mod:`core.db.facts_row`): counts, amounts and flags, with no name, ID
number or address. :func:`caseload_population` reads only those rows, each with weight 1,
so a simulation over a caseload never touches personal data.

**Replay.** :func:`replay` evaluates every open file under the tenant's rules and under a
reform on the same date, and counts the files whose determination would differ
(eligibility or any entitlement) and, per programme, the files gaining it, losing it or
getting another amount. ``bangfu replay --tenant T --reform reform.yaml`` prints it and,
with ``--fail-on-change``, fails when any file would move: a plugin's CI runs it before a
parameter change is merged.

**Trends.** :func:`caseload_trend` is the ``statistics`` of each tenant at the end of each
month, computed by the case service itself, so counts below 5 are suppressed exactly as
``statistics`` suppresses them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.summary import batch_entitlements
from core.db.facts_row import LAYOUT_ID, facts_from_rows, facts_row
from core.db.models import CaseFile
from core.db.session import tenant_scope
from core.evaluation import Evaluation, evaluate, evaluate_batch
from core.model import parse_household
from core.registry import Registry, Tenant
from core.simulation.population import Population, concat
from core.simulation.procedure_replay import (
    ProcedureReplay,
    ReplayedFile,
    compare_procedures,
    procedure_parameters,
)
from core.simulation.reforms import Reform, reformed_tenant
from core.workflow.engine import procedure_of
from core.workflow.procedure import Procedure

CHUNK = 25_000


def _open_statuses(tenant: Tenant) -> tuple[str, ...]:
    from core.workflow.engine import Workflow

    return tuple(Workflow.for_tenant(tenant).procedure.open_statuses)


def caseload_chunks(session: Session, tenant: Tenant, chunk: int = CHUNK) -> Iterator[Population]:
    """The tenant's open files as populations of ``chunk`` households, facts only."""
    statuses = _open_statuses(tenant)
    last_id = 0
    with tenant_scope(session, tenant.code):
        while True:
            rows = session.execute(
                select(CaseFile.id, CaseFile.facts, CaseFile.facts_layout)
                .where(
                    CaseFile.tenant == tenant.code,
                    CaseFile.status.in_(statuses),
                    CaseFile.id > last_id,
                )
                .order_by(CaseFile.id)
                .limit(chunk)
            ).all()
            if not rows:
                return
            last_id = rows[-1][0]
            facts = facts_from_rows(
                [row[1] if row[2] == LAYOUT_ID else _rebuilt(session, row[0]) for row in rows]
            )
            yield Population(facts, np.ones(facts.size, dtype=np.int64))


def _rebuilt(session: Session, case_id: int) -> list[int]:
    household = session.scalar(select(CaseFile.household).where(CaseFile.id == case_id))
    return facts_row(parse_household(household))


def caseload_population(session: Session, tenant: Tenant) -> Population:
    parts = list(caseload_chunks(session, tenant))
    if not parts:
        return Population(facts_from_rows([]), np.zeros(0, dtype=np.int64))
    return parts[0] if len(parts) == 1 else concat(parts)


# --------------------------------------------------------------------------- replay
@dataclass
class ProgrammeMove:
    code: str
    gaining: int = 0  #: files granted it under the reform only
    losing: int = 0  #: files granted it under the current rules only
    amount_changed: int = 0  #: files granted it under both, with another amount
    cost_change: int = 0  #: fen per period, summed over the files

    @property
    def moved(self) -> int:
        return self.gaining + self.losing + self.amount_changed


@dataclass
class ReplayResult:
    tenant: str
    reform: str
    on: date
    ruleset: str
    reform_ruleset: str
    #: what the reform's procedure readings change (when it sets any), see
    #: :mod:`core.simulation.procedure_replay`
    procedure: ProcedureReplay | None = None
    files: int = 0
    changed: int = 0  #: files whose determination would differ
    gaining_eligibility: int = 0
    losing_eligibility: int = 0
    programmes: dict[str, ProgrammeMove] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "reform": self.reform,
            "asOf": self.on.isoformat(),
            "ruleset": self.ruleset,
            "reformRuleset": self.reform_ruleset,
            "files": self.files,
            "changed": self.changed,
            "gainingEligibility": self.gaining_eligibility,
            "losingEligibility": self.losing_eligibility,
            "programmes": [
                {
                    "code": m.code,
                    "gaining": m.gaining,
                    "losing": m.losing,
                    "amountChanged": m.amount_changed,
                    "costChangeFen": m.cost_change,
                }
                for m in self.programmes.values()
            ],
            "procedure": self.procedure.as_dict() if self.procedure else None,
        }


def replay(
    session: Session, registry: Registry, tenant_code: str, reform: Reform, on: date
) -> ReplayResult:
    """How the tenant's open files would fare under ``reform`` on ``on``."""
    tenant = registry.get(tenant_code)
    changed_tenant = reformed_tenant(tenant, reform, registry)
    result = ReplayResult(tenant.code, reform.name, on, tenant.ruleset, changed_tenant.ruleset)
    codes = list(
        dict.fromkeys(
            [p.code for p in tenant.programmes] + [p.code for p in changed_tenant.programmes]
        )
    )
    result.programmes = {code: ProgrammeMove(code) for code in codes}
    for part in caseload_chunks(session, tenant):
        before = evaluate_batch(tenant, part.facts, on)
        after = evaluate_batch(changed_tenant, part.facts, on)
        differs = (before.eligible != after.eligible) | np.array(
            [
                a != b
                for a, b in zip(batch_entitlements(before), batch_entitlements(after), strict=True)
            ],
            dtype=bool,
        )
        result.files += part.size
        result.changed += int(differs.sum())
        result.gaining_eligibility += int((after.eligible & ~before.eligible).sum())
        result.losing_eligibility += int((before.eligible & ~after.eligible).sum())
        for code, move in result.programmes.items():
            zero = np.zeros(part.size, dtype=bool)
            was = (
                np.asarray(before.grants[code].granted, dtype=bool)
                if code in before.grants
                else zero
            )
            now = (
                np.asarray(after.grants[code].granted, dtype=bool) if code in after.grants else zero
            )
            a0 = before.amount(code) if code in before.grants else np.zeros(part.size, np.int64)
            a1 = after.amount(code) if code in after.grants else np.zeros(part.size, np.int64)
            move.gaining += int((now & ~was).sum())
            move.losing += int((was & ~now).sum())
            move.amount_changed += int((was & now & (a0 != a1)).sum())
            move.cost_change += int(a1.sum() - a0.sum())
    procedure = procedure_of(tenant)
    if procedure is not None and set(reform.parameters) & procedure_parameters(procedure):
        result.procedure = compare_procedures(
            tenant, changed_tenant, open_files(session, tenant, procedure), on
        )
    return result


def open_files(session: Session, tenant: Tenant, procedure: Procedure) -> Iterator[ReplayedFile]:
    """The tenant's open files as the engine sees them, each with its evaluation."""
    from core.cases.steps import case_state
    from core.db import repositories as repo

    statuses = tuple(s.code for s in procedure.statuses if s.open)
    last_id = 0
    with tenant_scope(session, tenant.code):
        while True:
            rows = session.scalars(
                select(CaseFile)
                .where(
                    CaseFile.tenant == tenant.code,
                    CaseFile.status.in_(statuses),
                    CaseFile.id > last_id,
                )
                .order_by(CaseFile.id)
                .limit(CHUNK)
            ).all()
            if not rows:
                return
            last_id = rows[-1].id
            events = repo.events_of(session, tenant.code, [r.id for r in rows])
            for row in rows:
                household = parse_household(row.household)
                grounds = row.recorded_grounds

                def evaluated(t: Tenant, on: date, h=household, g=grounds) -> Evaluation:
                    return evaluate(t, h, on, explain=False, recorded=g)

                yield str(row.number), case_state(row, events[row.id]), evaluated


# --------------------------------------------------------------------------- trends
def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the ``months`` months before today's, then today."""
    out = []
    year, month = today.year, today.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(out), today]


@dataclass(frozen=True)
class TrendPoint:
    on: date
    open_cases: int | None  #: None when suppressed (below 5), as in ``statistics``
    filed_cases: int | None
    exited_cases: int | None


def caseload_trend(
    session: Session,
    registry: Registry,
    principal: Any,
    tenants: list[str] | None,
    dates: list[date],
) -> dict[str, list[TrendPoint]]:
    """Per tenant, the case service's statistics at each date (suppressed as there)."""
    from core.cases.service import CaseService

    service = CaseService(session, registry)
    out: dict[str, list[TrendPoint]] = {}
    for on in dates:
        for s in service.statistics(principal, tenants, on):
            out.setdefault(s.tenant, []).append(
                TrendPoint(on, s.open_cases, s.filed_cases, s.exited_cases)
            )
    return out
