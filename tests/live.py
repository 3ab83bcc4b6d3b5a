"""The real server as a subprocess, for the tests and benchmarks that drive it over HTTP.

``python -m core.api.server core.api.app:create_app`` (served as ``bangfu serve`` serves) on a free port of 127.0.0.1 (loopback only),
its database given by ``BANGFU_DATABASE_URL`` as ``bangfu serve`` gives it, in a process
group of its own that is stopped on exit, also on failure. Used by the fuzz test
(``tests/api/test_fuzz_live.py``), the short soak (``tests/api/test_soak_short.py``) and
the soak benchmark (``tests/benchmarks/soak.py``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.settings import DATABASE_ENV

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
APP_FACTORY = "core.api.app:create_app"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def answers(base: str, timeout: float = 2.0) -> bool:
    """Whether the server at ``base`` answers ``/healthz`` with 200."""
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started: its own process group (uvicorn and its workers)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def live_server(
    database_url: str, log: Path, workers: int = 1, log_level: str = "warning"
) -> Iterator[str]:
    """The app served by uvicorn on ``database_url`` (already migrated); yields the base
    URL, ``http://127.0.0.1:PORT``. The server's output goes to ``log``."""
    port = free_port()
    # served as `bangfu serve` serves (core.api.server), without preparing the database
    command = [sys.executable, "-m", "core.api.server", APP_FACTORY]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", log_level]
    # the bundled tenants only, whatever else the environment has installed
    env = {
        **os.environ,
        DATABASE_ENV: database_url,
        "BANGFU_TENANTS": "national,hebei,gansu,demo_city",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not answers(base):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {server_log(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in {START_TIMEOUT_S} s")
            time.sleep(0.1)
        yield base
    finally:
        _stop(process)


def server_log(log: Path, tail: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-tail:]
    except OSError:
        return ""


def issue_tokens(database_url: str, grants: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """A bearer token for each (tenant, role, user), keyed by user (the database owner
    stores them, as ``bangfu token create`` does)."""
    from core.auth.tokens import issue_token
    from core.db.session import session_factory
    from core.registry import load_registry

    known = set(load_registry().tenants)
    with session_factory(database_url)() as session:
        return {
            user: issue_token(session, tenant, role, user, known) for tenant, role, user in grants
        }


def serving_url(owner_url: str) -> str:
    """The URL the server connects with: on PostgreSQL the serving role ``bangfu_app``
    (row-level security holds for it), on SQLite the file itself."""
    if owner_url.startswith("postgresql"):
        from core.db.testing import postgres_app_url

        return postgres_app_url(owner_url)
    return owner_url
