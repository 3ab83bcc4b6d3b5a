"""Verification in GraphQL, merged into the contract's ``Query`` and ``Mutation``
(:mod:`core.api.schema` inherits :class:`VerificationQuery` and
:class:`VerificationMutation`). Documented in ``docs/contract-additions.md``.

Resolvers are thin: they find who is asking as the case resolvers do and hand over to
:class:`core.verification.service.VerificationService`, which enforces roles and tenant
scoping. Amounts at stake travel as the contract's ``Decimal`` (yuan a year).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from core.api.cases_gateway import _database, _staff
from core.api.context import BangfuContext
from core.api.types import Case
from core.money import to_yuan
from core.verification.facts import FACTS
from core.verification.models import Difference
from core.verification.service import VerificationService, WorkItem

EFFECTS_ZH = {
    "ends": "待遇将终止",
    "falls": "待遇将减少",
    "rises": "待遇将增加",
    "same": "待遇不变",
}
STATES_ZH = {
    "open": "待处理",
    "accepted": "已采用核对数据",
    "keep_requested": "保留申报值,待确认",
    "kept": "已保留申报值",
}


def _service(info: strawberry.Info) -> tuple[VerificationService, Any]:
    context: BangfuContext = info.context
    who = _staff(context)
    return VerificationService(_database(context).session, context.registry), who


@strawberry.type(description="A declared fact a verification source contradicts (核对差异).")
class VerificationDifference:
    id: strawberry.ID
    fact: str = strawberry.field(
        description="dibao_status, dibao_months, dibao_subsidy, "
        "pension_insurance, employment or wage"
    )
    fact_zh: str
    member_index: int | None = strawberry.field(
        description="the member (0 = the first); null for a fact of the household"
    )
    declared: str = strawberry.field(description="what the household declared, as shown")
    found: str = strawberry.field(description="what the source holds, as shown")
    source: str
    source_date: date = strawberry.field(description="the date the roster describes")
    reference: str = strawberry.field(description="the document the roster came with (文号)")
    blocking: bool = strawberry.field(description="approval waits until it is resolved")
    effect: str = strawberry.field(
        description="accepting every found value: ends, falls, rises, same"
    )
    effect_zh: str
    at_stake: Decimal = strawberry.field(description="yuan a year the file's money would change")
    state: str = strawberry.field(description="open, accepted, keep_requested, kept")
    state_zh: str
    reason: str | None
    resolved_by: str | None
    confirmed_by: str | None

    @classmethod
    def of(cls, d: Difference) -> VerificationDifference:
        return cls(
            id=strawberry.ID(str(d.id)),
            fact=d.fact,
            fact_zh=FACTS[d.fact].zh if d.fact in FACTS else d.fact,
            member_index=d.member_index,
            declared=d.declared,
            found=d.found,
            source=d.source,
            source_date=d.source_date,
            reference=d.reference,
            blocking=d.blocking,
            effect=d.effect,
            effect_zh=EFFECTS_ZH.get(d.effect, d.effect),
            at_stake=to_yuan(d.at_stake),
            state=d.state,
            state_zh=STATES_ZH.get(d.state, d.state),
            reason=d.reason,
            resolved_by=d.resolved_by,
            confirmed_by=d.confirmed_by,
        )


@strawberry.type(description="A file of the differences worklist, the money at stake first.")
class DifferenceWorkItem:
    case_id: strawberry.ID
    applicant: str
    effect: str
    effect_zh: str
    at_stake: Decimal = strawberry.field(description="yuan a year")
    differences: int
    blocking: int

    @classmethod
    def of(cls, item: WorkItem) -> DifferenceWorkItem:
        return cls(
            case_id=strawberry.ID(str(item.case_number)),
            applicant=item.applicant,
            effect=item.effect,
            effect_zh=EFFECTS_ZH.get(item.effect, item.effect),
            at_stake=to_yuan(item.at_stake),
            differences=item.differences,
            blocking=item.blocking,
        )


@strawberry.type(description="What a comparison did: files compared, with differences, found.")
class Comparison:
    files: int
    with_differences: int
    differences: int


@strawberry.type(description="A tenant's verification counts (national): null below 5.")
class TenantVerificationCounts:
    tenant: str
    files_with_differences: int | None
    differences_by_fact: JSON = strawberry.field(
        description="{fact: count waiting}, each null below 5 (suppressed as in statistics)"
    )


@strawberry.type
class VerificationQuery:
    @strawberry.field(description="The differences of a file still waiting (all: every one).")
    def case_differences(
        self, info: strawberry.Info, case_id: strawberry.ID, all: bool | None = False
    ) -> list[VerificationDifference]:
        service, who = _service(info)
        found = service.differences(who, str(case_id), everything=bool(all))
        return [VerificationDifference.of(d) for d in found]

    @strawberry.field(
        description="Files with differences waiting: an entitlement that would end first, "
        "then one that would fall, by the amount at stake."
    )
    def differences_worklist(
        self, info: strawberry.Info, limit: int | None = 100
    ) -> list[DifferenceWorkItem]:
        service, who = _service(info)
        return [DifferenceWorkItem.of(i) for i in service.worklist(who, limit or 100)]

    @strawberry.field(
        description="National: per tenant, files with differences and differences by fact, "
        "small counts suppressed. Never a file."
    )
    def verification_counts(self, info: strawberry.Info) -> list[TenantVerificationCounts]:
        service, who = _service(info)
        out = []
        for tenant, counts in service.counts(who).items():
            by_fact = {k: v for k, v in counts.items() if k != "files_compared_with_differences"}
            out.append(
                TenantVerificationCounts(
                    tenant=tenant,
                    files_with_differences=counts["files_compared_with_differences"],
                    differences_by_fact=cast(JSON, by_fact),
                )
            )
        return out


@strawberry.type
class VerificationMutation:
    @strawberry.mutation(description="Compare one file with the rosters in force again.")
    def compare_case(self, info: strawberry.Info, case_id: strawberry.ID) -> Comparison:
        service, who = _service(info)
        c = service.compare_case(who, str(case_id))
        return Comparison(
            files=c.files, with_differences=c.with_differences, differences=c.differences
        )

    @strawberry.mutation(
        description="Accept the source's value: new facts on the file through the procedure's "
        "step that records facts (on a decided file they wait for a second person)."
    )
    def accept_difference(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        expected_version: int,
        comment: str | None = strawberry.UNSET,
    ) -> Case:
        service, who = _service(info)
        text = None if comment is strawberry.UNSET else comment
        return service.accept(who, str(id), expected_version, text)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Keep the declared value, with a written reason; a second person confirms."
    )
    def keep_declared(
        self, info: strawberry.Info, id: strawberry.ID, reason: str
    ) -> VerificationDifference:
        service, who = _service(info)
        return VerificationDifference.of(service.keep(who, str(id), reason))

    @strawberry.mutation(
        description="The second person's word on keeping a declared value (agree: kept; "
        "else open again, with a comment)."
    )
    def confirm_keep(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        agree: bool,
        comment: str | None = strawberry.UNSET,
    ) -> VerificationDifference:
        service, who = _service(info)
        text = None if comment is strawberry.UNSET else comment
        return VerificationDifference.of(service.confirm(who, str(id), agree, text))
