"""An out-of-tree tenant package is discovered, evaluated and checked like a bundled one.

The package under tests/external_tenant/ is built and installed into a temporary folder
(with pip, as a regional IT team would install theirs) and put on the path of a fresh
``bangfu`` process: nothing is imported from it in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent


def install(package: Path, tmp_path: Path) -> dict[str, str]:
    source = tmp_path / "src"
    shutil.copytree(package, source)  # build outside the repository
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target), env.get("PYTHONPATH", "")])
    env["COLUMNS"] = "200"  # rich would shorten codes in a narrow table
    env.pop("BANGFU_TENANTS", None)
    return env


def bangfu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "bangfu"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env.get("BANGFU_CWD"),
    )


@pytest.fixture(scope="module")
def external(tmp_path_factory) -> dict[str, str]:
    return install(HERE / "external_tenant", tmp_path_factory.mktemp("external"))


def test_the_external_tenant_is_discovered_with_its_version(external):
    out = bangfu(external, "tenants")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "example_county" in out.stdout and "0.3.0" in out.stdout


def test_the_external_tenant_evaluates_under_its_chain(external):
    script = (
        "import json; from datetime import date; from core.registry import load_registry;"
        "from core.model import parse_household; from core.evaluation import evaluate;"
        "t = load_registry().get('example_county');"
        "h = parse_household({'members': [{'name': '丁一', 'relation': 'APPLICANT', 'ableToWork': True,"
        " 'employment': 'UNEMPLOYED'}], 'dibaoRecipient': True});"
        "e = evaluate(t, h, date(2026, 6, 1));"
        "print(json.dumps({'chain': t.chain, 'coal': str(e.entitlement('example_county.winter_coal').amount),"
        " 'checklist': [c.code for c in e.checklist]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=external, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["chain"] == ["national", "gansu", "example_county"]
    assert result["coal"] == "450.00"
    assert "housing" in result["checklist"]  # inherited from Gansu


def test_bangfu_check_runs_the_kit_on_the_external_tenant(external):
    out = bangfu(external, "check", "example_county")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "example_county" in out.stdout and "ok" in out.stdout


def test_the_external_package_runs_the_kit_with_pytest(external, tmp_path):
    env = dict(external, BANGFU_TENANTS="example_county")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--pyargs",
            "core.conformance.suite",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout


def test_a_scaffolded_tenant_installs_and_passes_the_kit(tmp_path):
    env = dict(os.environ, COLUMNS="200")
    env.pop("BANGFU_TENANTS", None)
    made = bangfu(
        env,
        "new-tenant",
        "test_county",
        "--name",
        "测试县",
        "--parent",
        "gansu",
        "--level",
        "CITY",
        "--into",
        str(tmp_path),
    )
    assert made.returncode == 0, made.stdout + made.stderr
    env = install(tmp_path / "bangfu-tenant-test-county", tmp_path / "installed")
    out = bangfu(env, "check", "test_county")
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_broken_external_plugin_is_reported_and_the_others_serve(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(HERE / "external_tenant", broken)
    init = broken / "bangfu_example_county" / "__init__.py"
    init.write_text(
        init.read_text(encoding="utf-8").replace("def bangfu_branding", "def bangfu_brandin"),
        encoding="utf-8",
    )
    env = install(broken, tmp_path / "installed")
    out = bangfu(env, "tenants")
    assert out.returncode == 1  # load problems make the listing fail
    assert "bangfu_brandin" in out.stdout and "hebei" in out.stdout
