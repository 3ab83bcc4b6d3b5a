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


def test_the_readme_reads_in_a_newcomers_order():
    """Quick start, then the architecture, then writing a plugin, then running in
    production; the benchmark narrative lives in docs/performance.md, not before the
    architecture."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    order = [
        "## Quick start",
        "## Architecture",
        "## Writing a tenant plugin",
        "## Running in production",
    ]
    assert [h for h in headings if h in order] == order
    before = readme[: readme.index("## Architecture")]
    assert "| figure |" not in before and len(before.splitlines()) < 160
    assert "| figure |" in (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "docs/performance.md" in readme
    quick = readme[readme.index("## Quick start") : readme.index("### The staff workplace")]
    assert quick.index("bangfu user create") < quick.index("bangfu token create")  # accounts first
    assert "no second factor or\n  rate limit" not in readme
    for image in re.findall(r"\]\((docs/[^)]+\.png)\)", readme):
        assert (ROOT / image).is_file(), image


def test_make_run_leaves_no_untracked_database_files():
    """SQLite beside bangfu.db writes bangfu.db-wal and bangfu.db-shm while it serves."""
    import subprocess

    names = ["bangfu.db", "bangfu.db-wal", "bangfu.db-shm", "bangfu.db-journal"]
    found = subprocess.run(
        ["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert found.stdout.split() == names
