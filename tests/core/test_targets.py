"""Targets are dated, cited parameters: Gansu's 30% and 60%, and a city named in
``targets.resolved_share_full_cities`` (金昌, 嘉峪关) must resolve all its files by 2019."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plugins.national
import tenants.gansu
import tenants.hebei
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry
from core.targets import targets_of


def city_registry(name: str):
    class City:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("gansu_city", name, TenantLevel.CITY, "gansu")

    registry = load_registry(
        plugins=[
            ("national", plugins.national),
            ("hebei", tenants.hebei),
            ("gansu", tenants.gansu),
            ("gansu_city", City()),
        ],
        use_entry_points=False,
    )
    assert not registry.problems, registry.problems
    return registry


def test_gansu_targets_are_cited_parameters(registry):
    baseline, targets = targets_of(registry.get("gansu"))
    assert baseline == date(2018, 1, 1)
    assert [(due, share) for due, share, _ in targets] == [
        (date(2018, 12, 31), Decimal("0.3")),
        (date(2019, 12, 31), Decimal("0.6")),
    ]
    assert all(source.startswith("002") for _, _, source in targets)


def test_jinchang_and_jiayuguan_resolve_every_file_by_2019():
    for name in ("金昌市", "嘉峪关市"):
        _, targets = targets_of(city_registry(name).get("gansu_city"))
        assert [(due, share) for due, share, _ in targets] == [
            (date(2018, 12, 31), Decimal("0.3")),
            (date(2019, 12, 31), Decimal("1")),
        ]
        assert "金昌、嘉峪关" in targets[-1][2]
    _, other = targets_of(city_registry("兰州市").get("gansu_city"))
    assert other[-1][1] == Decimal("0.6")


def test_a_tenant_without_targets_has_none(registry):
    assert targets_of(registry.get("hebei")) is None
