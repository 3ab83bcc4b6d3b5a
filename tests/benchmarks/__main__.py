"""``python -m tests.benchmarks [NAME ...]``: run the benchmarks, print a table, compare it
with the last committed results, write ``bench-results.json`` at the repository root.

Names: see :data:`BENCHES` (every one not :data:`ON_REQUEST` by default); ``soak`` (a
three-minute mixed load) runs only when named. A benchmark that cannot run here (no wrk,
no OpenFisca venv, a module another branch adds and this one lacks) says so instead of
failing the others.

Before each benchmark the machine's load average and how busy its CPUs were (over one
second, while none of ours ran) are printed and kept with its rows: other work on the
same cores shows there. The regression check compares each figure with the same figure in
``bench-results.json`` as last committed (``git show HEAD:bench-results.json``) and flags
any more than 20% worse; the exit status is 1 when one is flagged. A time or a rate is
compared only through its ratio to a baseline measured in the same run (the hello route,
raw SQL, a plain numpy pass, the control of the scale benchmark), never as an absolute
figure from another machine or day (:func:`tests.benchmarks.compared_value`).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from tests.benchmarks import (
    ROOT,
    TOLERANCE,
    busy_between,
    load_average,
    machine_cpu,
    regressions,
    row,
)

BENCHES = {
    "engine": "tests.benchmarks.bench_engine",
    "http": "tests.benchmarks.bench_http",
    "compare": "tests.benchmarks.bench_compare",
    "batch": "tests.benchmarks.bench_batch",
    "review": "tests.benchmarks.bench_review",
    # written on other branches; each is skipped where its module is not there yet
    "casework": "tests.benchmarks.bench_casework",
    "payments": "tests.benchmarks.bench_payments",
    "simulation": "tests.benchmarks.bench_simulation",
    "cost": "tests.benchmarks.bench_cost",  # hostile GraphQL before validation (issue 8)
    "observe": "tests.benchmarks.bench_observe",  # request metrics and log lines (issue 22)
    "verification": "tests.benchmarks.bench_verification",  # rosters against files (issue 23)
    "uploads": "tests.benchmarks.bench_uploads",  # uploads over their limits (issue 20)
    "scale": "tests.benchmarks.bench_scale",  # 10,000 realistic files and more (issue 24)
    "soak": "tests.benchmarks.soak",
}
OPTIONAL = {"review", "casework", "payments", "simulation"}
ON_REQUEST = {"soak"}  #: run only when named
RESULTS = ROOT / "bench-results.json"
RESULTS_NAME = "bench-results.json"


def _run_one(name: str, console: Console) -> list[dict[str, Any]]:
    module_name = BENCHES[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if name in OPTIONAL and exc.name == module_name:
            console.print(f"[yellow]{name}: {module_name} is not there; skipped[/]")
            return []
        return [_normal(_failed(exc), name)]
    except Exception as exc:
        return [_normal(_failed(exc), name)]
    console.rule(f"[bold]{name}")
    try:
        rows = list(module.run())
    except Exception as exc:
        rows = [_failed(exc)]
    return [_normal(r, name) for r in rows]


def _failed(exc: BaseException) -> dict[str, Any]:
    traceback.print_exception(exc)
    return row("failed", None, "", met=False, note=f"{type(exc).__name__}: {exc}")


def _normal(r: dict[str, Any], bench: str) -> dict[str, Any]:
    """A row with every key (modules written elsewhere may leave some out)."""
    out = row(
        str(r.get("name", "?")),
        r.get("figure"),
        str(r.get("unit", "")),
        baseline=r.get("baseline"),
        ratio=r.get("ratio"),
        target=r.get("target"),
        met=r.get("met"),
        note=str(r.get("note") or ""),
        better=r.get("better", "auto"),
    )
    out["min"], out["max"], out["rounds"] = r.get("min"), r.get("max"), r.get("rounds")
    return {"bench": bench, **out, **{k: v for k, v in r.items() if k not in out}}


def machine_state(seconds: float = 1.0) -> dict[str, Any]:
    """Load average and the share of the CPUs busy over ``seconds`` (none of ours running)."""
    start = machine_cpu()
    time.sleep(seconds)
    return {"load_average": load_average(), "cpu_busy": busy_between(start, machine_cpu())}


def _timed(name: str, console: Console) -> list[dict[str, Any]]:
    """The rows of one benchmark, each with how busy the machine was just before it ran."""
    state = machine_state()
    busy, load = state["cpu_busy"], state["load_average"]
    colour = "yellow" if busy is not None and busy > 0.25 else "dim"
    shown = "?" if busy is None else f"{busy:.0%}"
    console.print(
        f"[{colour}]{name}: before starting, the CPUs were {shown} busy with other work; "
        f"load average {load} on {os.cpu_count()} CPUs[/]"
    )
    start = time.perf_counter()
    rows = _run_one(name, console)
    console.print(f"{name}: {time.perf_counter() - start:.1f} s")
    return [r | {"cpu_busy_before": busy, "load_before": load} for r in rows]


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def met_text(met: bool | None, markup: bool = True) -> str:
    if met is None:
        return "info"
    if markup:
        return "[green]met[/]" if met else "[red]NOT MET[/]"
    return "met" if met else "NOT MET"


def table(rows: list[dict[str, Any]], flagged: list[dict[str, Any]] | None = None) -> Table:
    """Every figure with its min-max over the rounds, baseline, target, met, and how it
    compares with the last committed run."""
    worse = {(r["bench"], r["name"]): r for r in flagged or []}
    t = Table(title="Bangfu benchmarks (figure = median of the rounds)", show_lines=False)
    for column, justify in (
        ("bench", "left"),
        ("measure", "left"),
        ("median", "right"),
        ("min - max", "right"),
        ("unit", "left"),
        ("baseline", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("met", "center"),
        ("vs last commit", "left"),
    ):
        t.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        low, high = r.get("min"), r.get("max")
        regressed = worse.get((r["bench"], r["name"]))
        t.add_row(
            r["bench"],
            r["name"],
            fmt(r["figure"]),
            "" if low is None else f"{fmt(low)} - {fmt(high)}",
            r["unit"],
            fmt(r["baseline"]),
            "" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            r["target"] or "(none: context)",
            met_text(r["met"]),
            ""
            if regressed is None
            else f"[red]{regressed['worse_by']:.0%} worse than {fmt(regressed['previous'])}[/]",
        )
    return t


def committed_results() -> dict[str, Any] | None:
    """``bench-results.json`` as last committed, or None where there is none."""
    try:
        done = subprocess.run(
            ["git", "show", f"HEAD:{RESULTS_NAME}"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip()
    except OSError:
        return ""


def main(argv: list[str]) -> int:
    names = argv or [n for n in BENCHES if n not in ON_REQUEST]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
        return 2
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    rows: list[dict[str, Any]] = []
    when = datetime.now(UTC).isoformat(timespec="seconds")
    for name in names:
        rows += [r | {"when": when} for r in _timed(name, console)]
    last = committed_results()
    flagged = regressions(rows, last["results"]) if last else []
    console.print(table(rows, flagged))
    for r in rows:
        if r.get("note"):
            console.print(f"[dim]- {r['bench']} / {r['name']}: {r['note']}[/]")
    if last is None:
        console.print(f"[yellow]no committed {RESULTS_NAME}: nothing to compare with[/]")
    else:
        console.print(
            f"compared with {RESULTS_NAME} of commit {last.get('commit') or '?'} "
            f"({last.get('when') or '?'}): {len(flagged)} figure(s) more than "
            f"{TOLERANCE:.0%} worse"
        )
        for r in flagged:
            console.print(
                f"[red]REGRESSION {r['bench']} / {r['name']}: {fmt(r['figure'])} {r['unit']}, "
                f"was {fmt(r['previous'])} ({r['worse_by']:.0%} worse)[/]"
            )
    not_met = [r for r in rows if r["met"] is False]
    console.print(
        f"{sum(r['met'] is True for r in rows)} target(s) met, {len(not_met)} not met"
        + "".join(f"\n  not met: {r['bench']} / {r['name']}" for r in not_met)
    )
    # benchmarks not run this time keep their last committed rows (each row says when)
    kept = [r for r in (last or {}).get("results", []) if r.get("bench") not in names]
    RESULTS.write_text(
        json.dumps(
            {
                "when": when,
                "commit": _commit(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_at_end": load_average(),
                },
                "benchmarks": names,
                "results": rows + kept,
                "regressions": [
                    {k: r[k] for k in ("bench", "name", "figure", "previous", "worse_by")}
                    for r in flagged
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
