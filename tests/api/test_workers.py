"""Workers each accept on a socket of their own (``SO_REUSEPORT``), so connections opened
in a burst spread across them; a port already taken refuses the start.

Found by the soak: with uvicorn's one shared socket, the 16 keep-alive connections of the
load generator were opened at once and one worker took nearly all of them (12 times the
CPU of the other)."""

from __future__ import annotations

import http.client
import json
import os
import pickle
import socket
import time
from pathlib import Path

import pytest

from core.api import workers
from tests.live import live_server

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT") or not Path("/proc/net/tcp").exists(),
    reason="needs SO_REUSEPORT and Linux's /proc",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_worker_gets_a_socket_of_its_own_bound_to_the_port():
    port = _free_port()
    handed = workers.OwnSocket("127.0.0.1", port)
    assert list(handed) == []  # the parent listens on nothing itself
    # what a worker receives: uvicorn's spawn pickles it, the worker unpickles it
    first, second = pickle.loads(pickle.dumps(handed)), pickle.loads(pickle.dumps(handed))
    try:
        for (sock,) in (first, second):
            assert sock.getsockname() == ("127.0.0.1", port)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        assert first[0].fileno() != second[0].fileno()
    finally:
        for (sock,) in (first, second):
            sock.close()


def test_a_port_in_use_refuses_the_start_rather_than_share_it():
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # even one that would share
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            workers.port_is_free("127.0.0.1", port)
    workers.port_is_free("127.0.0.1", port)  # free again: no error


def _established(port: int) -> set[int]:
    """Inodes of the server ends of established TCP connections to ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == port and state == "01":  # ESTABLISHED
                found.add(int(inode))
    return found


def _sockets_of(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _worker_pids(port: int) -> list[int]:
    """The processes listening on ``port`` (the workers; the parent listens on nothing)."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                listening.add(int(fields[9]))
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _sockets_of(int(entry.name)) & listening:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_connections_opened_at_once_spread_over_the_workers(tmp_path):
    database = f"sqlite:///{tmp_path / 'unused.db'}"  # /healthz reads no database
    with live_server(database, tmp_path / "server.log", workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 30  # the first worker up answers; wait for the second
        while len(pids := _worker_pids(port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(pids) == 2, f"two workers listen on the port, each on its own socket: {pids}"
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        try:
            for c in connections:  # 16 keep-alive connections, opened in a burst
                c.connect()
            for c in connections:
                c.request("GET", "/healthz")
                assert json.loads(c.getresponse().read())["status"] == "ok"
            open_ends = _established(port)
            held = {pid: len(_sockets_of(pid) & open_ends) for pid in pids}
        finally:
            for c in connections:
                c.close()
    assert sum(held.values()) == 16
    # by a hash of the addresses: all 16 on one worker has a chance of 1 in 32,768
    assert all(n >= 1 for n in held.values()), held
