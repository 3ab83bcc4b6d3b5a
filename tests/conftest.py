"""Shared fixtures: the bundled registry, loaded once, and household builders."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.model import parse_household
from core.registry import Registry, load_registry

ON = date(2026, 6, 1)


@pytest.fixture(scope="session")
def registry() -> Registry:
    loaded = load_registry()
    assert not loaded.problems, loaded.problems
    return loaded


def applicant(**fields: Any) -> dict[str, Any]:
    return {"name": "张三", "relation": "APPLICANT", **fields}


def household(*members: dict[str, Any], **fields: Any):
    return parse_household({"members": list(members) or [applicant()], **fields})
