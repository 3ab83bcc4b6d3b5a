"""示例县 (example county), an external tenant under Gansu: a winter coal subsidy."""

from __future__ import annotations

from pathlib import Path

from core.plugin import Branding, Grant, PayPeriod, Programme, TenantInfo, TenantLevel, hookimpl

__version__ = "0.3.0"
HERE = Path(__file__).parent


def winter_coal(household, parameters, eligible, why) -> Grant:
    """Eligible households heated by coal get a fixed subsidy per winter."""
    amount = parameters.money("winter_coal.amount")
    why.step("eligible for a hardship file: {ok:yes}", ok=eligible)
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
        )
    ]
