"""Running the web server: one uvicorn worker, or several that share the connections evenly.

uvicorn's own workers accept on one shared listening socket, and the worker that wakes first
takes a whole burst of new connections: 64 keep-alive clients split 9 to 63 between two
workers in the benchmark, and the clients of the busier worker waited several times longer.
Here every worker listens on a socket of its own bound with SO_REUSEPORT, and the kernel
spreads new connections over them. uvicorn's supervisor still starts, watches and restarts
the workers.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


def serve(
    host: str, port: int, workers: int, app: str = "app.main:app", log_level: str = "info"
) -> None:
    """Serves `app` (an import string) until interrupted."""
    options: dict[str, Any] = {"proxy_headers": False, "log_level": log_level, "access_log": False}
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **options)
        return
    _refuse_a_taken_port(host, port)
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    Multiprocess(config, sockets=SocketPerWorker(host, port)).run()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _refuse_a_taken_port(host: str, port: int) -> None:
    """Binds once without SO_REUSEPORT, so that a port already in use fails here, plainly,
    instead of being silently shared with another server."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def listening_socket(host: str, port: int) -> list[socket.socket]:
    """A worker's own socket on the shared address (SO_REUSEPORT)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return [sock]


class SocketPerWorker(list):
    """Stands for the listening sockets uvicorn's supervisor hands to each worker process.

    The supervisor pickles what it is given into every worker it starts (or restarts); this
    unpickles there as `listening_socket(host, port)`, a socket of that worker's own.
    """

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return listening_socket, (self.host, self.port)
