"""The hook contract has a version and a changelog; a deprecated hook warns the plugin
that implements it (pluggy's warn_on_impl); the scaffold pins a compatible Bangfu."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pluggy
import pytest

from core import __version__, hookspecs
from core.plugin import hookimpl
from core.scaffold import compatible_range, scaffold_tenant

ROOT = Path(__file__).resolve().parents[2]


def test_the_changelog_names_this_release_and_contract():
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert re.search(
        rf"^## {re.escape(__version__)} — hook contract {hookspecs.CONTRACT_VERSION}$", text, re.M
    )
    for hook in hookspecs.DEPRECATED:
        assert f"**Deprecated:** `{hook}`" in text


def test_a_plugin_implementing_a_deprecated_hook_is_warned():
    class Old:
        @hookimpl
        def bangfu_eligibility(self, household, parameters):
            return None

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    with pytest.warns(
        DeprecationWarning, match="bangfu_eligibility is deprecated.*bangfu_populations"
    ):
        manager.register(Old())
    for hook in hookspecs.DEPRECATED:  # every hook listed as deprecated warns
        assert getattr(manager.hook, hook).spec.warn_on_impl is not None


def test_the_scaffold_pins_the_compatible_series(tmp_path):
    assert compatible_range("0.1.0") == "bangfu>=0.1.0,<0.2"
    assert compatible_range("1.2.3") == "bangfu>=1.2.3,<2"
    root = scaffold_tenant("shijiazhuang", "石家庄市", "hebei", "CITY", tmp_path)
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    (pin,) = project["dependencies"]
    from packaging.requirements import Requirement

    assert Requirement(pin).specifier.contains(__version__)
    assert pin == compatible_range()
