"""The conformance kit over every bundled tenant (the same tests external plugins run)."""

from core.conformance.suite import test_case, test_every_plugin_loads, test_invariant, test_scenario

__all__ = ["test_case", "test_every_plugin_loads", "test_invariant", "test_scenario"]
