"""The contract's enums, as the API shows them.

Each is built from the case model's enum of the same name (``core.model``), member for
member and value for value, so an input member is accepted by the model as it is and a
model member (an entitlement's ``PayPeriod``) is sent as it is. They are separate classes
so that the API layer never decorates the core's types.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import strawberry

from core import model


def _mirror(source: type[enum.StrEnum], description: str) -> type[enum.StrEnum]:
    """A strawberry enum with ``source``'s members, without touching ``source``."""
    copy = enum.StrEnum(source.__name__, {m.name: m.value for m in source})  # type: ignore[misc]
    copy.__module__ = __name__
    return strawberry.enum(copy, description=description)


if TYPE_CHECKING:
    # for the type checker each mirror is its source: the same members with the same
    # values, which is what lets the two be passed for each other
    Relation = model.Relation
    Employment = model.Employment
    EducationStage = model.EducationStage
    PayPeriod = model.PayPeriod
    TenantLevel = model.TenantLevel
else:
    Relation = _mirror(model.Relation, "A member's place in the household; exactly one APPLICANT.")
    Employment = _mirror(model.Employment, "What a member does for a living.")
    EducationStage = _mirror(model.EducationStage, "The school stage a member is in.")
    PayPeriod = _mirror(model.PayPeriod, "How often an entitlement or discount is paid.")
    TenantLevel = _mirror(
        model.TenantLevel, "Where a tenant sits: the national union, a province, a city."
    )
