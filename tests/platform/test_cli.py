import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import settings
from tests.conftest import BACKEND


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_embedded_redis_refuses_several_workers(monkeypatch):
    monkeypatch.setattr(settings, "redis_url", "")
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "CUOCTHI_REDIS_URL" in result.output


def test_serve_with_two_workers_on_postgres_and_redis():
    """On PostgreSQL + Redis two workers serve; the embedded default refuses them (above)."""
    port = _free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        if BACKEND == "embedded":
            output, _ = server.communicate(timeout=30)
            assert server.returncode == 2 and "--workers" in output
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer within 30 s")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
            "redis_mode": "server",
        }
    finally:
        server.terminate()
        server.wait(timeout=15)


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on local `port` in `state` (01 established, 0A listening)."""
    found = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


def _established_by_process(port: int) -> dict[int, int]:
    """How many connections to `port` each process holds (its descriptors' socket inodes)."""
    inodes = _sockets_on(port, "01")
    counts: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue  # gone, or not ours
        held = sum(link[8:-1] in inodes for link in links if link.startswith("socket:["))
        if held:
            counts[int(pid)] = held
    return counts


@pytest.mark.skipif(
    BACKEND != "postgres", reason="several workers need PostgreSQL + Redis (run in that pass)"
)
def test_every_worker_takes_its_share_of_new_connections():
    """Each worker listens on its own SO_REUSEPORT socket: a burst of keep-alive clients is
    spread over the workers, not taken by whichever woke first (app/serving.py)."""
    port = _free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    clients = []
    try:
        deadline = time.monotonic() + 30
        while len(_sockets_on(port, "0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # until both workers listen
        # A burst, as when a wave of participants arrives: connect all, then ask on each.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert all(client.recv(4096).startswith(b"HTTP/1.1 200") for client in clients)
        shares = _established_by_process(port)
        servers = {pid: n for pid, n in shares.items() if pid != os.getpid()}
        assert len(servers) == 2, servers
        assert min(servers.values()) >= 4, servers  # 32 clients; all but 3 on one: p < 1e-6
    finally:
        for client in clients:
            client.close()
        server.terminate()
        server.wait(timeout=15)


def test_a_port_in_use_is_refused_not_shared():
    from app.serving import _refuse_a_taken_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            _refuse_a_taken_port("127.0.0.1", taken.getsockname()[1])


def test_each_worker_unpickles_a_socket_of_its_own():
    import pickle

    from app.serving import SocketPerWorker

    port = _free_port()
    first, second = (
        pickle.loads(pickle.dumps(SocketPerWorker("127.0.0.1", port)))[0] for _ in "ab"
    )
    try:
        first.listen()
        second.listen()  # both on the same port: SO_REUSEPORT
        assert first.fileno() != second.fileno()
        assert first.getsockname()[1] == second.getsockname()[1] == port
    finally:
        first.close()
        second.close()
