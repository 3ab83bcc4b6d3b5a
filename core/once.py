"""``once(work)``: a function that gives ``work()``, worked out on its first call and kept.

What ``functools.cache`` does for a function of no arguments, without copying the
wrapped function's name and documentation onto a new wrapper (``functools.update_wrapper``,
several microseconds): the case service makes such values for every file it answers
with, on the path of every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(work: Callable[[], T]) -> Callable[[], T]:
    kept: list[T] = []

    def value() -> T:
        if not kept:
            kept.append(work())
        return kept[0]

    return value
