"""CUOCTHI_REDIS_URL may name a Redis Sentinel: the client follows the master it reports."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest

from app import redis as redis_module
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="needs the real Redis of that pass")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sentinel(tmp_path):
    redis_port = urlsplit(os.environ["CUOCTHI_TEST_REDIS_URL"]).port
    port = _free_port()
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"bind 127.0.0.1\nport {port}\ndir {tmp_path}\n"
        f"sentinel monitor cuocthi 127.0.0.1 {redis_port} 1\n"
    )
    process = subprocess.Popen(
        ["redis-server", str(config), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    yield f"redis+sentinel://127.0.0.1:{port}/cuocthi/0"
    process.terminate()
    process.wait(timeout=10)


async def test_a_sentinel_url_reaches_the_master(sentinel):
    client = redis_module.create_client(sentinel)
    try:
        await client.set(redis_module.key("sentinel-test"), "xin chào")
        assert await client.get(redis_module.key("sentinel-test")) == "xin chào"
        assert await redis_module.is_up(client)
    finally:
        await client.delete(redis_module.key("sentinel-test"))
        await client.aclose()
