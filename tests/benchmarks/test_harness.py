"""The benchmark harness's pure functions (the benchmarks themselves are never run by
``make test``: they are timed, and this file is not)."""

from __future__ import annotations

import pytest
from rich.console import Console

from tests.benchmarks import (
    better_of,
    median,
    ratio_row,
    regressions,
    row,
    same_round_ratios,
    spread,
    worse_by,
)
from tests.benchmarks.__main__ import table
from tests.benchmarks.bench_http import others_share, parse_wrk


def test_a_row_reports_the_median_of_its_rounds_with_min_and_max():
    r = row("p99", None, "ms", rounds=[3.0, 1.0, 2.0, 9.0, 2.5], baseline=1.25)
    assert r["figure"] == 2.5  # the median, not the best (1.0) nor the mean
    assert (r["min"], r["max"]) == (1.0, 9.0)
    assert r["ratio"] == 2.0
    assert r["better"] == "lower"


def test_median_and_spread():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert spread([2, 7, 1]) == (1, 7)


UNITS = {
    "requests/s": "higher",
    "households/s": "higher",
    "share": "higher",
    "ms": "lower",
    "µs": "lower",
    "s": "lower",
    "MiB": "lower",
}


@pytest.mark.parametrize(("unit", "better"), UNITS.items())
def test_which_way_a_unit_improves(unit, better):
    assert better_of(unit) == better


def test_worse_by_reads_rates_and_costs_each_their_way():
    assert worse_by(80, 100, "higher") == pytest.approx(0.20)
    assert worse_by(120, 100, "higher") == pytest.approx(-0.20)
    assert worse_by(12, 10, "lower") == pytest.approx(0.20)
    assert worse_by(8, 10, "lower") == pytest.approx(-0.20)
    assert worse_by(5, 0, "lower") == 0.0  # nothing to be relative to


def _r(bench, name, figure, unit):
    return {"bench": bench, **row(name, figure, unit)}


def test_regressions_compare_same_run_ratios_never_absolute_times():
    """A time or a rate is compared through its ratio to a baseline measured in the same
    run (raw SQL, the hello route, a numpy pass, a control): a machine 1.8 times faster
    on the day of the committed run hides nothing, and a slower one flags nothing. A time
    without such a baseline is context; counts and same-run ratios compare as they are."""

    def timed(name, figure, unit, baseline):
        return {"bench": "casework", **row(name, figure, unit, baseline=baseline)}

    previous = [
        timed("transition", 4.0, "ms", 1.0),  # 4x raw SQL
        timed("open", 4.0, "ms", 1.0),
        _r("http", "rps", 1000.0, "requests/s"),  # no same-run baseline
        _r("http", "share", 0.40, "share"),
        _r("scale", "growth", 1.0, "growth"),
        _r("casework", "round trips", 4, "statements + commit"),
    ]
    current = [
        timed("transition", 6.0, "ms", 2.0),  # slower, on a slower machine: 3x raw SQL
        timed("open", 5.0, "ms", 1.0),  # 5x raw SQL, was 4x: 25% worse, flagged
        _r("http", "rps", 100.0, "requests/s"),  # a tenth, and no baseline: not compared
        _r("http", "share", 0.30, "share"),  # flagged: a same-run ratio
        _r("scale", "growth", 1.1, "growth"),  # within 20%
        _r("casework", "round trips", 6, "statements + commit"),  # a count: flagged
        {"bench": "http", **row("differs", 3, "households", better=None)},
    ]
    flagged = regressions(current, previous)
    assert [(r["bench"], r["name"]) for r in flagged] == [
        ("casework", "open"),
        ("http", "share"),
        ("casework", "round trips"),
    ]
    assert flagged[0]["previous"] == 4.0 and flagged[0]["worse_by"] == pytest.approx(0.25)
    assert regressions(current, previous, tolerance=0.6) == []


def test_a_ratio_row_is_the_median_of_same_round_ratios_not_a_ratio_of_medians():
    """Each round's two figures make one ratio; a disturbed round moves one ratio, not the
    whole figure (here the ratio of the medians would be 3.0 / 2.0 = 1.5)."""
    ours, baseline = [1.0, 10.0, 3.0], [1.0, 2.0, 3.0]
    r = ratio_row("ours / numpy pass", ours, baseline, better="lower")
    assert r["rounds"] == [1.0, 5.0, 1.0]
    assert r["figure"] == 1.0 and r["ratio"] == 1.0
    assert (r["min"], r["max"]) == (1.0, 5.0)
    assert r["unit"] == "x" and r["better"] == "lower"
    assert ratio_row("speed-up", [4.0], [1.0])["better"] == "higher"
    with pytest.raises(ValueError):
        same_round_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        same_round_ratios([], [])


def test_the_gate_compares_ratio_rows_as_they_are_each_its_way():
    """A same-run ratio is compared with the committed one whatever the machine: a cost
    over a baseline (lower is better) flagged when it grows, a speed-up when it falls."""

    def ratios(cost, speed_up):
        return [
            {"bench": "batch", **ratio_row("cost", [cost], [1.0], better="lower")},
            {"bench": "batch", **ratio_row("speed-up", [speed_up], [1.0])},
        ]

    flagged = regressions(ratios(1.4, 4.5), ratios(1.1, 4.6))
    assert [r["name"] for r in flagged] == ["cost"]
    assert flagged[0]["worse_by"] == pytest.approx(0.273, abs=0.001)
    flagged = regressions(ratios(1.0, 3.0), ratios(1.1, 4.6))
    assert [r["name"] for r in flagged] == ["speed-up"]


def test_the_table_shows_every_figure_with_its_target_met_and_regression():
    rows = [
        {"bench": "http", **row("p99", None, "ms", rounds=[1, 2, 3], target="<= 2 ms", met=True)},
        {"bench": "http", **row("rps", 790.0, "requests/s", target=">= 2,400", met=False)},
        {"bench": "http", **row("context", 5.0, "ms")},
    ]
    flagged = [rows[1] | {"previous": 1000.0, "worse_by": 0.21}]
    console = Console(width=250, record=True)
    console.print(table(rows, flagged))
    text = console.export_text()
    assert "1 - 3" in text and "<= 2 ms" in text
    assert "NOT MET" in text and " met " in text
    assert "21% worse than 1,000" in text
    assert "(none: context)" in text and "info" in text


WRK = """Running 10s test @ http://127.0.0.1:8000/graphql
  2 threads and 32 connections
  Latency Distribution
     50%    1.20ms
     75%    1.50ms
     90%  800.00us
     99%   12.50ms
  24000 requests in 10.00s, 30.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   2400.00
"""


def test_parse_wrk():
    out = parse_wrk(WRK)
    assert out["rps"] == 2400.0
    assert (out["p50"], out["p90"], out["p99"]) == (1.2, 0.8, 12.5)
    assert out["requests"] == 24000
    assert (out["errors"], out["non_2xx"]) == (3, 4)


def test_other_work_is_what_neither_servers_nor_wrk_used(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    run = {"machine_busy": 0.9, "wall_s": 10.0, "wrk_cpu_s": 2.0}
    assert others_share(run, server_cpu_s=10.0) == pytest.approx(0.3)  # 0.9 - 12 / 20
    assert others_share({"machine_busy": None}, 1.0) is None
