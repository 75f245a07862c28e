"""Faults under load: a worker killed, Redis restarted empty, PostgreSQL restarted.

After each, every submission a client saw confirmed is stored exactly once, the boards and
counters agree with the database after the automatic catch-up, every failed request got a clear
error, and nobody touched the server. Short here (CI); longer runs: FAULT_SECONDS=120.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app import redis as redis_module
from app.demo import load_demo
from app.leaderboard import events
from app.models import Attempt, AttemptStatus, Round
from tests.browser.conftest import run_db
from tests.conftest import BACKEND, truncate_all
from tests.faults import driver

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="faults of PostgreSQL + Redis with two workers"
)
SECONDS = float(os.environ.get("FAULT_SECONDS", "12"))
PARTICIPANTS = 16
ROOT = Path(__file__).resolve().parents[2]


def _services(function: str) -> None:
    subprocess.run(
        ["bash", "-c", f"source tests/services.sh && {function}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def server(schema):  # noqa: ANN001, ANN201
    async def fresh(session) -> None:  # noqa: ANN001
        await truncate_all(session.bind)
        await load_demo(session=session)
        redis = redis_module.create_client(os.environ["CUOCTHI_TEST_REDIS_URL"])
        await redis.flushdb()  # ids restart with the tables: so must Redis
        await redis.aclose()

    run_db(fresh)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CUOCTHI_RATE_LIMITS": "off"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(base)
    yield process, base
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


def _wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not come back by itself")


def _workers(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


async def _stored(session, confirmed: dict[int, str]) -> dict[int, tuple[str, str]]:
    rows = (
        await session.exec(
            select(Attempt.id, Attempt.status, Attempt.receipt).where(
                col(Attempt.id).in_(list(confirmed))
            )
        )
    ).all()
    return {attempt_id: (status, receipt) for attempt_id, status, receipt in rows}


async def _counts(session) -> tuple[int, int, int]:
    round_id = (await session.exec(select(Round.id))).first()
    finals = select(func.count(), func.count(func.distinct(Attempt.participant_id))).where(
        Attempt.round_id == round_id,
        col(Attempt.status).in_([AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED]),
    )
    submissions, people = (await session.exec(finals)).one()
    return round_id, submissions, people


def check(tally: driver.Tally, label: str) -> None:
    print(f"\n[{label}] {tally.line()}")
    assert tally.confirmed, "no submission got through at all"
    assert not tally.unclear, tally.unclear[:5]
    stored = run_db(lambda session: _stored(session, tally.confirmed))
    print(f"[{label}] stored {len(stored)} of {len(tally.confirmed)} confirmed")
    assert set(stored) == set(tally.confirmed), "a confirmed submission was lost"
    assert all(
        status == AttemptStatus.SUBMITTED and receipt == tally.confirmed[attempt_id]
        for attempt_id, (status, receipt) in stored.items()
    )
    round_id, submissions, people = run_db(_counts)
    redis = redis_module.create_client(os.environ["CUOCTHI_TEST_REDIS_URL"])

    async def agree() -> bool:
        try:
            counted = await redis.hget(events.round_counters_key(round_id), "submissions")
            board = await redis.zcard(events.board_key(round_id))
            observed.update(redis_submissions=int(counted or 0), redis_board=board)
            return int(counted or 0) == submissions and board == people
        finally:
            await redis.aclose()

    observed: dict[str, int] = {}
    deadline = time.monotonic() + 90
    while not asyncio.run(agree()):
        assert time.monotonic() < deadline, (
            f"boards and counters never caught up: database {submissions} submissions by "
            f"{people} people, Redis {observed}"
        )
        redis = redis_module.create_client(os.environ["CUOCTHI_TEST_REDIS_URL"])
        time.sleep(1)
    print(f"[{label}] database: {submissions} submissions by {people} people = Redis")


def test_a_killed_worker_loses_nothing(server):
    process, base = server

    def kill_one_worker() -> None:
        os.kill(_workers(process.pid)[0], signal.SIGKILL)

    check(
        asyncio.run(driver.run(base, "demo", SECONDS, PARTICIPANTS, kill_one_worker)),
        "kill -9 worker",
    )
    _wait_healthy(base)


def test_a_redis_restart_loses_nothing(server):
    _, base = server
    check(
        asyncio.run(
            driver.run(base, "demo", SECONDS, PARTICIPANTS, lambda: _services("restart_redis"))
        ),
        "restart Redis",
    )


def test_a_postgres_restart_loses_nothing(server):
    _, base = server
    check(
        asyncio.run(
            driver.run(base, "demo", SECONDS, PARTICIPANTS, lambda: _services("restart_postgres"))
        ),
        "restart PostgreSQL",
    )
    _wait_healthy(base)
