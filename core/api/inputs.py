"""``HouseholdInput`` and its parts, as the contract writes them, and their hand-over to
the case model.

These classes declare what the client may send, with the contract's defaults. Validation
(one applicant, amounts within bounds, resident ID checksums ...) is done once, by
:func:`core.model.parse_household`, the same for GraphQL, YAML cases and batch files; a
refusal there is a ``BAD_INPUT`` error naming each field that is wrong. A resolver never
sees a ``HouseholdInput`` object: its ``household`` argument is the validated
:class:`core.model.Household` (see :func:`_validated_household`).

Fields the contract gives no default (``idNumber``, ``age``, ``housingAreaM2``,
``annualExpenses``) default to ``UNSET`` so the schema prints them without one.
An explicit ``null`` means "not given": the model's default applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import strawberry

from core.api.enums import EducationStage, Employment, Relation
from core.api.scalars import WrittenAmount
from core.model import Household, parse_household

ZERO = WrittenAmount("0")


@strawberry.input(description="A member of the household.")
class MemberInput:
    name: str
    relation: Relation
    id_number: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="18-character resident ID; checksum-validated when given",
    )
    age: int | None = strawberry.UNSET
    monthly_income: Decimal | None = ZERO
    employment: Employment | None = Employment.NONE
    able_to_work: bool | None = False
    serious_illness: bool | None = strawberry.field(default=False, description="大病、重病、慢性病")
    disabled: bool | None = False
    education_stage: EducationStage | None = EducationStage.NONE
    public_school: bool | None = True
    newly_admitted: bool | None = strawberry.field(
        default=False, description="admitted this year to the stage above"
    )
    has_medical_insurance: bool | None = True
    has_pension_insurance: bool | None = True


@strawberry.input(description="Yearly spending by kind, in yuan.")
class ExpensesInput:
    rent: Decimal | None = ZERO
    living: Decimal | None = ZERO
    medical: Decimal | None = ZERO
    education: Decimal | None = ZERO
    other: Decimal | None = ZERO


@strawberry.input(description="A household applying for, or holding, a hardship file.")
class HouseholdInput:
    members: list[MemberInput]
    other_annual_income: Decimal | None = ZERO
    dibao_recipient: bool | None = False
    dibao_continuous_months: int | None = 0
    dibao_monthly_subsidy_per_capita: Decimal | None = ZERO
    annual_medical_out_of_pocket: Decimal | None = strawberry.field(
        default=ZERO, description="after every reimbursement"
    )
    medical_in_insurance_catalog: bool | None = True
    annual_medical_in_catalogue: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="the part of the out-of-pocket cost within the basic medical insurance "
        "catalogue, when known (Bangfu addition)",
    )
    housing_area_m2: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="total floor area of the home"
    )
    has_housing: bool | None = True
    disaster_loss: bool | None = False
    three_no: bool | None = strawberry.field(default=False, description="certified 三无 person")
    migrant_worker: bool | None = False
    years_in_city: int | None = 0
    laid_off_in_restructuring: bool | None = False
    reemployment_certificate: bool | None = False
    self_employed: bool | None = False
    annual_expenses: ExpensesInput | None = strawberry.UNSET


def _given(value: Any) -> Any:
    """The value with every ``null`` left out, so the model's defaults apply to them."""
    if isinstance(value, Mapping):
        return {k: _given(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_given(v) for v in value]
    return value


def _validated_household(_cls: type, value: Mapping[str, Any], _context: Any) -> Household:
    """Strawberry's ``from_input`` hook: the GraphQL value (already type-checked by GraphQL,
    keyed by camelCase names) straight into the case model, which validates it.

    Strawberry would otherwise build an input object field by field first, which costs
    more than evaluating the household; the model accepts the camelCase names as they are.
    :raises BangfuError: ``BAD_INPUT`` naming every problem, with its field path.
    """
    return parse_household(_given(value))


# A resolver's ``household: HouseholdInput`` argument therefore arrives as a validated
# core.model.Household (see StrawberryObjectDefinition.from_input).
HouseholdInput.__strawberry_definition__.from_input = _validated_household  # type: ignore[attr-defined]


def to_household(household: Any) -> Household:
    """The validated household from a ``household`` argument, or from plain data."""
    return household if isinstance(household, Household) else parse_household(_given(household))
