"""示例市 (demonstration city), a child of Hebei: the city's own eligibility line, education
grants, 廉租住房, utility and tax relief, on top of Hebei's relief and procedure.

Source: seed 001, a city government's opinion on helping workers in hardship (the city is
not named). Placed under Hebei to exercise three-level inheritance.
"""

from __future__ import annotations

from core.plugin import Branding, TenantInfo, TenantLevel, hookimpl, package_folders
from tenants.demo_city import eligibility, programmes

__version__ = "1.0.0"
bangfu_parameter_folder, bangfu_case_folder = package_folders(__file__)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="demo_city", name="示例市", level=TenantLevel.CITY, parent="hebei")


@hookimpl
def bangfu_branding():
    return Branding(display_name="示例市总工会 困难职工帮扶", primary_color="#6a1b9a")


@hookimpl
def bangfu_populations():
    return eligibility.POPULATIONS


@hookimpl
def bangfu_programmes():
    return programmes.PROGRAMMES


@hookimpl
def bangfu_utility_discounts():
    return programmes.UTILITIES
