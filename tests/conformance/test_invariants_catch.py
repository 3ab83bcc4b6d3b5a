"""The invariants are not decoration: each one catches the fault it names."""

from pathlib import Path

import numpy as np

import plugins.national
import tenants.hebei
from core.conformance.invariants import INVARIANTS
from core.plugin import Eligibility, Grant, PayPeriod, Programme, TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry

BY_NAME = {i.name: i for i in INVARIANTS}


class Sloppy:
    """A city under Hebei that breaks one rule per test."""

    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo("sloppy", "马虎市", TenantLevel.CITY, "hebei")


def tenant(plugin):
    registry = load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), ("sloppy", plugin)],
        use_entry_points=False,
    )
    assert not registry.problems, registry.problems
    return registry.get("sloppy")


def test_a_city_must_set_its_own_dibao_standard_not_inherit_the_national_one():
    class NoOwnStandard(Sloppy):
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("sloppy", "马虎省", TenantLevel.PROVINCE, "national")

    registry = load_registry(
        plugins=[("national", plugins.national), ("sloppy", NoOwnStandard())],
        use_entry_points=False,
    )
    assert BY_NAME["own-dibao-standard"].check(registry.get("sloppy"))
    assert not BY_NAME["own-dibao-standard"].check(load_registry().get("hebei"))


def test_medical_relief_without_cost_above_income_is_caught():
    class Generous(Sloppy):
        @hookimpl
        def bangfu_programmes(self):
            def everyone(household, parameters):
                return Grant(
                    np.ones(household.size, dtype=bool), parameters.money("dibao.standard_monthly")
                )

            return [Programme("medical_relief", "x", PayPeriod.ONCE, "x", everyone, replaces=True)]

    assert BY_NAME["medical-relief-needs-cost-above-income"].check(tenant(Generous()))


def test_an_amount_that_names_no_parameter_is_caught():
    class Unexplained(Sloppy):
        @hookimpl
        def bangfu_programmes(self):
            return [
                Programme(
                    "sloppy.gift",
                    "礼金",
                    PayPeriod.ONCE,
                    "x",
                    lambda household: Grant(household.three_no | True, 100),
                )
            ]

    assert BY_NAME["entitlements-explained"].check(tenant(Unexplained()))


def test_eligible_without_a_reason_is_caught():
    class NoReason(Sloppy):
        @hookimpl
        def bangfu_eligibility(self, household):
            return Eligibility(
                category="x", criteria=[], eligible=np.ones(household.size, dtype=bool)
            )

    assert BY_NAME["eligibility-consistent"].check(tenant(NoReason()))


def test_a_guard_no_scenario_exercises_is_caught(tmp_path: Path):
    from dataclasses import replace

    from tenants.hebei.procedure import PROCEDURE

    class OwnProcedure(Sloppy):
        @hookimpl
        def bangfu_procedure(self):
            return replace(PROCEDURE, name="sloppy.copy")

        @hookimpl
        def bangfu_case_folder(self):
            return tmp_path  # no scenarios at all

    problems = BY_NAME["guards-exercised"].check(tenant(OwnProcedure()))
    assert any("quota_not_exceeded" in p for p in problems)
    assert not BY_NAME["guards-exercised"].check(load_registry().get("demo_city"))
