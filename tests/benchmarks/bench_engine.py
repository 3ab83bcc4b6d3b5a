"""One household, in-process: what the engine and the API layer cost in CPU.

The household is the HTTP benchmark's (an H1-like Hebei household: seriously ill, 30,000
yuan out of pocket, 24,000 yuan of income). Each figure is CPU time (``process_time``) per
call over :data:`CALLS` calls, :data:`ROUNDS` rounds interleaved, the median reported with
min and max. CPU time rather than wall time: other work on the machine changes it least.

* the engine, :func:`core.evaluation.evaluate` (explanations included): the target;
* the engine without explanations (what a query not selecting them now costs);
* one whole GraphQL request in-process on the server's own path
  (:func:`core.api.view.answer_directly`: the plan, the variables, the engine, the
  answer), for the benchmark's full query and its lean one; the baseline is the engine, so
  the difference is the API layer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from strawberry.http import GraphQLRequestData

from core.api.context import BangfuContext
from core.api.view import answer_directly
from core.evaluation import evaluate, evaluate_many
from core.facts import HouseholdFacts
from core.model import parse_household
from core.registry import load_registry
from tests.benchmarks import MIN_ROUNDS, median, row
from tests.benchmarks.bench_http import GRAPHQL_BODY, HOUSEHOLD, LEAN_BODY

ROUNDS = max(MIN_ROUNDS, 5)
CALLS = 2000
WARMUP = 200
ON = date(2026, 6, 1)
TARGET_ENGINE_US = 150.0
TOGETHER = 16  #: households evaluated together, as a loaded worker's batch


def cpu_per_call(calls: dict[str, Callable[[], Any]]) -> dict[str, list[float]]:
    """µs of CPU per call of each, for each round; the rounds interleave the calls."""
    for call in calls.values():
        for _ in range(WARMUP):
            call()
    out: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            start = time.process_time()
            for _ in range(CALLS):
                call()
            out[name].append((time.process_time() - start) * 1e6 / CALLS)
    return out


def _request(body: dict[str, Any]) -> GraphQLRequestData:
    return GraphQLRequestData(
        query=body["query"], variables=body["variables"], operation_name=None, extensions=None
    )


def run() -> list[dict[str, Any]]:
    registry = load_registry()
    tenant = registry.get("hebei")
    household = parse_household(HOUSEHOLD)
    context = BangfuContext(registry=registry)
    full, lean = _request(GRAPHQL_BODY), _request(LEAN_BODY)

    def api(request: GraphQLRequestData) -> Callable[[], Any]:
        def call() -> Any:
            answer = answer_directly(request, context, None)
            if answer is None or answer.errors:
                raise RuntimeError(f"the planned request failed: {answer}")
            return answer

        return call

    times = cpu_per_call(
        {
            "engine": lambda: evaluate(tenant, household, ON),
            "lean engine": lambda: evaluate(tenant, household, ON, explain=False),
            "facts": lambda: HouseholdFacts.of(household),
            "together": lambda: evaluate_many(tenant, [household] * TOGETHER, ON, explain=True),
            "api full": api(full),
            "api lean": api(lean),
        }
    )
    engine = median(times["engine"])
    setup = (
        f"CPU time per call, {CALLS} calls x {ROUNDS} interleaved rounds after {WARMUP} "
        "warm-up calls; Hebei, one member, seriously ill"
    )
    return [
        row(
            "engine CPU for one household (evaluate, with explanations)",
            None,
            "µs",
            rounds=times["engine"],
            target=f"<= {TARGET_ENGINE_US:g} µs",
            met=engine <= TARGET_ENGINE_US,
            note=setup,
        ),
        row(
            "engine CPU for one household, without explanations",
            None,
            "µs",
            rounds=times["lean engine"],
            target=f"(<= {TARGET_ENGINE_US:g} µs)",
            met=None,
            note="evaluate(..., explain=False): what a query not selecting "
            "explanations costs the engine",
        ),
        row(
            f"engine CPU a household, {TOGETHER} evaluated together, with explanations",
            None,
            "µs",
            rounds=[t / TOGETHER for t in times["together"]],
            baseline=engine,
            note="evaluate_many(..., explain=True), as concurrent requests are evaluated "
            "(core.api.together): each household a row of its own, explained; baseline: "
            "one household alone",
        ),
        row(
            "of which the facts of one household (HouseholdFacts.of)",
            None,
            "µs",
            rounds=times["facts"],
        ),
        row(
            "whole GraphQL request in-process, every field",
            None,
            "µs",
            rounds=times["api full"],
            baseline=engine,
            note="core.api.view.answer_directly (plan, variables, engine, answer); "
            "baseline: the engine alone, so the difference is the API layer",
        ),
        row(
            "whole GraphQL request in-process, lean selection",
            None,
            "µs",
            rounds=times["api lean"],
            baseline=engine,
            note="eligible, category, entitlements { programme amount period }: "
            "no explanations built",
        ),
    ]
