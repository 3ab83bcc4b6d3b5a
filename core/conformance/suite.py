"""The conformance kit as pytest tests, for this repository and for external plugins.

An external tenant package runs it in its own CI, against every tenant installed in the
environment (or those named in ``$BANGFU_TENANTS``)::

    pytest --pyargs core.conformance.suite
"""

from __future__ import annotations

import pytest

from core.conformance.cases import check_case, load_cases
from core.conformance.invariants import INVARIANTS
from core.registry import load_registry

_REGISTRY = load_registry()
_TENANTS = _REGISTRY.ordered()
_CASES = [
    pytest.param(case, tenant, id=f"{tenant.code}:{case.name}")
    for case in load_cases(_REGISTRY)
    for tenant in _TENANTS
    if case.applies_to(tenant.code)
]


def test_every_plugin_loads():
    """No discovered plugin failed to load."""
    assert not _REGISTRY.problems, [f"{p.plugin}: {p.reason}" for p in _REGISTRY.problems]


@pytest.mark.parametrize(("case", "tenant"), _CASES)
def test_case(case, tenant):
    problems = check_case(case, tenant)
    assert not problems, f"{case.path}: " + "; ".join(problems)


@pytest.mark.parametrize("invariant", INVARIANTS, ids=lambda i: i.name)
@pytest.mark.parametrize("tenant", _TENANTS, ids=lambda t: t.code)
def test_invariant(invariant, tenant):
    problems = invariant.check(tenant)
    assert not problems, f"{invariant.description}: " + "; ".join(problems[:5])
