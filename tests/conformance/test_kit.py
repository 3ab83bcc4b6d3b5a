"""The conformance kit over every bundled tenant (the same tests external plugins run)."""

from core.conformance.suite import (
    pytest_generate_tests,
    test_case,
    test_every_plugin_loads,
    test_invariant,
    test_scenario,
)

__all__ = [
    "pytest_generate_tests",
    "test_case",
    "test_every_plugin_loads",
    "test_invariant",
    "test_scenario",
]
