"""On SQLite, published policy never waits for a held write lock.

The finding: while another process held SQLite's write lock, anonymous ``tenants`` and
``evaluate`` queries stalled 9.8 s. They read no database; they waited because an
authenticated request in the same worker waited for the lock (up to the 10 s busy
timeout) inside the event loop. Case work now waits in a thread of its own."""

from __future__ import annotations

import sqlite3
import threading

import anyio
import httpx
import pytest
from sqlalchemy.engine import make_url

from core.auth.tokens import issue_token
from core.db.request import STATE_KEY
from core.db.session import session_factory
from tests.api.conftest import EVALUATE, ill_household
from tests.casefile_samples import ILL

OPEN = """mutation($h: HouseholdInput!) { openCase(tenant: "hebei", household: $h) { id } }"""


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    from core.db.testing import sqlite_database

    with sqlite_database(sqlite_template, tmp_path) as url:
        yield url


def test_published_policy_is_answered_while_case_work_waits_for_the_lock(app, sqlite_url):
    with session_factory(sqlite_url)() as session:
        token = issue_token(session, "hebei", "caseworker", "wang", {"hebei"})
    app.state[STATE_KEY] = sqlite_url
    held, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:  # another process's long write
        connection = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(timeout=8)
        connection.execute("ROLLBACK")
        connection.close()
        held.clear()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert held.wait(timeout=5)
    answered_while_locked: list[bool] = []
    opened: list[int] = []

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def case_work() -> None:
                response = await client.post(
                    "/graphql",
                    json={"query": OPEN, "variables": {"h": ILL}},
                    headers={"authorization": f"Bearer {token}"},
                    timeout=30,
                )
                opened.append(response.status_code)

            async with anyio.create_task_group() as group:
                group.start_soon(case_work)
                await anyio.sleep(0.3)  # the case work is waiting for the lock now
                for query, variables in (
                    ("{ tenants { code } }", {}),
                    (EVALUATE, {"tenant": "hebei", "household": ill_household()}),
                ):
                    response = await client.post(
                        "/graphql", json={"query": query, "variables": variables}, timeout=30
                    )
                    assert response.status_code == 200 and "errors" not in response.json()
                    answered_while_locked.append(held.is_set())
                release.set()

    try:
        anyio.run(scenario)
    finally:
        release.set()
        holder.join()
        app.state[STATE_KEY] = None
    assert answered_while_locked == [True, True]
    assert opened == [200]  # and the case work went through once the lock was free
