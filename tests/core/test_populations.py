"""Populations, derived facts and what a plugin may return (issue 7, sections 1 and 7)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

import plugins.national
import tenants.hebei
from core.errors import BangfuError, PluginFault
from core.evaluation import evaluate
from core.parameters import ParameterFileError, load_parameter_file
from core.plugin import (
    Grant,
    PayPeriod,
    Population,
    Programme,
    TenantInfo,
    TenantLevel,
    hookimpl,
)
from core.registry import load_registry
from tests.conftest import ON, applicant, household


class City:
    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo("test_city", "测试市", TenantLevel.CITY, "hebei")


def load(plugin):
    return load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), ("test_city", plugin)],
        use_entry_points=False,
    )


def city(plugin):
    registry = load(plugin)
    assert not registry.problems, registry.problems
    return registry.get("test_city")


def elderly(household, parameters):
    return household.derived["members_aged_60_plus"] > 0


def pension(household, parameters, eligible):
    return Grant(eligible, parameters.money("dibao.standard_monthly"))


ELDERLY = Population("test_city.elderly", "老年人家庭", "test", elderly, opens_file=False)
PENSION = Programme(
    "test_city.pension", "敬老金", PayPeriod.YEARLY, "test", pension, population="test_city.elderly"
)


def test_a_programme_receives_the_mask_of_its_own_population():
    class Elderly(City):
        @hookimpl
        def bangfu_populations(self):
            return [ELDERLY]

        @hookimpl
        def bangfu_programmes(self):
            return [PENSION]

    tenant = city(Elderly())
    old = evaluate(tenant, household(applicant(age=61, monthlyIncome="30000")), ON)
    young = evaluate(tenant, household(applicant(age=59, monthlyIncome="30000")), ON)
    assert old.entitlement("test_city.pension") and not young.entitlement("test_city.pension")
    assert not old.eligible  # a population that opens no file
    assert "test_city.elderly" in {r.code for r in old.reasons}


def test_a_population_clash_is_refused_naming_both_plugins():
    class Clash(City):
        @hookimpl
        def bangfu_populations(self):
            return [Population("tekun", "特困", "x", lambda household: household.three_no)]

    registry = load(Clash())
    (problem,) = [p.reason for p in registry.problems if p.plugin == "test_city"]
    assert "population tekun" in problem and "test_city" in problem and "hebei" in problem


def test_a_declared_replacement_of_a_population_is_allowed_and_used():
    class Replace(City):
        @hookimpl
        def bangfu_populations(self):
            return [
                Population(
                    "tekun", "特困", "x", lambda household: household.three_no, replaces=True
                )
            ]

    tenant = city(Replace())
    seeker = household(applicant(age=40, ableToWork=True, employment="UNEMPLOYED"))
    assert evaluate(tenant, seeker, ON).entitlement("living_relief") is None
    assert evaluate(tenant, household(applicant(age=40), threeNo=True), ON).entitlement(
        "living_relief"
    )


def test_a_programme_naming_an_unknown_population_is_refused():
    class Unknown(City):
        @hookimpl
        def bangfu_programmes(self):
            return [PENSION]

    registry = load(Unknown())
    (problem,) = [p.reason for p in registry.problems if p.plugin == "test_city"]
    assert "test_city.elderly" in problem and "declared" in problem


def test_a_population_not_yet_in_force_is_nobody_and_nothing_fails():
    class Later(City):
        @hookimpl
        def bangfu_populations(self):
            from dataclasses import replace

            return [replace(ELDERLY, in_force_from=date(2030, 1, 1))]

        @hookimpl
        def bangfu_programmes(self):
            return [PENSION]

    old = household(applicant(age=70, monthlyIncome="30000"))
    assert evaluate(city(Later()), old, ON).entitlement("test_city.pension") is None


def test_a_plugin_adds_derived_facts():
    class Derives(City):
        @hookimpl
        def bangfu_derived_facts(self, household):
            return {"test_city.big": household.members >= 4}

        @hookimpl
        def bangfu_populations(self):
            return [
                Population(
                    "test_city.big",
                    "多人口家庭",
                    "x",
                    lambda household: household.derived["test_city.big"],
                    opens_file=False,
                )
            ]

    tenant = city(Derives())
    big = household(applicant(), *[{"name": f"子{i}", "relation": "CHILD"} for i in range(3)])
    assert "test_city.big" in {r.code for r in evaluate(tenant, big, ON).reasons}
    assert "test_city.big" not in {r.code for r in evaluate(tenant, household(), ON).reasons}


def test_a_derived_facts_hook_that_raises_fails_its_request_naming_the_hook():
    class Breaks(City):
        @hookimpl
        def bangfu_derived_facts(self, household):
            raise ZeroDivisionError("a plugin bug")

    with pytest.raises(PluginFault) as raised:
        evaluate(city(Breaks()), household(), ON)
    assert raised.value.code == "PLUGIN_ERROR"
    assert raised.value.details["hook"] == "bangfu_derived_facts"


def test_working_ages_come_from_dated_parameters(tmp_path: Path):
    folder = tmp_path / "ages"
    folder.mkdir()
    (folder / "retirement.yaml").write_text(
        "description: x\ntype: integer\noverrides: true\nvalues:\n  2016-01-01:\n"
        "    value: 63\n    source: 'what-if'\n",
        encoding="utf-8",
    )

    class Later(City):
        @hookimpl
        def bangfu_parameter_folder(self):
            return tmp_path

    member = applicant(age=61, hasPensionInsurance=False, monthlyIncome="30000")
    hebei = load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei)],
        use_entry_points=False,
    ).get("hebei")
    assert "social_insurance" not in evaluate(hebei, household(member), ON).measures
    # at 63, a 61-year-old is of working age: missing pension cover is a measure again
    h = household(member, migrantWorker=True, yearsInCity=5, laidOffInRestructuring=True)
    assert evaluate(city(Later()), h, ON).measures == evaluate(hebei, h, ON).measures
    poor = household(applicant(age=61, hasPensionInsurance=False))
    assert "social_insurance" not in evaluate(hebei, poor, ON).measures
    assert "social_insurance" in evaluate(city(Later()), poor, ON).measures


@pytest.mark.parametrize(
    ("amount", "words"),
    [(600.0, ["float64", "fen", "test_city.gift"]), ("600", ["fen", "test_city.gift"])],
)
def test_a_float_or_text_where_fen_are_due_is_refused_naming_programme_and_unit(amount, words):
    class Floaty(City):
        @hookimpl
        def bangfu_programmes(self):
            return [
                Programme(
                    "test_city.gift",
                    "礼金",
                    PayPeriod.ONCE,
                    "x",
                    lambda household: Grant(np.ones(household.size, dtype=bool), amount),
                )
            ]

    with pytest.raises(BangfuError) as caught:
        evaluate(city(Floaty()), household(), ON)
    # the request names the programme; the cause (logged, shown by bangfu check) the unit
    text = str(caught.value.details) + str(caught.value.__cause__)
    assert all(w in text for w in words), text


def test_a_programme_returning_something_else_than_a_grant_is_refused():
    class Wrong(City):
        @hookimpl
        def bangfu_programmes(self):
            return [Programme("test_city.gift", "礼金", PayPeriod.ONCE, "x", lambda: 5)]

    with pytest.raises(BangfuError) as caught:
        evaluate(city(Wrong()), household(), ON)
    assert "test_city.gift" in str(caught.value.details)
    assert "must return a Grant" in str(caught.value.__cause__)


def test_a_declaration_hook_returning_the_wrong_type_is_refused_at_load():
    class Wrong(City):
        @hookimpl
        def bangfu_populations(self):
            return ["tekun"]

    registry = load(Wrong())
    (problem,) = [p.reason for p in registry.problems if p.plugin == "test_city"]
    assert "bangfu_populations" in problem and "str" in problem


def test_a_day_that_does_not_exist_names_the_file_and_the_key(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "description: x\ntype: money\nvalues:\n  2024-02-30:\n    value: 1\n    source: s\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterFileError) as caught:
        load_parameter_file(path, tmp_path, "t")
    assert str(path) in str(caught.value) and "2024-02-30" in str(caught.value)
