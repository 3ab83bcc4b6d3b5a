"""What a job can be: each kind is a function of its parameters, run by a worker.

A job is data (its kind and JSON parameters), never code: whichever host takes it rebuilds
the work from those, with the tenants it has loaded itself. A kind is looked up here by
name, so the database can only ask a worker for work this code base defines.

A kind's function is ``run(params, context) -> dict`` (the result, JSON-ready):
``context.registry`` is the worker's tenants, ``context.principal`` the person who asked
(the job runs with their rights, checked again), ``context.session()`` a database session
and ``context.progress(n)`` adds ``n`` units of work done (``context.of(done, total)`` says
both, for work that learns its size as it goes). A refusal it raises
(:class:`core.errors.BangfuError`) is the job's failure, in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from sqlalchemy.orm import Session

from core.auth.principal import Principal
from core.db.session import session_factory
from core.errors import bad_input
from core.registry import Registry


@dataclass
class JobContext:
    registry: Registry
    principal: Principal
    database_url: str
    progress: Callable[[int], None]
    #: ``of(done, total)``: progress when the work learns its size as it goes
    of: Callable[[int, int], None]

    def session(self) -> Session:
        return session_factory(self.database_url)()


Run = Callable[[dict[str, Any], JobContext], dict[str, Any]]

#: The kinds Bangfu defines: name -> "module:function" (imported when first run).
BUILT_IN: dict[str, str] = {
    "simulation": "core.simulation.job_kinds:simulation",
    "reform": "core.simulation.job_kinds:reform",
    "payment_run": "core.funds.job_kinds:payment_run",
}
_registered: dict[str, Run] = {}


def register(name: str, run: Run) -> None:
    """Another kind (a test's, or an embedding application's), in this process."""
    _registered[name] = run


def known(name: str) -> bool:
    return name in _registered or name in BUILT_IN


def find(name: str) -> Run:
    run = _registered.get(name)
    if run is not None:
        return run
    path = BUILT_IN.get(name)
    if path is None:
        raise bad_input(f"no kind of job is called {name!r}", f"没有名为 {name!r} 的任务类型")
    module, function = path.split(":")
    run = _registered[name] = getattr(import_module(module), function)
    return run
