"""Several uvicorn workers on one port, each accepting on a listening socket of its own.

uvicorn's ``--workers N`` binds one socket in the parent and shares it: every worker
accepts from the same queue, and a worker whose event loop is idle takes *every*
connection waiting there at once. Clients that keep their connections open (a reverse
proxy's upstream keep-alive, a load generator, an office's few browsers) open them in a
burst, so one worker could end up with nearly all of them and serve them on one core
while the others sat idle: measured in the soak (``tests.benchmarks.soak``), one worker
used 12 times the CPU of the other, and the p99 doubled.

Here each worker binds its own socket with ``SO_REUSEPORT``, and the kernel hands every new
connection to one of those sockets by a hash of its addresses, so connections spread
across the workers whatever their event loops are doing (as nginx's ``reuseport`` does).
uvicorn's supervisor is used as it is (health checks, restarts, signals): it is given
:class:`OwnSocket`, which it passes to each worker it starts, and which becomes, in that
worker, a new socket bound to the port.

Before any worker starts, the parent binds the port once without ``SO_REUSEPORT``: if
anything listens there already (another server, even another ``bangfu serve``, which the
kernel would otherwise let share the port), the start fails with the usual "address
already in use" instead of splitting the traffic.
"""

from __future__ import annotations

import logging
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")  # uvicorn's own log: where it says where it serves


class PortUnavailable(RuntimeError):
    """The port cannot be listened on (in use, or not this user's to bind)."""


def listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening: uvicorn starts that)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class OwnSocket(list):
    """The sockets uvicorn hands a worker: in each worker, a socket of its own.

    In the parent this is an empty list. Pickled (uvicorn starts workers with the
    ``spawn`` method, which pickles what it passes), it is rebuilt in the worker as a list
    of one new socket bound to ``host:port`` with ``SO_REUSEPORT``."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self):
        return (_own_socket, (self.host, self.port))


def _own_socket(host: str, port: int) -> list[socket.socket]:
    return [listening_socket(host, port, reuse_port=True)]


def port_is_free(host: str, port: int) -> None:
    """Raise :class:`OSError` (address already in use) when anything listens there."""
    listening_socket(host, port, reuse_port=False).close()


def run(config: uvicorn.Config) -> None:
    """Serve ``config``: one process, or ``config.workers`` each on a socket of its own
    (uvicorn's shared socket where the system has no ``SO_REUSEPORT``)."""
    if config.workers <= 1:
        uvicorn.Server(config).run()
        return
    if not hasattr(socket, "SO_REUSEPORT"):
        _shared(config)
        return
    try:
        port_is_free(config.host, config.port)
    except OSError as exc:
        raise PortUnavailable(
            f"端口 {config.host}:{config.port} 不可用(已被占用?)/ cannot listen on "
            f"{config.host}:{config.port}: {exc.strerror or exc}"
        ) from None
    log.info(
        "Serving on http://%s:%d with %d workers, each on a socket of its own",
        config.host,
        config.port,
        config.workers,
    )
    Multiprocess(config, sockets=OwnSocket(config.host, config.port)).run()


def _shared(config: uvicorn.Config) -> None:
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
