"""What counting and logging every request costs the short way (``core.observe``).

The same anonymous ``evaluate`` (the HTTP benchmark's household, answered by
:mod:`core.api.lane`) against two servers on 2 workers each, alternated round by round in
one run: the product as served (metrics in prometheus-client's multiprocess mode on
``$BANGFU_METRICS_ADDRESS``, one JSON log line a request at INFO) and the same app without
the observing middleware. The figure is the ratio of their requests/s (median of rounds).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from tests.benchmarks import row
from tests.benchmarks.bench_http import GRAPHQL_BODY, free_port, lua_script, server, wrk

ROUNDS = 5
SECONDS = 4
CONNECTIONS = 16


def run() -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-observe-"))
    script = lua_script(GRAPHQL_BODY, folder)
    observed_env = {
        "BANGFU_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "BANGFU_LOG_FORMAT": "json",
    }
    with (
        server("core.api.app:create_app", folder / "observed.log", observed_env, "info") as (
            on,
            _,
        ),
        server("tests.benchmarks.unobserved_app:create_app", folder / "plain.log") as (off, _),
    ):
        with_rps, without_rps = [], []
        for _ in range(ROUNDS):
            without_rps.append(wrk(off + "/graphql", script, 2, CONNECTIONS, SECONDS)["rps"])
            with_rps.append(wrk(on + "/graphql", script, 2, CONNECTIONS, SECONDS)["rps"])
    ratios = [w / o for w, o in zip(with_rps, without_rps, strict=True)]
    ratio = statistics.median(ratios)
    return [
        row(
            "lane evaluate rps, metrics and JSON request lines on / off, same rounds",
            round(ratio, 3),
            "x",
            rounds=[round(r, 3) for r in ratios],
            target=">= 0.9",
            met=ratio >= 0.9,
            note=f"on {statistics.median(with_rps):.0f} / off {statistics.median(without_rps):.0f} "
            "req/s (medians), 2 workers, c=16",
        )
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
