"""``ByIdentity``: a bounded memo of values worked out for an object (a tenant, a registry),
keyed by that object's identity.

An ``id()`` is an address: once its object is freed, the next object may get the same one.
A memo keyed by ``id(tenant)`` alone would then answer a new tenant with an old tenant's
value. ``ByIdentity`` keeps each object beside its values, so no id it holds can be handed
on while they are remembered, and it forgets everything past ``limit`` entries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._kept: dict[tuple[int, Hashable], tuple[object, V]] = {}
        self._lock = threading.RLock()

    def get(self, owner: object, key: Hashable, make: Callable[[], V]) -> V:
        """The value for ``owner`` and ``key``: made by ``make()`` on first asking, then
        kept. Threads asking at once wait for the one making it."""
        found = self._kept.get((id(owner), key))
        if found is not None:
            return found[1]
        with self._lock:
            found = self._kept.get((id(owner), key))
            if found is None:
                if len(self._kept) >= self.limit:
                    self._kept.clear()
                found = self._kept[(id(owner), key)] = (owner, make())
        return found[1]

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
