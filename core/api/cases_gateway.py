"""Case files and statistics: the seam between the API and the case service.

Every function keeps the signature the API (:mod:`core.api.schema`) calls. Each receives
the request's :class:`core.api.context.BangfuContext`: ``registry``, ``db`` (the
request's :class:`core.db.request.RequestDatabase`: a session opened on first use) and
``principal`` (who is asking, read from ``Authorization: Bearer`` when first needed). It
hands over to :class:`core.cases.service.CaseService`, which enforces roles and tenant
scoping, and returns its views (:mod:`core.cases.views`) as they are: the GraphQL types
read them attribute by attribute.

Refusals are :class:`core.errors.BangfuError` with a contract code: ``UNAUTHENTICATED``
for an anonymous caller or a bad token, ``FORBIDDEN`` for a role or tenant that may not,
``NOT_FOUND`` for a missing case or another tenant's (the same answer for both),
``CONFLICT`` for a stale ``expected_version``, ``RULE_VIOLATION`` for a workflow guard or
deadline, ``BAD_INPUT`` for the rest. A refused mutation changes nothing.
"""

from __future__ import annotations

from datetime import date

from core.api.context import BangfuContext
from core.auth.principal import Principal, require_principal
from core.cases import reports
from core.cases.reports import ReportView, TenantDeadline
from core.cases.service import CaseService
from core.cases.views import CaseView, TenantStatistics
from core.db.request import RequestDatabase
from core.model import Household
from core.targets import TargetProgress

NO_DATABASE_EN = "case files are not available on this server: it has no database"
NO_DATABASE_ZH = "本服务器未配置数据库,不提供档案功能"


def _database(context: BangfuContext) -> RequestDatabase:
    if context.db is None:
        request = getattr(context, "request", None)
        if request is None:
            from core.errors import not_found

            raise not_found(NO_DATABASE_EN, NO_DATABASE_ZH)
        context.db = RequestDatabase.for_request(request)
    return context.db


def principal(context: BangfuContext) -> Principal | None:
    """Who is asking (resolved from the bearer token on first use)."""
    if context.principal is None:
        context.principal = _database(context).principal()
    return context.principal


def _service(context: BangfuContext) -> CaseService:
    return CaseService(_database(context).session, context.registry)


def _staff(context: BangfuContext) -> Principal:
    """The principal, refusing anonymous callers before any database work."""
    if context.principal is None and not (_database(context).authorization or "").strip():
        require_principal(None)
    return require_principal(principal(context))


def get_case(context: BangfuContext, case_id: str) -> CaseView | None:
    """The case, or None when it does not exist or the principal may not see it."""
    who = _staff(context)
    view = _service(context).find_case(who, case_id)
    return view


def list_cases(
    context: BangfuContext, tenant: str, status: str | None, first: int, after: str | None
) -> list[CaseView]:
    """A page of the tenant's cases, oldest first, after the cursor ``after`` (a case id)."""
    context.registry.get(tenant)  # an unknown tenant is NOT_FOUND, as everywhere
    who = _staff(context)
    return _service(context).list_cases(who, tenant, status, first, after)


def overdue_cases(context: BangfuContext, tenant: str | None, on: date) -> list[CaseView]:
    """The tenant's cases with a deadline passed by ``on``, most overdue first."""
    if tenant is not None:
        context.registry.get(tenant)
    who = _staff(context)
    return _service(context).overdue(who, tenant, on)


def statistics(
    context: BangfuContext, tenants: list[str] | None, on: date
) -> list[TenantStatistics]:
    """Counts per tenant (every tenant when ``tenants`` is None); counts below 5 are None.

    ``on`` before today counts the files as they stood on that date (from their history);
    today or later, as they stand. The national level sees every tenant, a tenant's staff
    their own tenant only (another is ``FORBIDDEN``).
    """
    for code in tenants or ():
        context.registry.get(code)
    who = _staff(context)
    return _service(context).statistics(who, tenants, on)


def open_case(
    context: BangfuContext, tenant: str, household: Household, urgent: bool, on: date
) -> CaseView:
    """Open a file for a validated household in the tenant, evaluated on ``on``."""
    context.registry.get(tenant)
    who = _staff(context)
    return _service(context).open_case(who, tenant, household, urgent, on)


def transition(
    context: BangfuContext,
    case_id: str,
    action: str,
    expected_version: int,
    on: date,
    comment: str | None,
    household: Household | None = None,
) -> CaseView:
    """Apply a workflow action to a case at ``expected_version``; the changed case.

    ``household`` carries updated facts for a step that records them (a survey step,
    ``update_facts``, a re-entry).
    """
    who = _staff(context)
    return _service(context).transition(
        who, case_id, action, expected_version, on, comment, household
    )


def targets(context: BangfuContext, tenants: list[str] | None, on: date) -> list[TargetProgress]:
    """Progress against each tenant's targets on ``on``; counts below 5 are None."""
    for code in tenants or ():
        context.registry.get(code)
    who = _staff(context)
    return reports.targets(_service(context), who, tenants, on)


def tenant_deadlines(
    context: BangfuContext, tenant: str | None, on: date, overdue_only: bool
) -> list[TenantDeadline]:
    """The reports the tenant owes and has not sent (``overdue_only``: past due on ``on``)."""
    if tenant is not None:
        context.registry.get(tenant)
    who = _staff(context)
    return reports.report_deadlines(_service(context), who, tenant, on, overdue_only)


def reports_sent(
    context: BangfuContext, tenants: list[str] | None, report: str | None
) -> list[ReportView]:
    """The reports each tenant sent up (counts only)."""
    for code in tenants or ():
        context.registry.get(code)
    who = _staff(context)
    return reports.reports(_service(context), who, tenants, report)


def submit_report(context: BangfuContext, tenant: str, report: str) -> ReportView:
    """Send up the tenant's report on the period that has just ended (server's date)."""
    who = _staff(context)
    return reports.submit_report(_service(context), who, tenant, report)
