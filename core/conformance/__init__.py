"""The conformance kit: shared cases and invariants every tenant plugin must pass.

Run it with ``bangfu check [TENANT ...]``, or from pytest in any package (an external
tenant's CI included) with ``pytest --pyargs core.conformance.suite``.
"""
