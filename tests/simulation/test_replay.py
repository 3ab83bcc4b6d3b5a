"""Caseload replay (``bangfu replay``) and the caseload as a population: counts checked
against evaluating each open file's household on its own under both rule sets."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from core.cases.service import CaseService
from core.cli import app
from core.db.session import session_factory
from core.evaluation import evaluate
from core.facts import HouseholdFacts
from core.model import parse_household
from core.simulation.caseload import caseload_population
from core.simulation.reforms import Reform, reformed_tenant
from core.simulation.simulate import simulate
from tests.casefile_samples import COMFORTABLE, DIBAO_TOPUP, ILL, RESTRUCTURED, staff
from tests.conftest import ON

REFORM = """\
name: 河北低保标准提高到1000元
tenant: hebei
parameters:
  dibao.standard_monthly: 1000
"""
NO_CHANGE = """\
name: 同值
parameters:
  living_relief.months: {months}
"""
SAMPLES = [
    ILL,
    COMFORTABLE,
    DIBAO_TOPUP,
    RESTRUCTURED,
    {**ILL, "annualMedicalOutOfPocket": "80000"},
]
runner = CliRunner()


def open_files(url, registry) -> list[dict]:
    with session_factory(url)() as session:
        service = CaseService(session, registry)
        for h in SAMPLES * 2:
            service.open_case(staff("hebei", "caseworker"), "hebei", h, on=ON)
        service.open_case(staff("gansu", "caseworker"), "gansu", ILL, on=ON)
        session.commit()
    return SAMPLES * 2


def test_replay_counts_the_files_that_would_change(database_url, registry, tmp_path):
    households = open_files(database_url, registry)
    reform_file = tmp_path / "reform.yaml"
    reform_file.write_text(REFORM, encoding="utf-8")
    hebei = registry.get("hebei")
    changed = reformed_tenant(hebei, Reform.from_yaml(REFORM), registry)
    expected = 0
    moved: dict[str, int] = {}
    for data in households:
        h = parse_household(data)
        a, b = evaluate(hebei, h, ON), evaluate(changed, h, ON)
        ea = {e.programme: e.amount for e in a.entitlements}
        eb = {e.programme: e.amount for e in b.entitlements}
        expected += a.eligible != b.eligible or ea != eb
        for code in set(ea) | set(eb):
            moved[code] = moved.get(code, 0) + (ea.get(code) != eb.get(code))
    assert expected > 0
    args = ["replay", "--tenant", "hebei", "--reform", str(reform_file), "--as-of", ON.isoformat()]
    args += ["--database-url", database_url]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["files"] == len(households) and answer["changed"] == expected
    by_code = {
        m["code"]: m["gaining"] + m["losing"] + m["amountChanged"] for m in answer["programmes"]
    }
    assert {k: v for k, v in by_code.items() if v} == {k: v for k, v in moved.items() if v}
    assert answer["reformRuleset"] != answer["ruleset"] == hebei.ruleset
    failing = runner.invoke(app, [*args, "--fail-on-change"])
    assert failing.exit_code == 1 and "would change" in failing.output
    assert "重放" in failing.output


def test_replay_of_a_change_that_moves_nothing_passes_ci(database_url, registry, tmp_path):
    open_files(database_url, registry)
    months = registry.get("hebei").parameter_table.resolve("living_relief.months", ON).value
    reform_file = tmp_path / "same.yaml"
    reform_file.write_text(NO_CHANGE.format(months=months), encoding="utf-8")
    args = ["replay", "--tenant", "hebei", "--reform", str(reform_file), "--as-of", ON.isoformat()]
    result = runner.invoke(app, [*args, "--database-url", database_url, "--fail-on-change"])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nparameters:\n  no.such: 1\n", encoding="utf-8")
    refused = runner.invoke(
        app, ["replay", "--tenant", "hebei", "--reform", str(bad), "--database-url", database_url]
    )
    assert refused.exit_code == 2 and "no parameter" in refused.output


def test_the_caseload_is_a_population_of_facts_only(database_url, registry):
    households = open_files(database_url, registry)
    hebei = registry.get("hebei")
    with session_factory(database_url)() as session:
        population = caseload_population(session, hebei)
    assert population.size == len(households) and int(population.weight.sum()) == len(households)
    direct = HouseholdFacts.from_households([parse_household(h) for h in households])
    from_db = simulate([hebei], population, ON).as_dict()
    assert (
        from_db
        == simulate(
            [hebei], type(population)(direct, np.ones(len(households), dtype=np.int64)), ON
        ).as_dict()
    )


def test_replay_of_a_procedure_reading_shows_the_files_it_moves(database_url, registry, tmp_path):
    """A reform that reads the notice with the day of publication counted (issue 18): the
    replay walks the open files under both and fails CI when a step opens or closes."""
    with session_factory(database_url)() as session:
        service = CaseService(session, registry, today=lambda: ON)
        case = service.open_case(staff("hebei", "caseworker"), "hebei", ILL, on=ON)
        case = service.transition(staff("hebei", "reviewer"), case.id, "review", case.version, ON)
        service.transition(staff("hebei", "reviewer"), case.id, "publish", case.version, ON)
        session.commit()
    reform_file = tmp_path / "reading.yaml"
    reform_file.write_text(
        "name: 公示当日计入\nparameters:\n  procedure.notice_counting: publication_day_counts\n",
        encoding="utf-8",
    )
    on = "2026-06-05"  # the 4th working day after Mon 1 June: allowed only when day 1 counts
    args = ["replay", "--tenant", "hebei", "--reform", str(reform_file), "--as-of", on]
    args += ["--database-url", database_url]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    moved = json.loads(result.stdout)["procedure"]
    assert moved["files"] == 1 and moved["stepsOpened"] == {"approve": 1}
    assert moved["deadlinesChanged"] == 1
    failing = runner.invoke(app, [*args, "--fail-on-change"])
    assert failing.exit_code == 1 and "procedure readings" in failing.output
