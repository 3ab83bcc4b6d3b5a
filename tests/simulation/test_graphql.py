"""The national comparison through GraphQL: a simulation is a job (id at once, progress,
result with rule sets), for the national role only; policy diff with citations; cliffs;
caseload trend suppressed as statistics."""

from __future__ import annotations

import time

import pytest

from core.auth.principal import Principal
from core.jobs import queue as jobs
from tests.jobs.conftest import jobs_worker
from tests.jobs.kinds import STEPS
from tests.security.conftest import caller, serve  # noqa: F401  (fixtures)

START = """
mutation($input: SimulationInput!) {
  startSimulation(input: $input) { id status progress total }
}"""
JOB = (
    "query($id: ID!) { simulationJob(id: $id) { id kind status progress done total result error } }"
)
ILL = {
    "members": [
        {
            "name": "张三",
            "relation": "APPLICANT",
            "seriousIllness": True,
            "monthlyIncome": "500",
            "ableToWork": True,
            "employment": "EMPLOYED",
        }
    ],
    "annualMedicalOutOfPocket": "30000",
}


@pytest.fixture
def worker(database_url, tmp_path):
    """On PostgreSQL a jobs worker runs the queued simulations (on SQLite the server that
    queued them does)."""
    if not database_url.startswith("postgresql"):
        yield None
        return
    with jobs_worker(database_url, tmp_path / "worker.log") as process:
        yield process


def finished(national, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = national.ok(JOB, id=job_id)
        if job["status"] in ("DONE", "FAILED") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_a_simulation_is_a_job_with_progress_and_a_result(caller, api_registry, worker):  # noqa: F811
    national = caller("national", "national")
    started = national.ok(START, input={"households": 2000, "seed": 4, "asOf": "2026-06-01"})
    assert started["status"] in ("QUEUED", "RUNNING", "DONE") and started["id"]
    assert started["total"] == 2000 * len(api_registry.ordered())
    job = finished(national, started["id"])
    assert job["status"] == "DONE", job
    assert job["progress"] == 1.0 and job["done"] == job["total"]
    tenants = {t["tenant"]: t for t in job["result"]["tenants"]}
    hebei = tenants["hebei"]
    assert hebei["ruleset"] == api_registry.get("hebei").ruleset
    assert hebei["pluginVersions"] == api_registry.get("hebei").plugin_versions
    assert any(p["name"] == "dibao.standard_monthly" for p in hebei["parameters"])
    assert hebei["yearlyCostFen"] == sum(p["yearlyCostFen"] for p in hebei["programmes"])


def test_a_reform_job_and_its_refusals(caller, worker):  # noqa: F811
    national = caller("national", "national")
    reform = {"tenant": "hebei", "name": "关闭医疗救助", "switchOff": ["medical_relief"]}
    started = national.ok(START, input={"households": 1000, "reform": reform, "asOf": "2026-06-01"})
    job = finished(national, started["id"])
    assert job["status"] == "DONE" and job["kind"] == "reform"
    assert job["result"]["costChangeFen"] < 0 and len(job["result"]["deciles"]) == 10
    bad = {
        "tenant": "hebei",
        "name": "x",
        "parameters": [{"name": "dibao.standard_monthly", "value": "lots"}],
    }
    national.refused("BAD_INPUT", START, input={"households": 1000, "reform": bad})
    national.refused("BAD_INPUT", START, input={"households": 0})
    caller("hebei", "admin").refused("FORBIDDEN", START, input={"households": 10})
    caller().refused("UNAUTHENTICATED", START, input={"households": 10})
    caller("hebei", "admin").refused("FORBIDDEN", JOB, id=started["id"])
    assert national.ok(JOB, id="0" * 32) is None
    assert national.ok(JOB, id="../../etc/passwd") is None


def test_policy_diff_with_citations(caller):  # noqa: F811
    query = """{ policyDiff(tenantA: "hebei", tenantB: "gansu", asOfA: "2026-06-01", asOfB: "2026-06-01") {
      a b householdTypesChecked
      parameters { name same a { value definedBy effectiveFrom source } b { value source } }
      programmes { code aBasis bBasis }
      flipped { label aEligible bEligible aProgrammes bProgrammes } } }"""
    diff = caller().ok(query)
    assert diff["a"] == "hebei @ 2026-06-01"
    dibao = next(p for p in diff["parameters"] if p["name"] == "dibao.standard_monthly")
    assert not dibao["same"] and dibao["a"]["source"] and dibao["a"]["definedBy"] == "hebei"
    assert diff["flipped"] and diff["householdTypesChecked"] > len(diff["flipped"])
    same_tenant = caller().ok(
        query.replace('"gansu"', '"hebei"').replace('asOfB: "2026-06-01"', 'asOfB: "2026-06-01"')
    )
    assert all(p["same"] for p in same_tenant["parameters"]) and same_tenant["flipped"] == []


def test_cliffs_show_where_help_is_lost(caller):  # noqa: F811
    query = """query($h: HouseholdInput!) { cliffs(household: $h, tenants: ["hebei"], fromYuan: "0",
      toYuan: "6000", stepYuan: "100", asOf: "2026-06-01") { tenant cliffs { monthlyWages what before after } } }"""
    [hebei] = caller().ok(query, h=ILL)
    lost = {c["what"] for c in hebei["cliffs"]}
    assert "eligibility" in lost and "living_relief" in lost
    living = next(c for c in hebei["cliffs"] if c["what"] == "living_relief")
    assert float(living["before"]) > 0 and living["after"] == "0.00"
    caller().refused("BAD_INPUT", query.replace('stepYuan: "100"', 'stepYuan: "0.5"'), h=ILL)


def test_caseload_trend_for_staff_and_national(caller):  # noqa: F811
    query = "{ caseloadTrend(months: 3) { tenant points { asOf openCases } } }"
    trend = caller("national", "national").ok(query)
    assert {t["tenant"] for t in trend} >= {"hebei", "gansu"}
    assert all(len(t["points"]) == 4 for t in trend)
    assert all(p["openCases"] is None for t in trend for p in t["points"])  # 0 is below 5
    own = caller("hebei", "admin").ok(query)
    assert [t["tenant"] for t in own] == ["hebei"]
    caller().refused("UNAUTHENTICATED", query)


def test_jobs_beyond_the_queue_limit_are_refused_and_none_is_lost(
    database_url, api_registry, worker
):
    national = Principal(user="acftu", tenant="national", role="national")

    def start(steps: int) -> jobs.Job:
        params = {"steps": steps, "pause": 0.05}
        return jobs.start(database_url, api_registry, national, STEPS, params, steps)

    started = [start(10) for _ in range(jobs.MAX_WAITING)]
    with pytest.raises(jobs.BangfuError) as info:
        start(1)
    assert info.value.code == "RULE_VIOLATION" and info.value.zh
    # another tenant's jobs do not count against this one's
    hebei = Principal(user="li", tenant="hebei", role="admin")
    other = jobs.start(database_url, api_registry, hebei, STEPS, {"steps": 1, "pause": 0}, 1)
    assert all(jobs.wait(database_url, "national", j.id, 60).status == "DONE" for j in started)
    assert jobs.wait(database_url, "hebei", other.id, 60).status == "DONE"
    last = jobs.wait(database_url, "national", start(1).id, 60)
    assert last.status == "DONE" and last.result["steps"] == 1


def test_one_tenant_at_two_dates(caller):  # noqa: F811
    query = """{ policyDiff(tenantA: "hebei", tenantB: "hebei", asOfA: "2024-06-01", asOfB: "2025-06-01") {
      parameters { name same a { value effectiveFrom source } b { value effectiveFrom } } } }"""
    diff = caller().ok(query)
    dibao = next(p for p in diff["parameters"] if p["name"] == "dibao.standard_monthly")
    assert not dibao["same"]
    assert (dibao["a"]["value"], dibao["b"]["value"]) == ("760.00", "790.00")
    assert dibao["a"]["effectiveFrom"] == "2024-01-01" and dibao["a"]["source"]
