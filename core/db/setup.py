"""Getting a database ready to serve: migrate it, and fill an empty one with demo data.

``bangfu serve`` calls :func:`prepare_database` before it listens, so a fresh clone
serves a working demonstration on SQLite without any other step.
"""

from __future__ import annotations

import logging

from core.db.migrate import upgrade
from core.db.repositories import has_cases
from core.db.session import session_factory

log = logging.getLogger("bangfu.db")


def prepare_database(url: str, demo: bool = True) -> bool:
    """Upgrade ``url`` to the newest migration; when ``demo`` and no case exists yet, load
    the demo files (:mod:`core.demo`). True when demo data was loaded."""
    upgrade(url)
    if not demo:
        return False
    with session_factory(url)() as session:
        if has_cases(session):
            return False
        from core.demo import load_demo
        from core.registry import load_registry

        created = load_demo(session, load_registry())
        log.info("loaded %d demo case files", created)
        return created > 0
