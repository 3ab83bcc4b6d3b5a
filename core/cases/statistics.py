"""Statistics: counts of files per tenant, never a file or a person.

Counts below 5 are suppressed (None), and every category and group a tenant's rules can
give is listed whether or not a file has it, so that no household can be singled out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from core.auth.principal import Principal, require_principal
from core.cases.access import CaseAccess, one_call_scope
from core.cases.views import Count, TenantStatistics
from core.db import repositories as repo
from core.db.facts_row import facts_from_rows
from core.db.repositories import SMALLEST_SHOWN
from core.db.session import scope_to_tenant
from core.errors import BangfuError
from core.evaluation import evaluate_batch
from core.registry import Tenant
from core.workflow.engine import procedure_of

log = logging.getLogger("bangfu.cases")


class Statistics(CaseAccess):
    """Counts for the national level (every regional tenant) and for staff (their own)."""

    @one_call_scope
    def statistics(
        self,
        principal: Principal | None,
        tenants: Sequence[str] | None = None,
        as_of: date | None = None,
    ) -> list[TenantStatistics]:
        """Counts per tenant, no personal data; any count below 5 is suppressed (None),
        zero included.

        The national level sees every regional tenant, or those asked; regional staff
        see their own tenant only, and asking for any other (parent and child tenants
        included) is ``FORBIDDEN``. ``as_of`` before today counts each file as it stood
        then (its latest step on or before that date); otherwise as it stands.

        Only aggregates leave the database (:func:`core.db.repositories.case_counts`):
        no file is loaded. The national level's transaction is bound to no tenant, so on
        PostgreSQL it could not read a file's row even by mistake.
        """
        p = require_principal(principal)
        asked = list(dict.fromkeys(tenants)) if tenants else []
        if p.is_national:
            scope_to_tenant(self.session, None)  # counts of every tenant, no rows
            codes = asked or [t.code for t in self.registry.regional()]
            for code in codes:
                self.registry.get(code)
        else:
            self._staff(p, "statistics", ",".join(asked))
            codes = asked or [p.tenant]
            for code in codes:
                self.registry.get(code)
                self._own_tenant(p, code, "statistics")
        today = self.today()
        history = as_of if as_of is not None and as_of < today else None
        return [
            self._tenant_statistics(self.registry.get(code), history, as_of or today)
            for code in codes
        ]

    def _tenant_statistics(
        self, tenant: Tenant, history: date | None, on: date
    ) -> TenantStatistics:
        procedure = procedure_of(tenant)
        if procedure is None:  # the national level keeps no files
            return TenantStatistics(tenant.code, None, None, None, (), ())
        figures = repo.case_figures(
            self.session,
            tenant.code,
            history,
            procedure.open_statuses,
            procedure.admitted,
            procedure.exited,
        )
        category_keys, group_keys = self._vocabulary(tenant, on)
        return TenantStatistics(
            tenant=tenant.code,
            open_cases=figures.open,
            filed_cases=figures.filed,
            exited_cases=figures.exited,
            by_category=_suppressed_counts(figures.by_category, category_keys),
            by_group=_suppressed_counts(figures.by_group, group_keys),
        )

    def _vocabulary(self, tenant: Tenant, on: date) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The categories and national groups the tenant's rules can give on ``on``:
        every one is listed in the statistics, null when below 5, so that a key's presence
        never tells that a file of that kind exists. (Read from an evaluation of no
        household; a faulty plugin gives no vocabulary, and only keys of 5 or more.)"""
        key = (tenant.code, on)
        found = self._vocabularies.get(key)
        if found is None:
            try:
                batch = evaluate_batch(tenant, facts_from_rows([]), on)
            except BangfuError as exc:
                log.warning("no statistics vocabulary for %s: %s", tenant.code, exc.en)
                found = ((), ())
            else:
                found = (tuple(filter(None, [batch.category])), tuple(batch.groups))
            self._vocabularies[key] = found
        return found


def _suppressed_counts(counts: Mapping[str, int], vocabulary: Sequence[str]) -> tuple[Count, ...]:
    """Every key of the vocabulary, and any other key counted 5 or more times (the only
    ones the figures name), by key."""
    keys = set(vocabulary) | {k for k, n in counts.items() if n >= SMALLEST_SHOWN}
    return tuple(Count(k, suppress(counts.get(k, 0))) for k in sorted(keys))


def suppress(count: int) -> int | None:
    return count if count >= SMALLEST_SHOWN else None
