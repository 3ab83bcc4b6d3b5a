"""``compare``: one household under many tenants, across the 3 real tenants and across 34
synthetic provinces.

The 34 provinces are built in-process with :func:`core.registry.load_registry` from
synthetic plugins: each has its own code, parent ``national``, Hebei's rule functions and
a parameter folder of its own in a temporary directory (its own ``dibao.standard_monthly``
and medical-relief schedule, half of them read as marginal brackets). That is the shape
of a national deployment with a plugin per province.

Measured: the latency of the GraphQL ``compare`` query executed in-process by the schema
(``core.api.schema``; no HTTP), and, as the baseline, the engine alone
(:func:`core.evaluation.evaluate` for each tenant in turn). p50 and p99 over
:data:`ITERATIONS` calls after a warm-up.
"""

from __future__ import annotations

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
from tenants.hebei import eligibility as hebei_eligibility
from tenants.hebei import programmes as hebei_programmes
from tests.benchmarks import median, percentile, row

SYNTHETIC = 34
REAL = ("hebei", "gansu", "demo_city")
ITERATIONS = {3: 400, SYNTHETIC: 100}
WARMUP = 20
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
    def bangfu_eligibility(self, household, parameters):
        return hebei_eligibility.eligibility(household, parameters)

    @hookimpl
    def bangfu_programmes(self):
        return hebei_programmes.PROGRAMMES


def _rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def synthetic_folder(root: Path, i: int) -> Path:
    """Hebei's parameter files with this province's own figures."""
    folder = root / f"province_{i:02d}"
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


def synthetic_registry(root: Path) -> tuple[Registry, list[str]]:
    plugins = []
    for i in range(1, SYNTHETIC + 1):
        code = f"synthetic_{i:02d}"
        plugins.append((code, SyntheticProvince(code, synthetic_folder(root, i))))
    codes = [code for code, _ in plugins]
    registry = load_registry(only=codes, plugins=plugins)
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


def _graphql(registry: Registry, codes: list[str]) -> Callable[[], Any] | str:
    """A call of the ``compare`` query in-process, or why the API cannot be used."""
    try:
        from core.api.context import BangfuContext
        from core.api.schema import schema
    except ImportError as exc:
        return f"the GraphQL API is not available ({exc})"
    context = BangfuContext(registry=registry)
    variables = {"household": HOUSEHOLD, "tenants": codes, "asOf": ON.isoformat()}

    def call() -> Any:
        result = schema.execute_sync(
            COMPARE_QUERY, variable_values=variables, context_value=context
        )
        if result.errors:
            raise RuntimeError(f"compare failed: {result.errors}")
        if len(result.data["compare"]) != len(codes):
            raise RuntimeError("compare returned the wrong number of evaluations")
        return result

    return call


def _measure(label: str, registry: Registry, codes: list[str]) -> list[dict[str, Any]]:
    household = parse_household(HOUSEHOLD)
    tenants = [registry.get(c) for c in codes]
    iterations = ITERATIONS[len(codes)]

    def engine_call() -> Any:
        return [evaluate(t, household, ON) for t in tenants]

    graphql = _graphql(registry, codes)
    n = len(codes)
    if isinstance(graphql, str):
        (engine,) = _latencies([engine_call], iterations)
        return [
            row(
                f"{label}, engine only, p50",
                median(engine),
                "ms",
                note=f"{graphql}: measured core.evaluation.evaluate over the tenants instead",
            ),
            row(f"{label}, engine only, p99", percentile(engine, 99), "ms"),
        ]
    engine, api = _latencies([engine_call, graphql], iterations)
    return [
        row(
            f"{label}, GraphQL in-process, p50",
            median(api),
            "ms",
            baseline=median(engine),
            note=(
                f"{iterations} calls after {WARMUP} warm-up; baseline = core.evaluation.evaluate "
                f"for each of the {n} tenants in turn (no GraphQL)"
            ),
        ),
        row(
            f"{label}, GraphQL in-process, p99",
            percentile(api, 99),
            "ms",
            baseline=percentile(engine, 99),
        ),
        row(f"{label}, per tenant, p50", median(api) / n, "ms", baseline=median(engine) / n),
    ]


def run() -> list[dict[str, Any]]:
    rows = _measure("3 tenants", load_registry(only=list(REAL)), list(REAL))
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-tenants-") as tmp:
        registry, codes = synthetic_registry(Path(tmp))
        rows += _measure(f"{SYNTHETIC} synthetic tenants", registry, codes)
    return rows
