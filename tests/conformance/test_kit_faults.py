"""The kit for plugin authors: a plugin's exception fails that case only, ``bangfu check -v``
names it (exception, plugin file and line) once per hook; an empty ``entitlements:`` map
is refused; a child tenant re-runs its parent's workflow scenarios."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

import plugins.national
import tenants.gansu
import tenants.hebei
from core.conformance import runner
from core.conformance.cases import CaseFileError, cases_for, load_case_file
from core.conformance.scenarios import Scenario
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import load_registry

CASES = """\
- name: one
  tenant: faulty
  asOf: 2026-06-01
  household: {members: [{name: 甲, relation: APPLICANT, age: 40, monthlyIncome: "100"}]}
  expected: {eligible: true}
- name: two
  tenant: faulty
  asOf: 2026-06-01
  household: {members: [{name: 乙, relation: APPLICANT, age: 40, monthlyIncome: "200"}]}
  expected: {eligible: true}
"""


def faulty_registry(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "faulty.yaml").write_text(CASES, encoding="utf-8")

    class Faulty:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("faulty", "故障市", TenantLevel.CITY, "hebei")

        @hookimpl
        def bangfu_case_folder(self):
            return cases

        @hookimpl
        def bangfu_target_groups(self, household, parameters, why):
            return {"dibao_underemployed": 1 // 0}  # the bug a new author writes

    return load_registry(
        plugins=[
            ("national", plugins.national),
            ("hebei", tenants.hebei),
            ("faulty", Faulty()),
        ],
        use_entry_points=False,
    )


def test_a_plugin_fault_fails_its_cases_and_check_v_names_it_once(tmp_path, monkeypatch):
    registry = faulty_registry(tmp_path)
    monkeypatch.setattr(runner, "load_registry", lambda: registry)
    out = io.StringIO()
    ok = runner.run_kit(["faulty", "hebei"], Console(file=out, width=300), verbose=True)
    text = out.getvalue()
    assert not ok
    assert "hebei" in text and "│ ok" in text.split("faulty")[0] + text  # the run went on
    faults = [line for line in text.splitlines() if "plugin fault in" in line]
    assert len(faults) == 1, text  # two cases failed in one hook: named once
    assert "bangfu_target_groups" in faults[0] and "ZeroDivisionError" in faults[0]
    assert f"{__file__}:" in faults[0]  # the plugin's own file and line
    assert "faulty: case 'one'" in text and "passed" in text  # -v: every check, one by one


def test_without_v_each_fault_is_said_once_with_its_cause_and_place(tmp_path, monkeypatch):
    """Without ``-v`` the fault is printed once, with its cause and the plugin's file and
    line, and the checks it failed are counted, not printed one by one (they were 24
    identical lines saying only "TypeError")."""
    registry = faulty_registry(tmp_path)
    monkeypatch.setattr(runner, "load_registry", lambda: registry)
    out = io.StringIO()
    runner.run_kit(["faulty"], Console(file=out, width=300))
    lines = out.getvalue().splitlines()
    faults = [line for line in lines if "plugin fault in" in line]
    assert len(faults) == 1 and "ZeroDivisionError: integer division" in faults[0]
    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(source, start=1) if "1 // 0" in text)
    assert f"{__file__}:{line}, in bangfu_target_groups" in faults[0]
    assert sum("ZeroDivisionError" in text for text in lines) == 1
    assert any("checks failed on the plugin fault(s) above (bangfu check -v" in t for t in lines)
    assert not any("case 'one'" in text for text in lines)


@pytest.mark.parametrize(
    "expected",
    ["{entitlements: {}}", "{entitlements: }", "{}"],
)
def test_an_expectation_that_checks_nothing_is_refused(tmp_path, expected):
    path = tmp_path / "empty.yaml"
    path.write_text(
        "- name: nothing checked\n  tenant: hebei\n  asOf: 2026-06-01\n"
        f"  household: {{members: [{{name: 甲, relation: APPLICANT}}]}}\n  expected: {expected}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError) as info:
        load_case_file(path, "hebei")
    assert "checks nothing" in str(info.value) and str(path) in str(info.value)


def test_a_child_tenant_re_runs_its_parents_workflow_scenarios(tmp_path):
    class Child:
        @hookimpl
        def bangfu_tenant(self):
            return TenantInfo("gansu_child", "子市", TenantLevel.CITY, "gansu")

    registry = load_registry(
        plugins=[
            ("national", plugins.national),
            ("gansu", tenants.gansu),
            ("gansu_child", Child()),
        ],
        use_entry_points=False,
    )
    parent = {
        c.name
        for c in cases_for(registry.get("gansu"))
        if isinstance(c, Scenario) and "parent-only" not in c.tags
    }
    child = {c.name for c in cases_for(registry.get("gansu_child")) if isinstance(c, Scenario)}
    assert parent and parent == child
    report = runner.check_tenant(registry, registry.get("gansu_child"))
    assert not [f for f in report.failures if "workflow.yaml" in f], report.failures


def test_parent_only_scenarios_are_not_re_run(registry):
    hebei = {c.name for c in cases_for(registry.get("hebei")) if isinstance(c, Scenario)}
    city = {c.name for c in cases_for(registry.get("demo_city")) if isinstance(c, Scenario)}
    parent_only = {
        c.name
        for c in cases_for(registry.get("hebei"))
        if isinstance(c, Scenario) and "parent-only" in c.tags
    }
    assert parent_only and not parent_only & city
    assert hebei - parent_only <= city  # every other scenario is re-run in the city


def _collect(tmp_path, *args):
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env.pop("BANGFU_TENANTS", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--pyargs",
            "core.conformance.suite",
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def test_the_bangfu_tenant_option_selects_the_tenants_of_the_suite(tmp_path):
    out = _collect(tmp_path, "--bangfu-tenant", "gansu")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    parametrized = [i for i in ids if "[" in i]
    assert parametrized and all("gansu" in i for i in parametrized)
    assert not any("hebei" in i for i in ids)
    bad = _collect(tmp_path, "--bangfu-tenant", "atlantis")
    assert bad.returncode != 0 and "atlantis" in bad.stdout + bad.stderr
