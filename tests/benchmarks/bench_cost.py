"""``cost``: what a hostile query costs a worker before it is refused (issue 8, section 7).

The finding: one anonymous 10 KB query of 490 copies of a field cost about a second of
CPU in graphql-core's validation (its overlapping-fields rule is quadratic). The cost
limit (:func:`core.api.limits.cost_problem`) now refuses it after parsing, before any
validation. Measured, each a fresh text (so no cache helps), median of a few runs:

* the refusal of the 490-field query through :func:`core.api.limits.prepare` (parse and
  count; parsing, bounded by the token limit, is nearly all of it), against graphql-core's
  validation of the same document (the former cost), and the count alone;
* the widest query the limits let through (40 fields wide, 200 in all), parsed and
  validated: the most one anonymous request can now cost in validation (about 20 times
  an honest evaluation query).
"""

from __future__ import annotations

import time
from typing import Any

from graphql import parse, validate

from core.api import limits
from core.api.schema import schema
from tests.benchmarks import median, row

RUNS = 5


def _timed(action: Any) -> float:
    times = []
    for _ in range(RUNS):
        limits.prepare.cache_clear()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def run() -> list[dict[str, Any]]:
    graphql_schema = schema._schema
    hostile = "{ " + " ".join(["tenants { code }"] * 490) + " }"
    widest = "{ " + " ".join(["tenants { code code code code }"] * 40) + " }"
    refused = _timed(lambda: limits.prepare(graphql_schema, hostile, limits.SERVED_RULES))
    assert limits.prepare(graphql_schema, hostile, limits.SERVED_RULES).problems
    document = parse(hostile)
    counting = _timed(lambda: limits.cost_problem(document))
    before = _timed(lambda: validate(graphql_schema, document, limits.SERVED_RULES))
    allowed = _timed(lambda: limits.prepare(graphql_schema, widest, limits.SERVED_RULES))
    assert not limits.prepare(graphql_schema, widest, limits.SERVED_RULES).problems
    return [
        row(
            "490 overlapping fields: refused (parse + count)",
            round(refused, 2),
            "ms",
            baseline=round(before, 2),
            target="<= 0.1x validation",
            met=refused <= 0.1 * before,
            note="baseline: graphql-core validating the same document (the former cost)",
        ),
        row(
            "490 overlapping fields: the count alone",
            round(counting, 3),
            "ms",
            target="<= 1 ms",
            met=counting <= 1,
        ),
        row(
            "widest query allowed (40 x 5 fields): parse + validate",
            round(allowed, 2),
            "ms",
            target="<= 0.05x the 490-field validation",
            met=allowed <= 0.05 * before,
        ),
    ]
