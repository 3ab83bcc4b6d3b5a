"""The contract's ``Query`` and ``Mutation``, and the strawberry schema that serves them.

Resolvers are thin: they read the registry from the context and hand over to
:mod:`core.api.policy` (published policy) or :mod:`core.api.cases_gateway` (case files).
A ``household`` argument arrives already validated as a :class:`core.model.Household`
(see :mod:`core.api.inputs`), so a bad household is refused before any resolver runs.
Dates default to today.

Errors are reshaped into the contract's form in :meth:`BangfuSchema.process_errors`, the
one hook strawberry calls for every error of every request (parse, validation, variables,
resolvers, unexpected faults) before the result leaves the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.unset import UnsetType

from core import clock
from core.api import cases_gateway, policy, together
from core.api.errors import contract_error, shape_in_place
from core.api.inputs import HouseholdInput, to_household
from core.api.limits import RequestLimits, check_page, check_tenant_list
from core.api.national import NationalMutation, NationalQuery
from core.api.planned import explanations_selected, may_wait, run_planned
from core.api.scalars import SCALAR_MAP
from core.api.types import (
    Case,
    Evaluation,
    Label,
    Parameter,
    TargetProgress,
    Tenant,
    TenantDeadline,
    TenantReport,
    TenantStatistics,
)
from core.evidence.graphql import EvidenceMutation, EvidenceQuery
from core.funds.graphql import FundsMutation, FundsQuery
from core.registry import Registry
from core.verification.graphql import VerificationMutation, VerificationQuery


def _registry(info: strawberry.Info) -> Registry:
    return info.context.registry


def _day(value: Any) -> date:
    """The date given, or today when the argument was left out or null."""
    return value if isinstance(value, date) else clock.today()


def _paper_date(value: Any) -> date | None:
    """A step's ``on``: the date written on the paper file (back-dating), or None for the
    server's today. The case service refuses a date after today or out of order."""
    return value if isinstance(value, date) else None


def _given(value: Any) -> Any:
    """None for an argument left out (``UNSET``) or null; the value otherwise."""
    return None if isinstance(value, UnsetType) else value


@strawberry.type(description="Published policy (open to anyone) and case files (staff).")
class Query(
    FundsQuery, NationalQuery, VerificationQuery, EvidenceQuery
):  # funds: core/funds/graphql.py; national comparison: core/api/national.py;
    # verification and evidence: core/verification/graphql.py, core/evidence/graphql.py
    @strawberry.field(description="Every tenant: national, then each province and its cities.")
    def tenants(self, info: strawberry.Info) -> list[Tenant]:
        return policy.tenants(_registry(info))

    @strawberry.field(description="One tenant; null when no tenant has the code.")
    def tenant(self, info: strawberry.Info, code: str) -> Tenant | None:
        return policy.tenant(_registry(info), code)

    @strawberry.field(
        description="Every parameter in force for the tenant on asOf (default today), by name."
    )
    def parameters(
        self, info: strawberry.Info, tenant: str, as_of: date | None = strawberry.UNSET
    ) -> list[Parameter]:
        return policy.parameters(_registry(info), tenant, _day(as_of))

    @strawberry.field(
        description="Chinese labels of every code the tenant's answers can show (categories, "
        "groups, measures, checklist items, programmes, reasons ...) on asOf (default today)."
    )
    def labels(
        self, info: strawberry.Info, tenant: str, as_of: date | None = strawberry.UNSET
    ) -> list[Label]:
        return policy.labels(_registry(info), tenant, _day(as_of))

    @strawberry.field(description="What the tenant's rules say about the household on asOf.")
    def evaluate(
        self,
        info: strawberry.Info,
        tenant: str,
        household: HouseholdInput,
        as_of: date | None = strawberry.UNSET,
    ) -> Evaluation:
        registry, facts, on = _registry(info), to_household(household), _day(as_of)
        explain = explanations_selected(info)
        if may_wait(info):  # in the event loop: with the others asked at the same moment
            return together.evaluate_together(  # type: ignore[return-value]
                registry.get(tenant), facts, on, explain
            )
        return policy.evaluate_one(registry, tenant, facts, on, explain)  # type: ignore[return-value]

    @strawberry.field(
        description="The household under several tenants (default: every province and city)."
    )
    def compare(
        self,
        info: strawberry.Info,
        household: HouseholdInput,
        tenants: list[str] | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
    ) -> list[Evaluation]:
        codes = tenants if isinstance(tenants, list) else None
        answers, failures = policy.compare_each(
            _registry(info),
            to_household(household),
            codes,
            _day(as_of),
            explain=explanations_selected(info),
        )
        if failures:  # each failing tenant is one error; the others still answer
            path = info.path.as_list()  # (a planned request goes to graphql-core here)
            info.context.partial_errors = [
                contract_error(GraphQLError(exc.en, path=path, original_error=exc))
                for _tenant, exc in failures
            ]
        return answers  # type: ignore[return-value]

    @strawberry.field(description="One case file; null when it does not exist or is not yours.")
    def case(self, info: strawberry.Info, id: strawberry.ID) -> Case | None:
        return cases_gateway.get_case(info.context, str(id))  # type: ignore[return-value]

    @strawberry.field(description="A page of a tenant's case files.")
    def cases(
        self,
        info: strawberry.Info,
        tenant: str,
        status: str | None = strawberry.UNSET,
        first: int | None = 50,
        after: str | None = strawberry.UNSET,
    ) -> list[Case]:
        return cases_gateway.list_cases(  # type: ignore[return-value]
            info.context, tenant, _given(status), check_page(first), _given(after)
        )

    @strawberry.field(
        description="The caller's tenant's files with a deadline passed by asOf (default "
        "today), the most overdue first (staff)."
    )
    def overdue_cases(
        self,
        info: strawberry.Info,
        tenant: str | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
    ) -> list[Case]:
        return cases_gateway.overdue_cases(info.context, _given(tenant), _day(as_of))  # type: ignore[return-value]

    @strawberry.field(description="Counts of case files per tenant; counts below 5 are null.")
    def statistics(
        self,
        info: strawberry.Info,
        tenants: list[str] | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
    ) -> list[TenantStatistics]:
        codes = tenants if isinstance(tenants, list) else None
        check_tenant_list(codes)
        return cases_gateway.statistics(info.context, codes, _day(as_of))  # type: ignore[return-value]

    @strawberry.field(
        description="Each tenant's progress against its targets on asOf (default today): the "
        "share of the files admitted on the baseline date that have exited. The national "
        "level: every tenant; staff: their own. Counts below 5 are null."
    )
    def targets(
        self,
        info: strawberry.Info,
        tenants: list[str] | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
    ) -> list[TargetProgress]:
        codes = tenants if isinstance(tenants, list) else None
        check_tenant_list(codes)
        return cases_gateway.targets(info.context, codes, _day(as_of))  # type: ignore[return-value]

    @strawberry.field(
        description="The tenant's own deadlines (reports due and not sent), earliest first; "
        "overdueOnly: those past due on asOf, the tenant-level entries of the overdue list "
        "(staff)."
    )
    def tenant_deadlines(
        self,
        info: strawberry.Info,
        tenant: str | None = strawberry.UNSET,
        as_of: date | None = strawberry.UNSET,
        overdue_only: bool | None = False,
    ) -> list[TenantDeadline]:
        return cases_gateway.tenant_deadlines(  # type: ignore[return-value]
            info.context, _given(tenant), _day(as_of), bool(overdue_only)
        )

    @strawberry.field(
        description="The periodic reports tenants sent up (counts only). The national level: "
        "every tenant; staff: their own."
    )
    def reports(
        self,
        info: strawberry.Info,
        tenants: list[str] | None = strawberry.UNSET,
        report: str | None = strawberry.UNSET,
    ) -> list[TenantReport]:
        codes = tenants if isinstance(tenants, list) else None
        check_tenant_list(codes)
        return cases_gateway.reports_sent(info.context, codes, _given(report))  # type: ignore[return-value]


@strawberry.type(description="Changes to case files (staff only).")
class Mutation(FundsMutation, NationalMutation, VerificationMutation, EvidenceMutation):
    @strawberry.mutation(description="Open a case file for a household in a tenant.")
    def open_case(
        self,
        info: strawberry.Info,
        tenant: str,
        household: HouseholdInput,
        urgent: bool | None = False,
        on: date | None = strawberry.UNSET,
    ) -> Case:
        _registry(info).get(tenant)
        return cases_gateway.open_case(  # type: ignore[return-value]
            info.context, tenant, to_household(household), bool(urgent), _paper_date(on)
        )

    @strawberry.mutation(description="Apply a workflow action to a case at expectedVersion.")
    def transition(
        self,
        info: strawberry.Info,
        case_id: strawberry.ID,
        action: str,
        expected_version: int,
        on: date | None = strawberry.UNSET,
        comment: str | None = strawberry.UNSET,
        household: HouseholdInput | None = strawberry.UNSET,
    ) -> Case:
        facts = _given(household)  # only for a step that records the household's facts
        more = {"household": to_household(facts)} if facts is not None else {}
        return cases_gateway.transition(  # type: ignore[return-value]
            info.context,
            str(case_id),
            action,
            expected_version,
            _paper_date(on),
            _given(comment),
            **more,
        )

    @strawberry.mutation(
        description="Approve (or reject, with a comment) the new facts waiting on an approved or "
        "filed file; taken by an approver who did not enter them. on: the date on the paper "
        "record (default today; never after today)."
    )
    def decide_facts(
        self,
        info: strawberry.Info,
        case_id: strawberry.ID,
        expected_version: int,
        approve: bool,
        comment: str | None = strawberry.UNSET,
        on: date | None = strawberry.UNSET,
    ) -> Case:
        return cases_gateway.decide_facts(  # type: ignore[return-value]
            info.context, str(case_id), expected_version, approve, _given(comment), _paper_date(on)
        )

    @strawberry.mutation(
        description="Send up the tenant's report on the period that has just ended, dated "
        "by the server (approver or admin)."
    )
    def submit_report(self, info: strawberry.Info, tenant: str, report: str) -> TenantReport:
        _registry(info).get(tenant)
        return cases_gateway.submit_report(info.context, tenant, report)  # type: ignore[return-value]


class BangfuSchema(strawberry.Schema):
    """The strawberry schema, with every error reshaped to the contract's form."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry passes the result's own list: reshaping it in place means what the
        # client receives is the shaped error. Logging happens in the shaping, once.
        shape_in_place(errors)


class ServedRequest(RequestLimits):
    """What every request goes through: the limits and caches of :mod:`core.api.limits`,
    then, for the common policy queries, planned execution (:mod:`core.api.planned`).

    One extension rather than several: each costs its hooks on every request."""

    def on_execute(self) -> Iterator[None]:
        run_planned(self.execution_context, self.prepared.notes)
        yield
        add_partial_errors(self.execution_context)


class Limited(RequestLimits):
    """The limits without planned execution (``build_schema(planned=False)``)."""

    def on_execute(self) -> Iterator[None]:
        yield
        add_partial_errors(self.execution_context)


def add_partial_errors(execution: ExecutionContext) -> None:
    """Errors of fields that still answered (``compare``), after the result is made."""
    context = execution.context
    errors = getattr(context, "partial_errors", None)
    if errors and execution.result is not None:
        context.partial_errors = None
        execution.result.errors = [*(execution.result.errors or []), *errors]


def build_schema(planned: bool = True) -> BangfuSchema:
    """The schema; ``planned=False`` leaves every request to graphql-core's executor."""
    return BangfuSchema(
        query=Query,
        mutation=Mutation,
        extensions=[ServedRequest if planned else Limited],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


schema = build_schema()
