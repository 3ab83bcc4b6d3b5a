"""The conformance kit as pytest tests, for this repository and for external plugins.

An external tenant package runs it in its own CI, against every tenant installed in the
environment (or those named in ``$BANGFU_TENANTS``), or only the tenants it names with
``--bangfu-tenant`` (:mod:`core.conformance.pytest_plugin`)::

    pytest --pyargs core.conformance.suite --bangfu-tenant example_county

A module that imports these tests (``from core.conformance.suite import *``) must import
``pytest_generate_tests`` too: it parametrizes them with the selected tenants.
"""

from __future__ import annotations

import functools

import pytest

from core.conformance.cases import ConformanceCase, cases_for, check_case, programme_codes
from core.conformance.invariants import INVARIANTS
from core.conformance.pytest_plugin import OPTION, selected_tenants
from core.conformance.scenarios import Scenario, run_scenario
from core.registry import Registry, Tenant, load_registry


@functools.cache
def _registry() -> Registry:
    return load_registry()


def _tenants(config: pytest.Config) -> list[Tenant]:
    registry = _registry()
    codes = selected_tenants(config)
    unknown = [c for c in codes if c not in registry.tenants]
    if unknown:
        raise pytest.UsageError(
            f"{OPTION}: unknown tenant(s) {', '.join(unknown)} "
            f"(loaded: {', '.join(registry.tenants)})"
        )
    return [registry.get(c) for c in codes] if codes else registry.ordered()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the kit's tests with the selected tenants, their cases and scenarios."""
    names = set(metafunc.fixturenames)
    if not names & {"case", "scenario", "tenant"}:
        return
    tenants = _tenants(metafunc.config)
    if "case" in names or "scenario" in names:
        kind = ConformanceCase if "case" in names else Scenario
        first = "case" if "case" in names else "scenario"
        params = [
            pytest.param(c, t, id=f"{t.code}:{c.name}")
            for t in tenants
            for c in cases_for(t)
            if isinstance(c, kind)
        ]
        metafunc.parametrize((first, "tenant"), params)
    elif "tenant" in names:
        metafunc.parametrize("tenant", tenants, ids=lambda t: t.code)


def test_every_plugin_loads():
    """No discovered plugin failed to load."""
    problems = _registry().problems
    assert not problems, [f"{p.plugin}: {p.reason}" for p in problems]


@functools.cache
def _programme_codes() -> frozenset[str]:
    return frozenset(programme_codes(_registry()))


def test_case(case, tenant):
    problems = check_case(case, tenant, known=set(_programme_codes()))
    assert not problems, f"{case.path}: " + "; ".join(problems)


def test_scenario(scenario, tenant):
    problems = run_scenario(scenario, tenant).problems
    assert not problems, f"{scenario.path}: " + "; ".join(problems)


@pytest.mark.parametrize("invariant", INVARIANTS, ids=lambda i: i.name)
def test_invariant(invariant, tenant):
    problems = invariant.check(tenant)
    assert not problems, f"{invariant.description}: " + "; ".join(problems[:5])
