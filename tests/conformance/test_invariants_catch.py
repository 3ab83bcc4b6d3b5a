"""The invariants are not decoration: each one catches the fault it names."""

import dataclasses
import datetime
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


# --------------------------------------------------------------------------- RULES.md shared
def honest():
    """Hebei itself, from the bundled plugins only: it passes every shared invariant."""
    registry = load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei)],
        use_entry_points=False,
    )
    return registry.get("hebei")


def test_help_for_a_well_off_household_is_caught():
    class Lavish(Sloppy):
        @hookimpl
        def bangfu_programmes(self):
            def everyone(household, parameters):
                return Grant(
                    np.ones(household.size, dtype=bool), parameters.money("dibao.standard_monthly")
                )

            return [Programme("sloppy.gift", "礼金", PayPeriod.ONCE, "x", everyone)]

    problems = BY_NAME["well-off-gets-nothing"].check(tenant(Lavish()))
    assert problems and "sloppy.gift" in problems[0]
    assert not BY_NAME["well-off-gets-nothing"].check(honest())


def test_help_that_grows_with_income_is_caught():
    class Regressive(Sloppy):
        @hookimpl
        def bangfu_programmes(self):
            def earners(household, parameters):
                return Grant(
                    household.annual_income > 5_000_000, parameters.money("dibao.standard_monthly")
                )

            return [Programme("sloppy.bonus", "奖金", PayPeriod.ONCE, "x", earners)]

    problems = BY_NAME["more-income-never-adds-help"].check(tenant(Regressive()))
    assert problems and "sloppy.bonus" in problems[0]
    assert not BY_NAME["more-income-never-adds-help"].check(honest())


def test_a_child_that_silently_drops_its_parents_help_is_caught():
    """A city answering the national target-group hook with nobody: the national 困难职工
    file its parents give is lost in the city without any declaration."""

    class Narrow(Sloppy):
        @hookimpl
        def bangfu_target_groups(self, household):
            nobody = np.zeros(household.size, dtype=bool)
            return {code: nobody for code in plugins.national.GROUPS}

    problems = BY_NAME["child-keeps-parents-help"].check(tenant(Narrow()))
    assert problems and "opens a file" in problems[0]
    assert not BY_NAME["child-keeps-parents-help"].check(honest())


def test_a_date_without_an_answer_is_caught(tmp_path: Path):
    folder = tmp_path / "parameters" / "gift"
    folder.mkdir(parents=True)
    (folder / "amount.yaml").write_text(
        "description: a gift\ntype: money\nvalues:\n  2025-01-01:\n"
        "    value: 100\n    source: 'illustrative: test'\n",
        encoding="utf-8",
    )

    class Late(Sloppy):
        @hookimpl
        def bangfu_parameter_folder(self):
            return tmp_path / "parameters"

        @hookimpl
        def bangfu_programmes(self):
            def gift(household, parameters):
                return Grant(household.three_no, parameters.money("gift.amount"))

            return [Programme("sloppy.gift", "礼金", PayPeriod.ONCE, "x", gift)]

    problems = BY_NAME["every-date-answers"].check(tenant(Late()))
    assert problems and problems[0].startswith("2016-01-01")

    class OnTime(Late):
        @hookimpl
        def bangfu_programmes(self):
            (programme,) = Late.bangfu_programmes(self)
            return [dataclasses.replace(programme, in_force_from=datetime.date(2025, 1, 1))]

    assert not BY_NAME["every-date-answers"].check(tenant(OnTime()))


def test_a_step_worded_from_the_first_household_alone_is_caught():
    """Concurrent requests are evaluated together: a step must word each household's
    values, not the first one's."""

    def gift(household, parameters, why):
        amount = parameters.money("dibao.standard_monthly") * household.members
        why.step("{text}", text=f"{int(amount[0])} 分")  # the first household's, for all
        return Grant(household.members > 0, amount)

    def honest_gift(household, parameters, why):
        amount = parameters.money("dibao.standard_monthly") * household.members
        why.step("{amount:yuan} 元", amount=amount)
        return Grant(household.members > 0, amount)

    def with_gift(compute):
        class Gift(Sloppy):
            @hookimpl
            def bangfu_programmes(self):
                return [Programme("sloppy.gift", "礼金", PayPeriod.ONCE, "x", compute)]

        return Gift()

    problems = BY_NAME["explained-together"].check(tenant(with_gift(gift)))
    assert problems and "sloppy.gift" in problems[0]
    assert not BY_NAME["explained-together"].check(tenant(with_gift(honest_gift)))


def test_help_for_spending_above_an_ample_income_is_caught():
    """RULES.md 1b: the tenant of before issue 18, admitting on "spending above income"
    whatever the income, is caught by the kit; Hebei itself passes."""

    class Spendthrift(Sloppy):
        @hookimpl
        def bangfu_programmes(self):
            def spenders(household, parameters):
                return Grant(
                    household.annual_expenses > household.annual_income,
                    parameters.money("dibao.standard_monthly"),
                )

            return [Programme("sloppy.hardship_grant", "困难补助", PayPeriod.ONCE, "x", spenders)]

    problems = BY_NAME["ample-income-excludes"].check(tenant(Spendthrift()))
    assert problems and "sloppy.hardship_grant" in problems[0]
    assert not BY_NAME["ample-income-excludes"].check(honest())


def test_a_disaster_label_on_an_ample_income_is_caught():
    """A group that takes a disaster alone (000 二(三) without 造成生活困难)."""

    class Labels(Sloppy):
        @hookimpl
        def bangfu_target_groups(self, household, parameters):
            groups = plugins.national.bangfu_target_groups(household, parameters)
            return {**groups, "sudden_expense": household.disaster_loss}

    problems = BY_NAME["ample-income-excludes"].check(tenant(Labels()))
    assert problems and any("sudden_expense" in p for p in problems)


def test_an_ample_multiple_that_is_not_several_times_is_caught(tmp_path: Path):
    folder = tmp_path / "parameters" / "hardship"
    folder.mkdir(parents=True)
    (folder / "ample_income_multiple.yaml").write_text(
        "description: x\ntype: number\noverrides: true\nvalues:\n  2016-01-01:\n"
        "    value: 1000\n    source: 'illustrative: test'\n",
        encoding="utf-8",
    )

    class Evasive(Sloppy):
        @hookimpl
        def bangfu_parameter_folder(self):
            return tmp_path / "parameters"

    problems = BY_NAME["ample-income-excludes"].check(tenant(Evasive()))
    assert problems and "not 'several times'" in problems[0]


def test_a_ground_admitted_on_a_comment_and_lost_at_the_review_is_caught(tmp_path: Path):
    """RULES.md 5 (issue 18): a step that records ground g on any written reason, without
    the household's test, admits files the April review then exits without anyone's
    decision (the relief of 五.9 lost). Hebei itself passes."""
    from dataclasses import replace

    from tenants.hebei.procedure import PROCEDURE

    class LooseG(Sloppy):
        @hookimpl
        def bangfu_procedure(self):
            actions = tuple(
                replace(a, guards=()) if a.name == "review_other_ground" else a
                for a in PROCEDURE.actions
            )
            return replace(PROCEDURE, name="sloppy.loose_g", actions=actions)

        @hookimpl
        def bangfu_case_folder(self):
            return tmp_path

    problems = BY_NAME["every-ground-keeps-its-relief"].check(tenant(LooseG()))
    assert problems and "review_other_ground" in problems[0] and "ground g" in problems[0]
    assert not BY_NAME["every-ground-keeps-its-relief"].check(honest())


def test_a_city_that_replaces_the_procedures_populations_is_caught(tmp_path: Path):
    """A child adds the populations of its own files to the procedure it inherits; a city
    listing only the national groups in ``procedure.populations`` drops Hebei's 特困
    (its 特困 households could no longer pass review). The demonstration city passes."""
    folder = tmp_path / "parameters" / "procedure"
    folder.mkdir(parents=True)
    (folder / "populations.yaml").write_text(
        "description: only the national groups\n"
        "type: text\n"
        "unit: population codes\n"
        "overrides: true\n"
        "values:\n"
        "  2006-01-01:\n"
        "    value: kunnan\n"
        '    source: "a faulty override"\n',
        encoding="utf-8",
    )

    class Replacing(Sloppy):
        @hookimpl
        def bangfu_parameter_folder(self):
            return tmp_path / "parameters"

    problems = BY_NAME["child-adds-to-procedures-populations"].check(tenant(Replacing()))
    assert problems and "drops tekun" in problems[0]
    assert not BY_NAME["child-adds-to-procedures-populations"].check(
        load_registry().get("demo_city")
    )
