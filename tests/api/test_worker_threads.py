"""A worker runs at most ``$BANGFU_WORKER_THREADS`` blocking requests at once (case work
goes to threads); more wait their turn, and evaluations keep being answered meanwhile.

Found by the soak: with anyio's 40 threads, a transition spent 27 ms in its thread for
2.5 ms of work, taking turns with the other threads for Python's one lock after every
database round trip."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from litestar.testing import TestClient
from strawberry.types import ExecutionResult

from core.api.app import create_app
from core.api.view import GraphQLEndpoint
from tests.api.conftest import EVALUATE, ill_household

CASE_QUERY = '{ cases(tenant: "hebei", first: 1) { id } }'


class Gate:
    """Stands in for the blocking execution: counts how many run at once, and holds each
    until released."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.entered = 0
        self.release = threading.Event()

    def __call__(self, method, context, root_value, request_data) -> ExecutionResult:
        with self.lock:
            self.running += 1
            self.entered += 1
            self.most = max(self.most, self.running)
        try:
            self.release.wait(10)
        finally:
            with self.lock:
                self.running -= 1
        return ExecutionResult(data={"cases": []}, errors=None)


@pytest.mark.parametrize("threads", [None, "3"])
def test_blocking_requests_take_turns_and_evaluations_flow(registry, monkeypatch, threads):
    if threads is None:
        monkeypatch.delenv("BANGFU_WORKER_THREADS", raising=False)
    else:
        monkeypatch.setenv("BANGFU_WORKER_THREADS", threads)
    allowed = 2 if threads is None else int(threads)
    gate = Gate()
    monkeypatch.setattr(GraphQLEndpoint, "_execute_blocking", gate)
    with TestClient(create_app(registry)) as client, ThreadPoolExecutor(8) as pool:

        def staff_request():
            return client.post(
                "/graphql", json={"query": CASE_QUERY}, headers={"authorization": "Bearer t"}
            ).json()

        waiting = [pool.submit(staff_request) for _ in range(allowed + 3)]
        deadline = time.monotonic() + 10
        while gate.entered < allowed and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # time for any more to (wrongly) enter
        assert gate.running == allowed  # the rest wait for a thread

        evaluated = client.post(
            "/graphql",
            json={
                "query": EVALUATE,
                "variables": {"tenant": "hebei", "household": ill_household(), "asOf": None},
            },
        ).json()
        assert evaluated["data"]["evaluate"]["eligible"] is True  # answered meanwhile

        gate.release.set()
        answers = [f.result(timeout=10) for f in waiting]
    assert all(a == {"data": {"cases": []}} for a in answers)
    assert gate.entered == allowed + 3 and gate.most == allowed
