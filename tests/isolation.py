"""What one test may not leave behind for the next, in this process.

``bangfu serve`` configures logging for its whole process (:func:`core.observe.configure_logging`,
and uvicorn again when its configuration is built), and it puts the database URL and the key
file into ``os.environ`` for the workers it starts. That is right for a server; in the test
process it outlived the test that called it: every later ``bangfu`` command run in process
wrote JSON log lines (alembic's, at INFO) among its answer, and the tests that read a token
or a JSON answer from it failed, but only when a server test had run first.

The suite's fixture (``tests/conftest.py``) takes a :func:`snapshot` before each test and
:func:`restore` after it: logging as it was, silently (building a uvicorn configuration is
enough to change it), and ``BANGFU_*`` variables as they were, naming any the test changed
without ``monkeypatch``, so that such a test is fixed instead of passing on.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

PREFIX = "BANGFU_"
_FRESH = ((), logging.NOTSET, True, False, ())  # a logger nobody configured


def _pytests(handler: logging.Handler) -> bool:
    """pytest's own capturing handlers, which it adds and removes around each phase."""
    return type(handler).__module__.startswith("_pytest")


def _loggers() -> dict[str, logging.Logger]:
    found = {
        name: logger
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    return {"": logging.root, **found}


def _state(logger: logging.Logger) -> tuple[Any, ...]:
    handlers = tuple(h for h in logger.handlers if not _pytests(h))
    return (handlers, logger.level, logger.propagate, logger.disabled, tuple(logger.filters))


@dataclass(frozen=True)
class Snapshot:
    loggers: dict[str, tuple[Any, ...]]
    environ: dict[str, str]


def snapshot() -> Snapshot:
    environ = {k: v for k, v in os.environ.items() if k.startswith(PREFIX)}
    return Snapshot({name: _state(lg) for name, lg in _loggers().items()}, environ)


def restore(before: Snapshot) -> list[str]:
    """Put logging and the ``BANGFU_*`` variables back as they were; the variables that
    had changed (for the caller to complain about)."""
    for name, logger in _loggers().items():
        state = before.loggers.get(name, _FRESH)
        if _state(logger) == state:
            continue
        handlers, level, propagate, disabled, filters = state
        logger.handlers[:] = [h for h in logger.handlers if _pytests(h)] + list(handlers)
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled
        logger.filters[:] = list(filters)
    changed = []
    now = {k: v for k, v in os.environ.items() if k.startswith(PREFIX)}
    for name in sorted(set(now) | set(before.environ)):
        if now.get(name) == before.environ.get(name):
            continue
        changed.append(name)
        if name in before.environ:
            os.environ[name] = before.environ[name]
        else:
            del os.environ[name]
    return changed
