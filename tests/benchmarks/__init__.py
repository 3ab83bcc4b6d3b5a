"""Benchmarks (``make bench``): not tests, never run by ``make test``.

Each ``bench_*`` module has a ``run()`` that returns rows (:func:`row`): a figure (the
median of its rounds, with their min and max), its unit, the baseline it is compared
with, the ratio, the target and whether it is met. ``python -m tests.benchmarks [NAME ...]``
runs them (every one by default), prints a table, compares it with the last committed
results (``bench-results.json`` at ``HEAD``: any figure more than :data:`TOLERANCE` worse is
flagged, a time or a rate only through its ratio to a baseline of the same run) and writes
``bench-results.json`` at the repository root.

* ``engine``  one household through the engine, in-process: CPU per evaluation.
* ``http``    ``evaluate`` over HTTP with wrk, against a hello-JSON route served the same
  way in the same run (the physical limit of the stack).
* ``compare`` ``compare`` over HTTP, through the server's own path: 3 tenants and 34
  synthetic provinces.
* ``batch``   1,000,000 synthetic households under Hebei, in interleaved rounds against a
  plain numpy pass of the same rules and OpenFisca-core running them on the same
  households, built through its ``SimulationBuilder`` and lean (OpenFisca lives in
  ``.venv-bench`` only); every ratio is the median of the same-round ratios.
* ``review``  the periodic review of 100,000 open files, end to end.
* ``payments`` a 100,000-file payment run (清册) and its approval, SQLite and PostgreSQL,
  against a raw-SQL insert of the same payment rows.
* ``scale``   10,000 realistic files (``bangfu demo``) and 100,000 or 1,000,000 more
  (``BANGFU_BENCH_SCALE_SIZES``, ``make bench-million``): every request timed against a
  control doing the same work at every size (GraphQL ``cases`` first 50), growth per control.
* ``simulation`` 1,000,000 households under every tenant (households x tenants per
  second, target 10 s), streamed from Parquet, and on a two-worker Dask LocalCluster.

The pure functions here (:func:`median`, :func:`spread`, :func:`regressions` ...) are
unit-tested in ``tests/benchmarks/test_harness.py``; the benchmarks themselves are not.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.20  #: a figure this much worse than the last committed one is flagged
MIN_ROUNDS = 3

#: Units where more is better; every other unit with a figure is a cost (less is better).
HIGHER_IS_BETTER = ("/s", "x", "share")


def better_of(unit: str) -> str:
    """``"higher"`` or ``"lower"``: which way the unit improves."""
    return "higher" if unit.endswith(HIGHER_IS_BETTER) else "lower"


def row(
    name: str,
    figure: float | int | None,
    unit: str,
    *,
    baseline: float | int | None = None,
    ratio: float | None = None,
    target: str | None = None,
    met: bool | None = None,
    note: str = "",
    rounds: Sequence[float] | None = None,
    better: str | None = "auto",
) -> dict[str, Any]:
    """One line of the results: what was measured, against what, and whether it passes.

    With ``rounds``, the figure is their median and ``min``/``max`` are kept. ``better``:
    ``"higher"``, ``"lower"`` (default: from the unit), or None for a figure the
    regression check leaves alone (a count that should stay 0, a note).
    """
    low = high = None
    if rounds:
        figure = median(list(rounds))
        low, high = spread(rounds)
    if ratio is None and figure is not None and baseline:
        ratio = figure / baseline
    if better == "auto":
        better = better_of(unit) if figure is not None else None
    return {
        "name": name,
        "figure": figure,
        "min": low,
        "max": high,
        "rounds": None if rounds is None else [float(r) for r in rounds],
        "unit": unit,
        "baseline": baseline,
        "ratio": None if ratio is None else round(ratio, 3),
        "target": target,
        "met": met,
        "better": better,
        "note": note,
    }


def same_round_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Each round's ratio of two figures measured in that round (``numerators[i] /
    denominators[i]``): what other work on the machine changes least, as both sides of a
    ratio ran minutes apart at most, under the same load."""
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError("a same-round ratio needs as many figures on each side, at least one")
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def ratio_row(
    name: str,
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    better: str = "higher",
    target: str | None = None,
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """A row whose figure is the median of the same-round ratios (:func:`same_round_ratios`),
    with their min and max, unit ``x``: never a ratio of two medians taken from different
    rounds. The regression check compares it as it is (a ratio of the same run); ``better``
    says which way it improves ("lower" for a cost over a baseline, "higher" for a speed-up)."""
    ratios = same_round_ratios(numerators, denominators)
    out = row(name, None, "x", rounds=ratios, target=target, met=met, note=note, better=better)
    out["ratio"] = round(out["figure"], 3)
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Iterable[float]) -> tuple[float, float]:
    """(min, max) of the rounds."""
    listed = list(values)
    return min(listed), max(listed)


def worse_by(figure: float, previous: float, better: str) -> float:
    """How much worse ``figure`` is than ``previous`` (0.25: 25% worse; negative: better).

    For a rate (higher is better) a fall from 100 to 80 is 20% worse; for a cost (lower is
    better) a rise from 10 to 12 ms is 20% worse."""
    if previous == 0:
        return 0.0
    change = (figure - previous) / abs(previous)
    return -change if better == "higher" else change


#: Units of an absolute time or rate: they depend on the machine and the day, and are
#: compared only through their ratio to a baseline measured in the same run.
TIME_UNITS = ("ns", "µs", "us", "ms", "s", "min")


def is_time_or_rate(unit: str) -> bool:
    return unit in TIME_UNITS or unit.endswith("/s")


def compared_value(r: dict[str, Any]) -> float | None:
    """What the regression check compares of a row: a time or a rate through its ratio to
    the same run's baseline (raw SQL, the hello route, a numpy pass, a control), never
    as it is (another machine, another day); None when it has no such baseline. Counts
    and same-run ratios (shares, growth per control) as they are."""
    if r.get("figure") is None:
        return None
    if is_time_or_rate(str(r.get("unit") or "")):
        ratio = r.get("ratio")
        return None if ratio is None or not r.get("baseline") else float(ratio)
    return float(r["figure"])


def regressions(
    current: list[dict[str, Any]],
    previous: list[dict[str, Any]],
    tolerance: float = TOLERANCE,
) -> list[dict[str, Any]]:
    """Rows of ``current`` more than ``tolerance`` worse than the same row (same bench,
    same measure) of ``previous``; each with ``previous`` and ``worse_by`` added.

    Compared: :func:`compared_value` (a time only against its same-run baseline). Rows
    without one, without a direction (``better`` None) or without a match in
    ``previous`` are not compared."""
    before = {(r.get("bench"), r.get("name")): r for r in previous if r.get("figure") is not None}
    flagged = []
    for r in current:
        old = before.get((r.get("bench"), r.get("name")))
        if old is None or not r.get("better"):
            continue
        now, then = compared_value(r), compared_value(old)
        if now is None or then is None:
            continue
        worse = worse_by(now, then, r["better"])
        if worse > tolerance:
            flagged.append(r | {"previous": old["figure"], "worse_by": round(worse, 3)})
    return flagged


def machine_cpu() -> tuple[int, int] | None:
    """(total, idle) CPU jiffies of the whole machine so far (None off Linux)."""
    try:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(values), values[3] + values[4]  # idle + iowait


def busy_between(start: tuple[int, int] | None, end: tuple[int, int] | None) -> float | None:
    """Share of the machine's CPU time that was busy between two :func:`machine_cpu`."""
    if start is None or end is None or end[0] <= start[0]:
        return None
    return round(1 - (end[1] - start[1]) / (end[0] - start[0]), 3)


def load_average() -> tuple[float, float, float] | None:
    try:
        return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]
    except OSError:
        return None
