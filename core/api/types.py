"""What the API answers with: the contract's output types.

Every type here is a plain field list without resolvers. GraphQL reads each field from
whatever object a resolver returns, by attribute name, so the engine's own results
(:class:`core.evaluation.Evaluation`, its reasons and entitlements) and the case service's
views (:mod:`core.cases.views`) are sent as they are, without copying. Only ``Tenant``
and ``Parameter`` are built here, from the registry, because their shape differs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from core.api.enums import PayPeriod, TenantLevel
from core.parameters import ResolvedParameter
from core.registry import Tenant as RegisteredTenant


@strawberry.type(description="How a tenant's staff pages look.")
class Branding:
    display_name: str
    primary_color: str
    logo_url: str | None
    locale: str


@strawberry.type(description="A province, a city, or the national union, with its own rules.")
class Tenant:
    code: str = strawberry.field(description='"hebei", "gansu", "demo_city", "national"')
    name: str = strawberry.field(description='The official name, "河北省"')
    level: TenantLevel
    parent: str | None = strawberry.field(description="The parent's code; null for national")
    branding: Branding

    @classmethod
    def of(cls, tenant: RegisteredTenant) -> Tenant:
        info, look = tenant.info, tenant.branding
        return cls(
            code=info.code,
            name=info.name,
            level=TenantLevel(info.level.value),
            parent=info.parent,
            branding=Branding(
                display_name=look.display_name,
                primary_color=look.primary_color,
                logo_url=look.logo_url,
                locale=look.locale,
            ),
        )


@strawberry.type(description="A policy figure in force for a tenant on a date.")
class Parameter:
    name: str = strawberry.field(description='e.g. "dibao.standard_monthly"')
    value: JSON
    unit: str | None
    effective_from: date
    source: str = strawberry.field(
        description='The citation, or "illustrative: ..." where no source gives the figure'
    )
    defined_by: str = strawberry.field(
        description="The tenant whose plugin set the value in force (inheritance)"
    )

    @classmethod
    def of(cls, p: ResolvedParameter) -> Parameter:
        return cls(
            name=p.name,
            value=p.json_value(),
            unit=p.unit,
            effective_from=p.effective_from,
            source=p.source,
            defined_by=p.defined_by,
        )


@strawberry.type(description="A criterion the household meets, with its clause.")
class Reason:
    code: str
    label: str
    basis: str


@strawberry.type(description="Money or help in kind the household is entitled to.")
class Entitlement:
    programme: str = strawberry.field(
        description='A national vocabulary code, or "<tenant>.<code>"'
    )
    name: str
    amount: Decimal | None = strawberry.field(description="null for in-kind entitlements")
    period: PayPeriod
    basis: str = strawberry.field(description="The citation of the rule")
    explanation: list[str] = strawberry.field(description="The steps that produced the amount")


@strawberry.type(description="A discount on water, gas, heating or electricity.")
class UtilityDiscount:
    utility: str
    quantity: Decimal
    unit: str
    period: PayPeriod
    basis: str


@strawberry.type(description="One item of a checklist (Gansu: 两有五保障).")
class ChecklistItem:
    code: str
    label: str
    met: bool


@strawberry.type(description="The household's yearly accounts.")
class Budget:
    annual_income: Decimal
    annual_expenses: Decimal
    gap: Decimal


@strawberry.type(description="What a tenant's rules say about one household on a date.")
class Evaluation:
    tenant: str
    as_of: date
    provisional: bool = strawberry.field(
        description="true when a calendar or parameter needed was not yet published"
    )
    eligible: bool
    category: str | None = strawberry.field(
        description='The hardship category ("tekun"); null when not eligible'
    )
    groups: list[str] = strawberry.field(description="National target groups")
    measures: list[str] = strawberry.field(description="Recommended national measures")
    reasons: list[Reason]
    entitlements: list[Entitlement]
    utility_discounts: list[UtilityDiscount]
    checklist: list[ChecklistItem]
    budget: Budget


@strawberry.type(description="One step in a file's history.")
class CaseEvent:
    action: str
    from_status: str
    to_status: str
    on: date
    actor: str
    comment: str | None
    warnings: list[str] = strawberry.field(
        description="What the step was allowed despite, Chinese first (Hebei's quota passed "
        "under the 'warn' reading of 原则上)"
    )


@strawberry.type(description="A step that must happen by a date.")
class Deadline:
    step: str
    due: date
    provisional: bool


@strawberry.type(description="A hardship file.")
class Case:
    id: strawberry.ID
    tenant: str
    status: str
    version: int = strawberry.field(description="Optimistic concurrency: every change bumps it")
    opened_on: date
    urgent: bool
    evaluation: Evaluation
    available_actions: list[str]
    history: list[CaseEvent]
    deadlines: list[Deadline]


@strawberry.type(description="A count by key.")
class Count:
    key: str
    count: int | None = strawberry.field(description="null when suppressed as too small")


@strawberry.type(description="Counts of one tenant's files (any count below 5 is null).")
class TenantStatistics:
    tenant: str
    open_cases: int | None
    filed_cases: int | None
    exited_cases: int | None
    by_category: list[Count]
    by_group: list[Count]


@strawberry.type(description="The Chinese label of a code an answer can show (Bangfu addition).")
class Label:
    kind: str = strawberry.field(
        description="category, group, measure, checklist, programme, utility, period, "
        "population or reason"
    )
    code: str
    label: str = strawberry.field(description="中文名称")
    en: str = strawberry.field(description="an English gloss, empty when none")

    @classmethod
    def of(cls, item: object) -> Label:
        return cls(kind=item.kind, code=item.code, label=item.label, en=item.en)  # type: ignore[attr-defined]


@strawberry.type(
    description="How far a tenant's files are against one of its targets (Gansu: 30% out "
    "of hardship by the end of 2018). Counts below 5 are null, and so are the share and "
    "whether the target is met when a count is."
)
class TargetProgress:
    tenant: str
    due: date = strawberry.field(description="The date the share is required by")
    required_percent: Decimal = strawberry.field(description="The share required, in %: 30.00")
    baseline: date = strawberry.field(description="The files admitted on this date count")
    baseline_files: int | None
    exited_files: int | None = strawberry.field(description="Of those, exited by asOf")
    percent: Decimal | None = strawberry.field(description="The share reached, in %: 83.33")
    met: bool | None
    due_passed: bool
    source: str = strawberry.field(description="The citation of the target")


@strawberry.type(description="A deadline of the tenant itself, not of a file (a report due).")
class TenantDeadline:
    tenant: str
    step: str = strawberry.field(description='e.g. "quarterly_report"')
    zh: str = strawberry.field(description="季度统计上报")
    en: str
    period: str = strawberry.field(description='The period reported on, e.g. "2026-Q3"')
    due: date
    provisional: bool
    overdue: bool = strawberry.field(description="Not sent and past due on asOf")
    basis: str


@strawberry.type(description="A periodic report a tenant sent up: counts only, below 5 null.")
class TenantReport:
    tenant: str
    report: str
    period: str
    period_start: date
    period_end: date
    due_on: date
    submitted_on: date = strawberry.field(description="The server's date of sending")
    late: bool
    counts: list[Count] = strawberry.field(
        description='"steps.<action>" taken in the period, "files.open", "files.admitted", '
        '"files.exited" and "status.<status>" at its end'
    )
