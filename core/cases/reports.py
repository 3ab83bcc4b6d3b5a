"""Tenant-level work: progress against targets, and the periodic reports a union sends up.

Both are counts only, never a file or a person, so the national level may read them for
every tenant, and a tenant's staff for their own tenant (another is ``FORBIDDEN``), exactly
as :meth:`core.cases.service.CaseService.statistics`. Counts below 5 are suppressed
(None) for everyone.

Reports (Hebei 003 三.4: 每季度初7个工作日内逐级上报): a tenant whose procedure declares a
:class:`core.workflow.procedure.PeriodicReport` owes one report per period, due on the N-th
working day of the next period. :func:`report_deadlines` lists the reports due and not
sent (the tenant-level deadlines of the overdue lists); :func:`submit_report` computes the
counts of the period that ended and records them, dated by the server.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.auth.principal import Principal, require_principal
from core.auth.roles import ADMIN, APPROVER
from core.cases.service import SMALLEST_SHOWN, CaseService, suppress
from core.cases.views import Count
from core.db import repositories as repo
from core.db.session import scope_to_tenant
from core.errors import CONFLICT, FORBIDDEN, BangfuError, bad_input
from core.registry import Tenant
from core.targets import TargetProgress, target_progress
from core.workflow.engine import procedure_of
from core.workflow.procedure import PeriodicReport, Procedure

#: How many past periods the report deadlines look back (a year of quarters).
LOOK_BACK = 4
SUBMITTERS = frozenset({APPROVER, ADMIN})


@dataclass(frozen=True)
class TenantDeadline:
    """A tenant-level deadline (a report due), not tied to any file."""

    tenant: str
    step: str  #: the report's code, e.g. "quarterly_report"
    zh: str
    en: str
    period: str  #: the period reported on, e.g. "2026-Q3"
    due: date
    provisional: bool
    overdue: bool  #: not submitted and past due on the date asked
    basis: str


@dataclass(frozen=True)
class ReportView:
    """A report sent up: counts only (below 5: None)."""

    tenant: str
    report: str
    period: str
    period_start: date
    period_end: date
    due_on: date
    submitted_on: date
    late: bool
    counts: tuple[Count, ...]


# --------------------------------------------------------------------------- access
def _codes(
    service: CaseService, principal: Principal | None, asked: list[str], what: str
) -> list[str]:
    """The tenants the principal may see counts of (national: every regional tenant)."""
    p = require_principal(principal)
    if p.is_national:
        scope_to_tenant(service.session, None)
        codes = asked or [t.code for t in service.registry.regional()]
        for code in codes:
            service.registry.get(code)
        return codes
    service._staff(p, what, ",".join(asked))
    codes = asked or [p.tenant]
    for code in codes:
        service.registry.get(code)
        service._own_tenant(p, code, what)
    return codes


# --------------------------------------------------------------------------- targets
def targets(
    service: CaseService,
    principal: Principal | None,
    tenants: list[str] | None = None,
    on: date | None = None,
) -> list[TargetProgress]:
    """Progress against every target of each tenant asked (default: the caller's, or every
    regional tenant for the national level), counts below 5 suppressed."""
    codes = _codes(service, principal, list(dict.fromkeys(tenants or [])), "targets")
    on = on or service.today()
    found: list[TargetProgress] = []
    for code in codes:
        tenant = service.registry.get(code)
        found.extend(
            t.suppressed(SMALLEST_SHOWN) for t in target_progress(service.session, tenant, on)
        )
    return found


# --------------------------------------------------------------------------- reports
def _reports_of(tenant: Tenant) -> tuple[Procedure | None, tuple[PeriodicReport, ...]]:
    procedure = procedure_of(tenant)
    return procedure, (procedure.reports if procedure is not None else ())


def _due_periods(
    service: CaseService, tenant: Tenant, report: PeriodicReport, on: date
) -> list[tuple[str, date, date, date, bool]]:
    """The last periods whose report has come due or is running on ``on``:
    (period code, start, end, due, provisional), oldest first."""
    out = []
    start = report.period_start(on)  # the period the report on the previous one is sent in
    for _ in range(LOOK_BACK):
        reported = report.previous_start(start)
        due, provisional = report.due(service.calendar, tenant.parameters(start), start)
        out.append(
            (report.period_code(reported), reported, start - timedelta(days=1), due, provisional)
        )
        start = reported
    return list(reversed(out))


def report_deadlines(
    service: CaseService,
    principal: Principal | None,
    tenant: str | None = None,
    on: date | None = None,
    overdue_only: bool = False,
) -> list[TenantDeadline]:
    """The reports the tenant owes and has not sent, earliest first (``overdue_only``: those
    past due on ``on``, the tenant-level entries of the overdue lists). Staff of the tenant."""
    p = service._staff(principal, "tenantDeadlines", tenant or "")
    code = service.registry.get(tenant or p.tenant).code
    service._own_tenant(p, code, "tenantDeadlines")
    on = on or service.today()
    registered = service.registry.get(code)
    _, reports = _reports_of(registered)
    found = []
    for report in reports:
        periods = _due_periods(service, registered, report, on)
        sent = repo.submitted_reports(service.session, code, report.code, [x[0] for x in periods])
        for period, _start, _end, due, provisional in periods:
            if period in sent:
                continue
            overdue = on > due
            if overdue_only and not overdue:
                continue
            found.append(
                TenantDeadline(
                    code,
                    report.code,
                    report.zh,
                    report.en,
                    period,
                    due,
                    provisional,
                    overdue,
                    report.basis,
                )
            )
    return sorted(found, key=lambda d: (d.due, d.step))


def report_counts(
    service: CaseService, tenant: Tenant, procedure: Procedure, start: date, end: date
) -> dict[str, int]:
    """The counts of one period: steps taken by action, and the files by kind at its end."""
    counts: Counter[str] = Counter()
    for action, n in repo.step_counts(service.session, tenant.code, start, end):
        counts[f"steps.{action}"] += n
    open_statuses = set(procedure.open_statuses)
    for row in repo.case_counts(service.session, tenant.code, end):
        if row.status in open_statuses:
            counts["files.open"] += row.n
        if row.status in procedure.admitted:
            counts["files.admitted"] += row.n
        if row.status in procedure.exited:
            counts["files.exited"] += row.n
        counts[f"status.{row.status}"] += row.n
    for key in ("files.open", "files.admitted", "files.exited", "steps.open"):
        counts.setdefault(key, 0)
    return dict(sorted(counts.items()))


def submit_report(
    service: CaseService, principal: Principal | None, tenant: str, report: str
) -> ReportView:
    """Send up the report on the period that has just ended, dated today (the server's
    date). Approvers and admins of the tenant; a period is reported once (``CONFLICT``)."""
    try:
        return _submit(service, principal, tenant, report)
    except BaseException:
        service.session.rollback()
        raise


def _submit(
    service: CaseService, principal: Principal | None, tenant: str, report: str
) -> ReportView:
    p = service._staff(principal, "submitReport", tenant)
    code = service.registry.get(tenant).code
    service._own_tenant(p, code, "submitReport")
    if p.role not in SUBMITTERS:
        raise BangfuError(
            FORBIDDEN,
            f"the role {p.role!r} does not send up reports; an approver or admin does",
            f"角色 {p.role} 不能上报统计,须由审批人或管理员上报",
        )
    registered = service.registry.get(code)
    procedure, reports = _reports_of(registered)
    rule = next((r for r in reports if r.code == report), None)
    if procedure is None or rule is None:
        known = ", ".join(r.code for r in reports) or "none"
        raise bad_input(
            f"{code} sends up no report {report!r} (its reports: {known})",
            f"{code} 没有名为 {report!r} 的上报事项(可用:{known})",
        )
    today = service.today()
    start = rule.period_start(today)
    reported = rule.previous_start(start)
    end = start - timedelta(days=1)
    period = rule.period_code(reported)
    if repo.submitted_reports(service.session, code, rule.code, [period]):
        raise BangfuError(
            CONFLICT,
            f"the {rule.en} for {period} has already been sent up",
            f"{period}的{rule.zh}已上报",
            {"period": period},
        )
    due, _provisional = rule.due(service.calendar, registered.parameters(start), start)
    counts = report_counts(service, registered, procedure, reported, end)
    repo.add_report(
        service.session,
        {
            "tenant": code,
            "report": rule.code,
            "period": period,
            "period_start": reported,
            "period_end": end,
            "due_on": due,
            "submitted_on": today,
            "submitted_by": p.user,
            "counts": counts,
        },
    )
    service._finish()
    return _view(code, rule.code, period, reported, end, due, today, counts)


def _view(
    tenant: str,
    report: str,
    period: str,
    start: date,
    end: date,
    due: date,
    submitted: date,
    counts: dict[str, Any],
) -> ReportView:
    return ReportView(
        tenant=tenant,
        report=report,
        period=period,
        period_start=start,
        period_end=end,
        due_on=due,
        submitted_on=submitted,
        late=submitted > due,
        counts=tuple(Count(k, suppress(int(n))) for k, n in sorted(counts.items())),
    )


def reports(
    service: CaseService,
    principal: Principal | None,
    tenants: list[str] | None = None,
    report: str | None = None,
) -> list[ReportView]:
    """The reports sent up by each tenant asked (national: every regional tenant), oldest
    period first; counts below 5 suppressed."""
    codes = _codes(service, principal, list(dict.fromkeys(tenants or [])), "reports")
    found = []
    for code in codes:
        _, rules = _reports_of(service.registry.get(code))
        for rule in rules:
            if report and rule.code != report:
                continue
            for row in repo.reports_of(service.session, code, rule.code):
                found.append(_view(code, rule.code, *row))
    return found
