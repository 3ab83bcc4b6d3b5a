"""Calling a tenant's hooks on the evaluation's hot path.

pluggy stays the registry: it validates every plugin's hooks against :mod:`core.hookspecs`
and orders the implementations. What it costs per call (building the argument list,
``_multicall``'s wrapper bookkeeping) is small but paid six times in every single
evaluation. A tenant's stack never changes once loaded, so :class:`HookCall` reads
pluggy's ordered implementations once and then calls them as pluggy would:

* most specific plugin first (pluggy calls the last registered first, respecting
  ``tryfirst``/``trylast``), each with the arguments it names;
* ``firstresult`` hooks stop at the first answer that is not ``None``; the others collect
  every answer that is not ``None``.

A stack with a hook wrapper (old or new style) is called through pluggy itself, so that
wrappers keep their full semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy


class HookCall:
    """One hook of one plugin manager, callable with a dict of keyword arguments."""

    __slots__ = ("firstresult", "impls", "name", "pluggy_caller")

    def __init__(self, pm: pluggy.PluginManager, name: str) -> None:
        caller = getattr(pm.hook, name)
        self.name = name
        self.firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))
        implementations = caller.get_hookimpls()
        wrapped = any(i.hookwrapper or getattr(i, "wrapper", False) for i in implementations)
        self.pluggy_caller: Callable[..., Any] | None = caller if wrapped else None
        # pluggy calls in reverse registration order
        self.impls = tuple((i.function, tuple(i.argnames)) for i in reversed(implementations))

    def __call__(self, arguments: dict[str, Any]) -> Any:
        if self.pluggy_caller is not None:
            return self.pluggy_caller(**arguments)
        if self.firstresult:
            for function, names in self.impls:
                answer = function(*[arguments[n] for n in names])
                if answer is not None:
                    return answer
            return None
        answers = []
        for function, names in self.impls:
            answer = function(*[arguments[n] for n in names])
            if answer is not None:
                answers.append(answer)
        return answers
