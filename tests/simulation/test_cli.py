"""``bangfu simulate``: synthetic, from a file, from a tenant's open files; the same
totals whichever way the households come in."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from core.cli import app
from core.simulation.population import write_population
from core.simulation.synthetic import synthetic_columns
from tests.simulation.test_replay import open_files

runner = CliRunner()


def test_synthetic_and_the_same_households_from_a_file_agree(tmp_path):
    synthetic = runner.invoke(
        app, ["simulate", "--households", "500", "--seed", "9", "--as-of", "2026-06-01", "--json"]
    )
    assert synthetic.exit_code == 0, synthetic.output
    household, member, weight = synthetic_columns(500, 9)
    path = write_population(tmp_path / "p.csv", household, member, weight)
    from_file = runner.invoke(
        app,
        ["simulate", "--population", str(path), "--chunk", "60", "--as-of", "2026-06-01", "--json"],
    )
    assert from_file.exit_code == 0, from_file.output
    a, b = json.loads(synthetic.stdout), json.loads(from_file.stdout)
    assert a["tenants"] == b["tenants"]
    shown = runner.invoke(app, ["simulate", "--households", "200", "--as-of", "2026-06-01"])
    assert shown.exit_code == 0 and "模拟" in shown.output


def test_a_tenants_open_files_as_the_population(database_url, registry):
    files = open_files(database_url, registry)
    result = runner.invoke(
        app,
        [
            "simulate",
            "--caseload",
            "hebei",
            "--as-of",
            "2026-06-01",
            "--json",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert all(t["households"] == len(files) for t in answer["tenants"])
    assert "facts only" in answer["source"]


def test_a_missing_file_is_a_clear_refusal(tmp_path):
    result = runner.invoke(app, ["simulate", "--population", str(tmp_path / "none.parquet")])
    assert result.exit_code == 2 and "找不到人口文件" in result.output
