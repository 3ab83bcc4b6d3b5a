"""Case files and statistics: the seam between the API and the workflow.

PLACEHOLDER, to be replaced by the workflow/persistence engineer. Every function keeps its
signature; the API (:mod:`core.api.schema`) calls nothing else for cases. Each receives the
request's :class:`core.api.context.BangfuContext` (``registry``, and once access control
and persistence land, ``principal`` and ``db``) and returns the plain records of
:mod:`core.api.records`, or raises :class:`core.errors.BangfuError` with a contract code:
``UNAUTHENTICATED`` / ``FORBIDDEN`` for access, ``NOT_FOUND`` for a missing case or a case
of another tenant (the same answer for both), ``CONFLICT`` for a stale ``expected_version``,
``RULE_VIOLATION`` for a workflow guard or deadline, ``BAD_INPUT`` for the rest.

Until then: no case exists; lists are empty; opening or changing a case is refused.
"""

from __future__ import annotations

from datetime import date

from core.api.context import BangfuContext
from core.api.records import CaseRecord, TenantStatisticsRecord
from core.errors import BangfuError, not_found
from core.model import Household

NOT_AVAILABLE_EN = "case files are not available on this server yet"
NOT_AVAILABLE_ZH = "本服务器尚未开通档案功能"


def get_case(context: BangfuContext, case_id: str) -> CaseRecord | None:
    """The case, or None when it does not exist or the principal may not see it."""
    return None


def list_cases(
    context: BangfuContext, tenant: str, status: str | None, first: int, after: str | None
) -> list[CaseRecord]:
    """A page of the tenant's cases, oldest first, after the cursor ``after`` (a case id)."""
    context.registry.get(tenant)  # an unknown tenant is NOT_FOUND, as everywhere
    return []


def statistics(
    context: BangfuContext, tenants: list[str] | None, on: date
) -> list[TenantStatisticsRecord]:
    """Counts per tenant (every tenant when ``tenants`` is None); counts below 5 are None."""
    for code in tenants or ():
        context.registry.get(code)
    return []


def open_case(
    context: BangfuContext, tenant: str, household: Household, urgent: bool, on: date
) -> CaseRecord:
    """Open a file for a validated household in the tenant, evaluated on ``on``."""
    context.registry.get(tenant)
    raise _not_available()


def transition(
    context: BangfuContext,
    case_id: str,
    action: str,
    expected_version: int,
    on: date,
    comment: str | None,
) -> CaseRecord:
    """Apply a workflow action to a case at ``expected_version``; the changed case."""
    raise _not_available()


def _not_available() -> BangfuError:
    return not_found(NOT_AVAILABLE_EN, NOT_AVAILABLE_ZH)
