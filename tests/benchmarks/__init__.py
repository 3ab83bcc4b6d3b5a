"""Benchmarks of the rules engine (``make bench``): not tests, never run by ``make test``.

Each ``bench_*`` module has a ``run()`` that returns rows (:func:`row`): a figure, its
unit, the baseline it is compared with, the ratio, the target and whether it is met.
``python -m tests.benchmarks [batch] [http] [compare] [review]`` runs them (all by
default), prints a table and writes ``bench-results.json`` at the repository root.

* ``batch``   1,000,000 synthetic households under Hebei, against OpenFisca-core running
  the same rules on the same households (OpenFisca lives in ``.venv-bench`` only).
* ``http``    ``evaluate`` over HTTP on loopback with wrk, against a plain Litestar route.
* ``compare`` ``compare`` across the three tenants and across 34 synthetic provinces.
* ``review``  the review benchmark, when ``bench_review.py`` is present.
* ``simulation`` 1,000,000 households under every tenant (households x tenants per
  second, target 10 s), streamed from Parquet, and on a two-worker Dask LocalCluster.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


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
) -> dict[str, Any]:
    """One line of the results: what was measured, against what, and whether it passes."""
    if ratio is None and figure is not None and baseline:
        ratio = figure / baseline
    return {
        "name": name,
        "figure": figure,
        "unit": unit,
        "baseline": baseline,
        "ratio": None if ratio is None else round(ratio, 3),
        "target": target,
        "met": met,
        "note": note,
    }


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)
