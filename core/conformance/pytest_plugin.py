"""The ``--bangfu-tenant CODE`` option of pytest (installed as a pytest plugin with Bangfu).

It selects the tenants the conformance suite (:mod:`core.conformance.suite`) checks; repeat
it for several. Without it, the suite checks every tenant loaded (``$BANGFU_TENANTS`` or
every one installed). An external tenant package runs its own tenant only::

    pytest --pyargs core.conformance.suite --bangfu-tenant example_county

The option names tenants to *check*; their ancestors are loaded as well, as always.
"""

from __future__ import annotations

import pytest

OPTION = "--bangfu-tenant"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bangfu", "Bangfu conformance kit")
    group.addoption(
        OPTION,
        action="append",
        default=[],
        metavar="CODE",
        dest="bangfu_tenant",
        help="check only this tenant in the Bangfu conformance suite (repeat for several)",
    )


def selected_tenants(config: pytest.Config) -> list[str]:
    """The tenant codes given with ``--bangfu-tenant`` (empty: every tenant loaded)."""
    try:
        codes = config.getoption("bangfu_tenant") or []
    except ValueError:  # the plugin is not registered (an unusual install)
        codes = []
    return [c.strip() for value in codes for c in str(value).split(",") if c.strip()]
