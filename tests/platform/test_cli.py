import os
import socket
import subprocess
import sys
import time

import httpx
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
