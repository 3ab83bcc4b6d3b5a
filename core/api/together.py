"""Concurrent ``evaluate`` requests evaluated together, as one batch.

The engine works on columns: evaluating sixteen households at once costs little more than
evaluating one (most of its cost is numpy calls and Python per rule, not per household).
Under load, a worker has many ``evaluate`` requests in flight at the same moment. When a
turn of the event loop brings more than one planned ``evaluate`` request
(:mod:`core.api.planned`), each hands its household to this worker's :class:`Together`
and waits; at the next turn, every household handed in meanwhile is evaluated in one
batch per (tenant, date, explained or not), and each request gets its own
:class:`~core.evaluation.Evaluation`.

Nothing waits on purpose. A request that comes alone (the only one of its turn, after a
turn with no more than one) is evaluated at once, exactly as before batching existed: a
single client pays nothing for it. Once requests come together, each waits for the end
of its turn only, and the batches grow with the load and shrink with it.

The answers are exactly those of each household alone, explanations included (the
conformance kit's ``explained-together`` invariant holds every tenant to that). A
household whose evaluation fails in a batch fails alone: the batch is then evaluated one
by one (:func:`core.evaluation.evaluate_each`).

``$BANGFU_EVALUATE_TOGETHER`` (default 64) caps the households of one batch; 1 evaluates
each request alone, in its own turn, as before batching existed.
"""

from __future__ import annotations

import asyncio
from datetime import date
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from core import settings
from core.evaluation import Evaluation, evaluate, evaluate_each
from core.model import Household
from core.registry import Tenant

#: Each running event loop's batches (a worker has one loop; tests start several).
_BY_LOOP: WeakKeyDictionary[asyncio.AbstractEventLoop, Together] = WeakKeyDictionary()


@cache
def limit() -> int:
    """The most households evaluated in one batch (``$BANGFU_EVALUATE_TOGETHER``), read
    once per process."""
    return settings.evaluate_together()


def batching() -> bool:
    """Whether requests may wait for their batch (the limit is above 1)."""
    return limit() > 1


class Together:
    """One event loop's ``evaluate`` requests: one that comes alone is evaluated at once,
    the others are gathered by batch until the end of their turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop, most: int) -> None:
        self.loop = loop
        self.most = most
        #: by (tenant, date, explained): the tenant, and each household with its future
        self.waiting: dict[tuple[int, date, bool], tuple[Tenant, list[Any]]] = {}
        self.due = False
        self.seen = 0  #: evaluate requests that came during this turn of the loop
        self.counting = False  #: the end of this turn is marked
        self.crowded = False  #: the last turn with requests had more than one
        self.alone = 0  #: households evaluated at once, having come alone
        self.batches = 0  #: batches evaluated so far
        self.households = 0  #: households evaluated in them
        self.largest = 0  #: the most households of one batch

    def evaluate(
        self, tenant: Tenant, household: Household, on: date, explain: bool
    ) -> Evaluation | asyncio.Future[Evaluation]:
        """The household's evaluation: at once when its request came alone, otherwise a
        future, with the others of this turn (:meth:`submit`)."""
        self.seen += 1
        if not self.counting:
            self.counting = True
            self.loop.call_soon(self._turn_over)
        if self.seen > 1 or self.crowded:
            return self.submit(tenant, household, on, explain)
        self.alone += 1
        return evaluate(tenant, household, on, explain)

    def _turn_over(self) -> None:
        self.crowded = self.seen > 1
        self.seen = 0
        self.counting = False

    def submit(
        self, tenant: Tenant, household: Household, on: date, explain: bool
    ) -> asyncio.Future[Evaluation]:
        """The household's evaluation, once its batch has run."""
        future = self.loop.create_future()
        key = (id(tenant), on, explain)  # the tenant itself: two registries may share codes
        found = self.waiting.get(key)
        if found is None:
            found = self.waiting[key] = (tenant, [])
        found[1].append((household, future))
        if not self.due:
            self.due = True
            self.loop.call_soon(self.run)
        return future

    def run(self) -> None:
        """Evaluate every batch handed in; each request gets its answer or its error."""
        waiting, self.waiting, self.due = self.waiting, {}, False
        for (_tenant, on, explain), (tenant, asked) in waiting.items():
            asked = [(h, f) for h, f in asked if not f.done()]  # not those given up
            for start in range(0, len(asked), self.most):
                self._answer(tenant, asked[start : start + self.most], on, explain)

    def _answer(self, tenant: Tenant, asked: list[Any], on: date, explain: bool) -> None:
        try:
            answers: list[Any] = evaluate_each(tenant, [h for h, _ in asked], on, explain)
        except Exception as exc:  # never leave a request waiting for ever
            answers = [exc] * len(asked)
        self.batches += 1
        self.households += len(asked)
        self.largest = max(self.largest, len(asked))
        for (_, future), answer in zip(asked, answers, strict=True):
            if future.done():
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)


def this_loop() -> Together:
    """The running event loop's batches."""
    loop = asyncio.get_running_loop()
    found = _BY_LOOP.get(loop)
    if found is None:
        found = _BY_LOOP[loop] = Together(loop, limit())
    return found


def evaluate_together(
    tenant: Tenant, household: Household, on: date, explain: bool
) -> Evaluation | asyncio.Future[Evaluation]:
    """The household's evaluation: at once when it comes alone, else a future, evaluated
    with the others of this turn of the event loop (call from within it)."""
    return this_loop().evaluate(tenant, household, on, explain)
