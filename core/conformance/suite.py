"""The conformance kit as pytest tests, for this repository and for external plugins.

An external tenant package runs it in its own CI, against every tenant installed in the
environment (or those named in ``$BANGFU_TENANTS``)::

    pytest --pyargs core.conformance.suite
"""

from __future__ import annotations

import pytest

from core.conformance.cases import ConformanceCase, cases_for, check_case
from core.conformance.invariants import INVARIANTS
from core.conformance.scenarios import Scenario, run_scenario
from core.registry import load_registry

_REGISTRY = load_registry()
_TENANTS = _REGISTRY.ordered()
_ALL = [(case, tenant) for tenant in _TENANTS for case in cases_for(tenant)]
_CASES = [
    pytest.param(c, t, id=f"{t.code}:{c.name}") for c, t in _ALL if isinstance(c, ConformanceCase)
]
_SCENARIOS = [
    pytest.param(c, t, id=f"{t.code}:{c.name}") for c, t in _ALL if isinstance(c, Scenario)
]


def test_every_plugin_loads():
    """No discovered plugin failed to load."""
    assert not _REGISTRY.problems, [f"{p.plugin}: {p.reason}" for p in _REGISTRY.problems]


@pytest.mark.parametrize(("case", "tenant"), _CASES)
def test_case(case, tenant):
    problems = check_case(case, tenant)
    assert not problems, f"{case.path}: " + "; ".join(problems)


@pytest.mark.parametrize(("scenario", "tenant"), _SCENARIOS)
def test_scenario(scenario, tenant):
    problems = run_scenario(scenario, tenant).problems
    assert not problems, f"{scenario.path}: " + "; ".join(problems)


@pytest.mark.parametrize("invariant", INVARIANTS, ids=lambda i: i.name)
@pytest.mark.parametrize("tenant", _TENANTS, ids=lambda t: t.code)
def test_invariant(invariant, tenant):
    problems = invariant.check(tenant)
    assert not problems, f"{invariant.description}: " + "; ".join(problems[:5])
