"""Hebei (河北省): 特困职工 criteria, living and medical relief, and the approval procedure.

Source: seed 003, the Hebei provincial union's opinion on assistance to workers in special
hardship. Parameters in ``parameters/``; conformance cases (public golden cases H1-H8 and
more) in ``cases/``.
"""

from __future__ import annotations

from core.plugin import Branding, TenantInfo, TenantLevel, hookimpl, package_folders
from tenants.hebei import programmes

__version__ = "1.0.0"
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="hebei", name="河北省", level=TenantLevel.PROVINCE, parent="national")


@hookimpl
def bangfu_branding():
    return Branding(
        display_name="河北省总工会 特困职工帮扶",
        primary_color="#1565c0",
        logo="tenants.hebei:branding/logo.svg",
        short_name="河北省总工会",
        objection_contact="所在县(市、区)总工会困难职工帮扶中心",
    )


@hookimpl
def bangfu_populations():
    return programmes.POPULATIONS


@hookimpl
def bangfu_programmes():
    return programmes.PROGRAMMES


@hookimpl
def bangfu_procedure():
    from tenants.hebei.procedure import PROCEDURE

    return PROCEDURE


@hookimpl
def bangfu_review_schedule():
    from tenants.hebei.procedure import REVIEW_SCHEDULE

    return REVIEW_SCHEDULE


@hookimpl
def bangfu_verification_sources():
    from core.verification.standard import DIBAO_ROSTER, SOCIAL_SECURITY

    return [DIBAO_ROSTER, SOCIAL_SECURITY]
