"""``compare``: one household under many tenants, over HTTP, through the server's own path.

Two servers' worth of tenants in one: the 3 real regional tenants and 34 synthetic
provinces, served by :mod:`tests.benchmarks.synthetic_app` (the product's ``create_app``
over that registry) with ``uvicorn --workers 2`` exactly as the HTTP benchmark serves the
product. Each province has its own code, parent ``national``, Hebei's rule functions and a
parameter folder of its own in a temporary directory (its own ``dibao.standard_monthly``
and medical-relief schedule, half of them read as marginal brackets): the shape of a
national deployment with a plugin per province.

Measured with wrk, one connection (single client), :data:`SINGLE_S` seconds a run, the
``compare`` query asking for every field (explanations included) of the 3 real tenants
and of the 34 synthetic ones, :data:`ROUNDS` interleaved rounds: p99 and p50, median with
min and max. The baseline is the engine alone in-process (:func:`core.evaluation.evaluate`
for each tenant in turn), p99 over :data:`ITERATIONS` calls.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

import tenants.hebei
from core.evaluation import evaluate
from core.model import parse_household
from core.plugin import TenantInfo, TenantLevel, hookimpl
from core.registry import Registry, load_registry
from tenants.hebei import programmes as hebei_programmes
from tests.benchmarks import MIN_ROUNDS, median, percentile, row
from tests.benchmarks.bench_http import _post, lua_script, server, wrk

SYNTHETIC = 34
REAL = ("hebei", "gansu", "demo_city")
ITERATIONS = {3: 400, SYNTHETIC: 100}
WARMUP = 20
ROUNDS = max(MIN_ROUNDS, int(os.environ.get("BANGFU_BENCH_ROUNDS", 3)))
SINGLE_S = int(os.environ.get("BANGFU_BENCH_HTTP_SECONDS", 10))
SYNTHETIC_APP = "tests.benchmarks.synthetic_app:create_app"
TARGET_P99_MS = {3: 2.0, SYNTHETIC: 15.0}
ON = date(2026, 6, 1)
HOUSEHOLD = {
    "members": [
        {
            "name": "张伟",
            "relation": "APPLICANT",
            "age": 52,
            "monthlyIncome": "2000",
            "seriousIllness": True,
        },
        {"name": "李娜", "relation": "SPOUSE", "age": 50, "ableToWork": True},
        {
            "name": "张小明",
            "relation": "CHILD",
            "age": 17,
            "educationStage": "HIGH_SCHOOL",
            "newlyAdmitted": True,
        },
    ],
    "annualMedicalOutOfPocket": "30000",
    "annualExpenses": {"rent": "6000", "living": "20000", "education": "4000"},
}
COMPARE_QUERY = (
    "query Compare($household: HouseholdInput!, $tenants: [String!], $asOf: Date) "
    "{ compare(household: $household, tenants: $tenants, asOf: $asOf) { tenant eligible "
    "category groups measures reasons { code label basis } "
    "entitlements { programme name amount period basis explanation } "
    "utilityDiscounts { utility quantity unit period basis } checklist { code label met } "
    "budget { annualIncome annualExpenses gap } } }"
)


class SyntheticProvince:
    """A province plugin: Hebei's rules over a parameter folder of its own."""

    __version__ = "0.0.1"

    def __init__(self, code: str, folder: Path) -> None:
        self.code = code
        self.folder = folder

    @hookimpl
    def bangfu_tenant(self) -> TenantInfo:
        return TenantInfo(
            code=self.code,
            name=f"合成省 {self.code}",
            level=TenantLevel.PROVINCE,
            parent="national",
        )

    @hookimpl
    def bangfu_parameter_folder(self) -> Path:
        return self.folder

    @hookimpl
    def bangfu_populations(self):
        return hebei_programmes.POPULATIONS  # Hebei's 特困 and who its relief serves

    @hookimpl
    def bangfu_programmes(self):
        return hebei_programmes.PROGRAMMES


def _rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def synthetic_folder(root: Path, i: int, build: bool = True) -> Path:
    """Hebei's parameter files with this province's own figures (made when ``build``)."""
    folder = root / f"province_{i:02d}"
    if not build:
        return folder
    source = Path(tenants.hebei.__file__).parent / "parameters"
    for path in source.rglob("*.yaml"):
        target = folder / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())

    def standard(data: dict[str, Any]) -> None:
        for entry in data["values"].values():
            entry["value"] = 600 + 10 * i
            entry["source"] = f"synthetic province {i}"

    def schedule(data: dict[str, Any]) -> None:
        for entry in data["values"].values():
            value = entry["value"]
            value["kind"] = "marginal" if i % 2 else "whole_amount"
            for b in value["brackets"]:
                if b.get("rate"):
                    b["rate"] = round(b["rate"] + 0.01 * (i % 5), 4)
                if "amount" in b:
                    b["amount"] = 6000 + 100 * i
            entry["source"] = f"synthetic province {i}"

    _rewrite(folder / "dibao" / "standard_monthly.yaml", standard)
    _rewrite(folder / "medical_relief" / "schedule.yaml", schedule)
    return folder


def synthetic_registry(
    root: Path, also: tuple[str, ...] = (), build: bool = True
) -> tuple[Registry, list[str]]:
    """The 34 provinces (and the tenants ``also`` named), with their folders under ``root``
    (made there when ``build``)."""
    plugins = []
    for i in range(1, SYNTHETIC + 1):
        code = f"synthetic_{i:02d}"
        plugins.append((code, SyntheticProvince(code, synthetic_folder(root, i, build))))
    codes = [code for code, _ in plugins]
    registry = load_registry(only=[*also, *codes], plugins=plugins)
    if registry.problems or not set(codes) <= set(registry.tenants):
        raise RuntimeError(f"synthetic tenants did not load: {registry.problems}")
    return registry, codes


def _latencies(calls: list[Callable[[], Any]], iterations: int) -> list[list[float]]:
    """Milliseconds of each call, interleaved (so that noise falls on every call alike)."""
    for _ in range(WARMUP):
        for call in calls:
            call()
    out: list[list[float]] = [[] for _ in calls]
    for _ in range(iterations):
        for call, times in zip(calls, out, strict=True):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    return out


def _engine_p99(registry: Registry, codes: list[str]) -> tuple[float, float]:
    """(p50, p99) ms of the engine alone evaluating the household for each tenant."""
    household = parse_household(HOUSEHOLD)
    tenants = [registry.get(c) for c in codes]
    (times,) = _latencies(
        [lambda: [evaluate(t, household, ON) for t in tenants]], ITERATIONS[len(codes)]
    )
    return median(times), percentile(times, 99)


def _body(codes: list[str]) -> dict[str, Any]:
    return {
        "query": COMPARE_QUERY,
        "variables": {"household": HOUSEHOLD, "tenants": codes, "asOf": ON.isoformat()},
    }


def run() -> list[dict[str, Any]]:
    if shutil.which("wrk") is None:
        return [row("compare", None, "", met=False, note="wrk is not installed")]
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-compare-") as tmp:
        folder = Path(tmp)
        registry, codes = synthetic_registry(folder / "tenants", also=REAL)
        sets = {3: list(REAL), SYNTHETIC: codes}
        engine = {n: _engine_p99(registry, c) for n, c in sets.items()}
        env = {"BANGFU_BENCH_SYNTHETIC_DIR": str(folder / "tenants")}
        with server(SYNTHETIC_APP, folder / "server.log", env) as (base, _):
            url = base + "/graphql"
            scripts = {}
            for n, chosen in sets.items():
                answer = _post(url, _body(chosen), timeout=30)
                if answer.get("errors") or len(answer["data"]["compare"]) != n:
                    raise RuntimeError(f"compare of {n} tenants failed: {json.dumps(answer)[:500]}")
                scripts[n] = lua_script(_body(chosen), folder)
                wrk(url, scripts[n], 1, 1, 2)  # warm-up
            runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sets}
            for _ in range(ROUNDS):
                for n in sets:
                    runs[n].append(wrk(url, scripts[n], 1, 1, SINGLE_S))
    rows = []
    for n, label in ((3, "3 tenants"), (SYNTHETIC, f"{SYNTHETIC} synthetic tenants")):
        p99 = [r["p99"] for r in runs[n]]
        bad = sum(r["errors"] + r["non_2xx"] for r in runs[n])
        rows += [
            row(
                f"compare, {label}, single client, p99",
                None,
                "ms",
                rounds=p99,
                baseline=engine[n][1],
                target=f"<= {TARGET_P99_MS[n]:g} ms",
                met=median(p99) <= TARGET_P99_MS[n] and bad == 0,
                note=(
                    f"over HTTP (uvicorn --workers 2, the product's app over {3 + SYNTHETIC} "
                    f"tenants), wrk -t1 -c1 for {SINGLE_S} s a round, {ROUNDS} interleaved "
                    f"rounds, every field asked; {bad} errors; baseline: the engine alone "
                    f"in-process for the {n} tenants, p99"
                ),
            ),
            row(
                f"compare, {label}, single client, p50",
                None,
                "ms",
                rounds=[r["p50"] for r in runs[n]],
                baseline=engine[n][0],
            ),
        ]
    return rows
