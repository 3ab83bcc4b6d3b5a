"""Gansu (甘肃省): seven-step identification, household accounts and 两有五保障.

Source: seed 002, the Gansu provincial union's report on the 2018-2020 three-year action.
Gansu identifies files by the national five target groups (it inherits the national test),
keeps household accounts (the national budget), and exits a file only when all seven items
of 两有五保障 are secured (``checklist``).
"""

from __future__ import annotations

from core.plugin import Branding, TenantInfo, TenantLevel, hookimpl, package_folders
from tenants.gansu import checklist

__version__ = "1.0.0"
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="gansu", name="甘肃省", level=TenantLevel.PROVINCE, parent="national")


@hookimpl
def bangfu_branding():
    return Branding(
        display_name="甘肃省总工会 城市困难职工解困脱困",
        primary_color="#2e7d32",
        logo="tenants.gansu:branding/logo.svg",
        short_name="甘肃省总工会",
        objection_contact="所在基层工会或县(区)总工会",
    )


@hookimpl
def bangfu_checklist(household, parameters):
    return checklist.two_haves_five_guarantees(household, parameters)


@hookimpl
def bangfu_procedure():
    from tenants.gansu.procedure import PROCEDURE

    return PROCEDURE


@hookimpl
def bangfu_review_schedule():
    from tenants.gansu.procedure import REVIEW_SCHEDULE

    return REVIEW_SCHEDULE


@hookimpl
def bangfu_verification_sources():
    from core.verification.standard import DIBAO_ROSTER, SOCIAL_SECURITY

    return [DIBAO_ROSTER, SOCIAL_SECURITY]
