"""Tenants for walking procedures in memory (households: ``casefile_samples``)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def hebei(registry):
    return registry.get("hebei")


@pytest.fixture(scope="session")
def gansu(registry):
    return registry.get("gansu")


@pytest.fixture(scope="session")
def demo_city(registry):
    return registry.get("demo_city")
