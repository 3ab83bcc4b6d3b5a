"""Frozen value objects that are cheap to build.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__`` and costs about twice a plain object. Rules and the evaluation
build dozens of small results (criteria, grants, reasons, entitlements) for every
household, so :func:`quick_init` gives such classes an ``__init__`` that writes the fields
straight into the instance. Everything else stays the dataclass's own: equality, hashing,
``repr``, ``dataclasses.replace``, and assignment still raising ``FrozenInstanceError``.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any


def quick_init(cls: type) -> type:
    """Give a frozen dataclass an ``__init__`` that writes its fields straight into the
    instance: a frozen dataclass's own ``__init__`` goes through ``object.__setattr__``
    field by field and costs twice a plain object, and a single evaluation builds dozens
    of criteria and grants. The instances stay frozen (assignment still raises)."""
    names, defaults = [], {}
    for f in fields(cls):
        if f.default is not MISSING:
            defaults[f"_default_{f.name}"] = f.default
            names.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: a default factory is not supported")
        else:
            names.append(f.name)
    body = "".join(f"    d[{f.name!r}] = {f.name}\n" for f in fields(cls))
    source = f"def __init__(self, {', '.join(names)}):\n    d = self.__dict__\n{body}"
    namespace: dict[str, Any] = {}
    exec(source, defaults, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls
