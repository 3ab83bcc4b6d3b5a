"""The contract's enums, as the API shows them.

They mirror the case model's enums (``core.model``) member for member and share their
values, so an input member is accepted by the model as it is, and a model member (an
entitlement's ``PayPeriod``) is sent as it is. ``tests/api`` checks that they stay alike.
They are separate classes so that the API layer never decorates the core's types.
"""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="A member's place in the household; exactly one APPLICANT.")
class Relation(enum.StrEnum):
    APPLICANT = "APPLICANT"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    OTHER = "OTHER"


@strawberry.enum(description="What a member does for a living.")
class Employment(enum.StrEnum):
    EMPLOYED = "EMPLOYED"
    FLEXIBLE = "FLEXIBLE"
    UNEMPLOYED = "UNEMPLOYED"
    LAID_OFF = "LAID_OFF"
    RETIRED = "RETIRED"
    STUDENT = "STUDENT"
    UNABLE_TO_WORK = "UNABLE_TO_WORK"
    NONE = "NONE"


@strawberry.enum(description="The school stage a member is in.")
class EducationStage(enum.StrEnum):
    NONE = "NONE"
    PRESCHOOL = "PRESCHOOL"
    COMPULSORY = "COMPULSORY"
    HIGH_SCHOOL = "HIGH_SCHOOL"
    SECONDARY_VOCATIONAL = "SECONDARY_VOCATIONAL"
    UNDERGRADUATE = "UNDERGRADUATE"
    POSTGRADUATE = "POSTGRADUATE"


@strawberry.enum(description="How often an entitlement or discount is paid.")
class PayPeriod(enum.StrEnum):
    ONCE = "ONCE"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


@strawberry.enum(description="Where a tenant sits: the national union, a province, a city.")
class TenantLevel(enum.StrEnum):
    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    CITY = "CITY"
