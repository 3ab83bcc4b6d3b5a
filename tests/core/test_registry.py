"""Discovery and stacking: clear load errors, and one broken plugin takes no other down."""

from decimal import Decimal

import pytest

import plugins.national
import tenants.gansu
import tenants.hebei
from core.errors import NOT_FOUND, BangfuError
from core.evaluation import evaluate
from core.plugin import Grant, PayPeriod, Programme, TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from tests.conftest import ON, household


class City:
    """A minimal city under Hebei; tests subclass it to break one thing at a time."""

    code = "test_city"

    @hookimpl
    def bangfu_tenant(self):
        return TenantInfo(code=self.code, name="测试市", level=TenantLevel.CITY, parent="hebei")


def load(*extra):
    return load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), *extra],
        use_entry_points=False,
    )


def problem_of(registry, name):
    return next(p.reason for p in registry.problems if p.plugin == name)


def test_bundled_tenants_are_discovered_through_entry_points(registry):
    assert {"national", "hebei", "gansu", "demo_city"} <= set(registry.tenants)
    assert registry.get("demo_city").chain == ["national", "hebei", "demo_city"]


def test_compare_order_is_stable_provinces_followed_by_their_cities(registry):
    codes = [t.code for t in registry.regional()]
    assert codes.index("hebei") < codes.index("demo_city")
    assert "national" not in codes
    assert codes == [t.code for t in load_registry().regional()]


def test_an_unknown_tenant_is_not_found(registry):
    with pytest.raises(BangfuError) as caught:
        registry.get("atlantis")
    assert caught.value.code == NOT_FOUND


def test_a_misspelled_hook_fails_loudly_naming_the_hook():
    class Typo(City):
        @hookimpl
        def bangfu_eligibilty(self, household):  # sic
            return None

    registry = load(("test_city", Typo()))
    assert "test_city" not in registry.tenants
    reason = problem_of(registry, "test_city")
    assert "bangfu_eligibilty" in reason and "hookspecs" in reason
    assert "hebei" in registry.tenants  # the others keep serving


def test_an_argument_the_spec_does_not_offer_is_refused():
    class WrongArgument(City):
        @hookimpl
        def bangfu_eligibility(self, household, salary):
            return None

    registry = load(("test_city", WrongArgument()))
    assert "salary" in problem_of(registry, "test_city")


def test_a_class_instead_of_an_instance_says_what_to_do():
    registry = load(("test_city", City))
    assert "forgotten the '()'" in problem_of(registry, "test_city")


def test_a_missing_parent_is_reported_for_the_child():
    class Orphan(City):
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo(
                code="test_city", name="孤儿市", level=TenantLevel.CITY, parent="atlantis"
            )

    registry = load(("test_city", Orphan()))
    assert "parent 'atlantis'" in problem_of(registry, "test_city")


def test_an_undeclared_programme_clash_is_refused_naming_both():
    class Clash(City):
        @hookimpl
        def bangfu_programmes(self):
            return [
                Programme(
                    "medical_relief",
                    "x",
                    PayPeriod.ONCE,
                    "x",
                    lambda household: Grant(household.three_no),
                )
            ]

    reason = problem_of(load(("test_city", Clash())), "test_city")
    assert "medical_relief" in reason and "hebei" in reason and "test_city" in reason
    assert "replaces=True" in reason


def test_a_declared_programme_replacement_is_used():
    class Replaces(City):
        @hookimpl
        def bangfu_programmes(self):
            return [
                Programme(
                    "medical_relief",
                    "替代",
                    PayPeriod.ONCE,
                    "test",
                    lambda household: Grant(household.three_no, 100),
                    replaces=True,
                )
            ]

    registry = load(("test_city", Replaces()))
    city = registry.get("test_city")
    result = evaluate(city, household(threeNo=True), ON)
    relief = result.entitlement("medical_relief")
    assert relief.name == "替代" and relief.amount == Decimal("1.00")


def test_a_parent_that_fails_takes_its_children_but_nobody_else():
    registry = load_registry(
        plugins=[("national", plugins.national), ("gansu", tenants.gansu), ("test_city", City())],
        use_entry_points=False,
    )
    assert "gansu" in registry.tenants
    assert "hebei" in problem_of(registry, "test_city")


def test_the_entry_point_name_must_be_the_tenant_code():
    registry = load(("elsewhere", City()))
    assert "name the entry point after the tenant code" in problem_of(registry, "elsewhere")


def test_bangfu_tenants_loads_only_the_named(monkeypatch):
    monkeypatch.setenv("BANGFU_TENANTS", "demo_city")
    registry = load_registry()
    assert set(registry.tenants) == {"demo_city"}
    assert registry.get("demo_city").chain == ["national", "hebei", "demo_city"]


def test_plugin_versions_and_ruleset_identify_the_rules(registry):
    city = registry.get("demo_city")
    assert city.plugin_versions == {"national": "1.0.0", "hebei": "1.0.0", "demo_city": "1.0.0"}
    assert len(city.ruleset) == 16 and city.ruleset != registry.get("hebei").ruleset


def test_a_rule_that_raises_fails_that_evaluation_only():
    def broken(household):
        raise ZeroDivisionError("oops")

    class Faulty(City):
        @hookimpl
        def bangfu_programmes(self):
            return [Programme("test_city.broken", "坏的", PayPeriod.ONCE, "test", broken)]

    registry = load(("test_city", Faulty()))
    with pytest.raises(BangfuError) as caught:
        evaluate(registry.get("test_city"), household(), ON)
    assert caught.value.code == "PLUGIN_ERROR"
    assert "test_city" in caught.value.en and "programme test_city.broken" in caught.value.en
    assert "oops" not in caught.value.en  # no internals leak to the caller
    assert evaluate(registry.get("hebei"), household(), ON).tenant == "hebei"


def test_entry_points_of_another_class_are_loaded(monkeypatch):
    """The importlib_metadata backport (brought in by dask, for one) hands out entry points
    that are not importlib.metadata.EntryPoint: they are loaded all the same."""
    import core.registry as registry_module
    import plugins.national

    class BackportEntryPoint:
        name = "national"
        dist = None

        def load(self):
            return plugins.national

    monkeypatch.setattr(
        registry_module, "_entry_points", lambda: {"national": BackportEntryPoint()}
    )
    registry = registry_module.load_registry()
    assert not registry.problems, registry.problems
    assert list(registry.tenants) == ["national"]
