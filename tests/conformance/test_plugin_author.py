"""A plugin author's second hour: a fault says its cause and the plugin's own file and line
once, a misspelled parameter is the plugin's fault (with "did you mean") and not the
caller's, a case naming a programme nobody offers is refused, a misspelled hook is named
with the one meant, ``bangfu tenants`` never cuts a code, the scaffold writes a
``.gitignore``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

import plugins.national
import tenants.hebei
from core.conformance import runner
from core.errors import BAD_INPUT, PLUGIN_ERROR, BangfuError
from core.evaluation import evaluate
from core.model import parse_household
from core.plugin import Grant, PayPeriod, Programme, TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry

ON = date(2026, 6, 1)
HOUSEHOLD = {"members": [{"name": "甲", "relation": "APPLICANT", "age": 40}]}
SOURCE = Path(__file__).read_text(encoding="utf-8").splitlines()


def line_of(text: str) -> int:
    return next(n for n, line in enumerate(SOURCE, start=1) if text in line)


def coal_in_yuan(eligible):  # the amount in yuan, as a float: refused after it returns
    return Grant(eligible, 12.5)


def coal_misspelled(parameters, eligible):
    return Grant(eligible, parameters.money("dibao.standard_montly"))  # misspelled


def city(programme, cases: Path | None = None):
    class City:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("author_city", "作者市", TenantLevel.CITY, "hebei")

        @hookimpl
        def bangfu_programmes(self):
            return [Programme("author_city.coal", "取暖补贴", PayPeriod.YEARLY, "示例", programme)]

        @hookimpl
        def bangfu_case_folder(self):
            return cases

    return load_registry(
        plugins=[("national", plugins.national), ("hebei", tenants.hebei), ("author_city", City())],
        use_entry_points=False,
    )


def kit_output(registry, monkeypatch, verbose: bool = False) -> list[str]:
    monkeypatch.setattr(runner, "load_registry", lambda: registry)
    out = io.StringIO()
    runner.run_kit(["author_city"], Console(file=out, width=400), verbose=verbose)
    return out.getvalue().splitlines()


def test_an_amount_in_yuan_points_at_the_plugins_rule_not_the_framework(monkeypatch):
    lines = kit_output(city(coal_in_yuan), monkeypatch)
    [fault] = [line for line in lines if "plugin fault in" in line]
    assert "programme author_city.coal: TypeError" in fault and "12.5" in fault
    assert f"{__file__}:{line_of('def coal_in_yuan')}, in coal_in_yuan" in fault
    assert "core/evaluation.py" not in fault
    assert sum("TypeError" in line for line in lines) == 1


def test_a_misspelled_parameter_is_the_plugins_fault_with_the_name_meant(monkeypatch):
    registry = city(coal_misspelled)
    with pytest.raises(BangfuError) as fault:
        evaluate(registry.get("author_city"), parse_household(HOUSEHOLD), ON)
    assert fault.value.code == PLUGIN_ERROR  # not BAD_INPUT: the caller did nothing wrong
    [line] = [text for text in kit_output(registry, monkeypatch) if "plugin fault in" in text]
    assert "did you mean 'dibao.standard_monthly'?" in line
    assert f"{__file__}:{line_of('standard_montly')}, in coal_misspelled" in line


def test_a_parameter_without_a_value_yet_is_still_the_callers_question(registry):
    with pytest.raises(BangfuError) as refused:
        evaluate(registry.get("hebei"), parse_household(HOUSEHOLD), date(1990, 1, 1))
    assert refused.value.code == BAD_INPUT


@pytest.mark.parametrize("key", ["absent: [living_relif]", "entitlements: {living_relif: null}"])
def test_a_case_naming_a_programme_nobody_offers_is_refused(tmp_path, monkeypatch, key):
    (tmp_path / "mine.yaml").write_text(
        "- name: misspelled\n  tenant: author_city\n  asOf: 2026-06-01\n"
        f"  household: {{members: [{{name: 甲, relation: APPLICANT}}]}}\n  expected: {{{key}}}\n",
        encoding="utf-8",
    )
    lines = kit_output(city(lambda eligible: Grant(eligible, 100), tmp_path), monkeypatch)
    [failure] = [line for line in lines if "misspelled" in line]
    assert "unknown programme 'living_relif'" in failure
    assert "did you mean 'living_relief'?" in failure


def test_check_v_lists_the_checks_that_passed(monkeypatch):
    lines = kit_output(city(lambda eligible: Grant(eligible, 100)), monkeypatch, verbose=True)
    passed = [line for line in lines if ": passed " in line]
    assert any("invariant amounts-non-negative" in line for line in passed)
    assert any("case " in line for line in passed)


def test_a_misspelled_hook_is_named_with_the_one_meant():
    class Misspelled:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("author_city", "作者市", TenantLevel.CITY, "hebei")

        @hookimpl
        def bangfu_programmess(self):
            return []

    registry = load_registry(
        plugins=[
            ("national", plugins.national),
            ("hebei", tenants.hebei),
            ("author_city", Misspelled()),
        ],
        use_entry_points=False,
    )
    [problem] = registry.problems
    assert "bangfu_programmess" in problem.reason
    assert "did you mean 'bangfu_programmes'?" in problem.reason


def test_bangfu_tenants_never_cuts_a_code_in_a_narrow_terminal():
    env = dict(os.environ, COLUMNS="60")
    env.pop("BANGFU_TENANTS", None)
    out = subprocess.run(
        [str(Path(sys.executable).parent / "bangfu"), "tenants"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    codes = [line.split("│")[1].strip() for line in out.stdout.splitlines() if line.startswith("│")]
    assert {"national", "hebei", "gansu", "demo_city"} <= set(codes), out.stdout


def test_the_scaffold_writes_a_gitignore(tmp_path):
    from core.scaffold import scaffold_tenant

    root = scaffold_tenant("author_city", "作者市", "hebei", "CITY", tmp_path)
    ignored = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"__pycache__/", "*.egg-info/", ".venv/", "build/"} <= set(ignored)
