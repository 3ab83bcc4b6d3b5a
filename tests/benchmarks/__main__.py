"""``python -m tests.benchmarks [NAME ...]``: run the benchmarks, print a table, write
``bench-results.json`` at the repository root.

Names: ``batch``, ``http``, ``compare``, ``review``, ``simulation`` (every one by default), and ``soak``
(a three-minute mixed load, only when named). A benchmark that cannot run here (no wrk, no
OpenFisca venv, no review module) says so in its row instead of failing the others.
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
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tests.benchmarks import ROOT, row

BENCHES = {
    "batch": "tests.benchmarks.bench_batch",
    "http": "tests.benchmarks.bench_http",
    "compare": "tests.benchmarks.bench_compare",
    "review": "tests.benchmarks.bench_review",  # written separately; optional
    "simulation": "tests.benchmarks.bench_simulation",  # national simulation throughput
    "soak": "tests.benchmarks.soak",
}
OPTIONAL = {"review"}
ON_REQUEST = {"soak"}  #: run only when named
RESULTS = ROOT / "bench-results.json"


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
    )
    return {"bench": bench, **out, **{k: v for k, v in r.items() if k not in out}}


def busy_share(seconds: float = 1.0) -> float | None:
    """Share of the machine's CPU time busy over ``seconds``, measured while none of ours
    runs: other work on the same cores (None where /proc/stat cannot be read)."""

    def sample() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return round(1 - (idle1 - idle0) / max(total1 - total0, 1), 3)


def _timed(name: str, console: Console) -> list[dict[str, Any]]:
    """The rows of one benchmark, each with how busy the machine was just before it ran
    (other sessions may share the cores; their work shows there)."""
    busy = busy_share()
    if busy is not None and busy > 0.25:
        console.print(
            f"[yellow]{name}: the CPUs were {busy:.0%} busy with other work before "
            "starting: figures may suffer[/]"
        )
    start = time.perf_counter()
    rows = _run_one(name, console)
    console.print(f"{name}: {time.perf_counter() - start:.1f} s")
    return [r | {"cpu_busy_before": busy} for r in rows]


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> Table:
    t = Table(title="Bangfu benchmarks", show_lines=False)
    for column, justify in (
        ("bench", "left"),
        ("measure", "left"),
        ("figure", "right"),
        ("unit", "left"),
        ("baseline", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("met", "center"),
    ):
        t.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        met = {True: "[green]yes[/]", False: "[red]NO[/]", None: ""}[r["met"]]
        t.add_row(
            r["bench"],
            r["name"],
            _fmt(r["figure"]),
            r["unit"],
            _fmt(r["baseline"]),
            "" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            r["target"] or "",
            met,
        )
    return t


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
        console = Console(width=160)
    rows: list[dict[str, Any]] = []
    for name in names:
        rows += _timed(name, console)
    console.print(table(rows))
    for r in rows:
        if r.get("note"):
            console.print(f"[dim]- {r['bench']} / {r['name']}: {r['note']}[/]")
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": _commit(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "benchmarks": names,
                "results": rows,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
