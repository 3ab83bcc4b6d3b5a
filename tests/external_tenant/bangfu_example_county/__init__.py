"""示例县 (example county), an external tenant under Gansu: a winter coal subsidy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.plugin import (
    Branding,
    Grant,
    PayPeriod,
    Programme,
    TenantInfo,
    TenantLevel,
    hookimpl,
)

__version__ = "0.3.0"
HERE = Path(__file__).parent


def winter_coal(household, parameters, eligible, why) -> Grant:
    """Eligible households heated by coal get a fixed subsidy per winter."""
    amount = parameters.money("winter_coal.amount")
    why.step("困难职工家庭:{ok:yes}", ok=eligible)
    why.step("有 60 岁以上成员:{ok:yes}", ok=household.derived["example_county.elderly"])
    return Grant(eligible, amount)


@hookimpl
def bangfu_tenant():
    return TenantInfo(code="example_county", name="示例县", level=TenantLevel.CITY, parent="gansu")


@hookimpl
def bangfu_branding():
    return Branding(display_name="示例县总工会", primary_color="#ef6c00")


@hookimpl
def bangfu_parameter_folder():
    return HERE / "parameters"


@hookimpl
def bangfu_case_folder():
    return HERE / "cases"


@hookimpl
def bangfu_programmes():
    return [
        Programme(
            code="example_county.winter_coal",
            name="冬季取暖煤补贴 winter coal subsidy",
            period=PayPeriod.YEARLY,
            basis="illustrative: example county notice on winter heating",
            compute=winter_coal,
            # the county's notice takes effect with the 2025 heating season
            in_force_from=date(2025, 1, 1),
        )
    ]


@hookimpl
def bangfu_derived_facts(household):
    """A fact of the county's own, from the age band the core derives: a member of 60 or
    over (shown in the subsidy's explanation)."""
    return {"example_county.elderly": household.derived["members_aged_60_plus"] > 0}
