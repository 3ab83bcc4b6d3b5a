"""The documentation stays true: every hook is documented and exercised."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("bangfu_")
)


def test_there_are_hooks():
    assert len(HOOKS) >= 10


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_plugin_guide(hook):
    assert f"`{hook}(" in (ROOT / "docs" / "plugin-guide.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_spec_has_a_docstring_that_says_how_to_defer(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 40
    spec = getattr(hookspecs, hook).bangfu_spec
    if spec["firstresult"] and hook not in {
        "bangfu_tenant",
        "bangfu_parameter_folder",
        "bangfu_case_folder",
    }:
        assert "None" in doc, f"{hook} must say that None defers to the parent"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_implemented_by_a_bundled_or_example_plugin(hook):
    if hook in hookspecs.DEPRECATED:
        pytest.skip(f"{hook} is deprecated; the bundled plugins use its replacement")
    sources = [
        *ROOT.joinpath("plugins").rglob("*.py"),
        *ROOT.joinpath("tenants").rglob("*.py"),
        *ROOT.joinpath("tests", "external_tenant").rglob("*.py"),
        ROOT / "core" / "plugin.py",  # package_folders: the folder hooks of the bundled tenants
    ]
    pattern = re.compile(rf"def {hook}\(")
    assert any(pattern.search(p.read_text(encoding="utf-8")) for p in sources), hook


def test_the_readme_quick_start_is_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
