"""Two server processes, one PostgreSQL, one Redis: participants alternate between them.

Stateless workers are a PostgreSQL + Redis deployment; the embedded default is one process
by design (it refuses --workers > 1, see tests/platform/test_cli.py), so this runs there only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import func, select

from app.models import Attempt, AttemptStatus
from app.questions import service as question_service
from app.units import service as unit_service
from tests.conftest import BACKEND
from tests.factories import new_phone, open_contest_now, right_answers, synthetic_bank

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="several workers need PostgreSQL + Redis (run in that pass)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def two_servers(**environment: str):
    ports = [_free_port(), _free_port()]
    env = {**os.environ, "CUOCTHI_RATE_LIMITS": "on", **environment}
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"{base} did not start"
                time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)


async def open_contest(session) -> None:
    """A contest open now (the servers run on the real clock)."""
    await question_service.load_areas(session=session, areas=synthetic_bank())
    await unit_service.upsert_many(
        session=session,
        rows=[
            {"code": "XH", "name": "UBND xã Xuân Hưng", "kind": "xã"},
            {"code": "SNV", "name": "Sở Nội vụ", "kind": "sở"},
        ],
    )
    await open_contest_now(session, slug="hai")


async def test_attempt_limit_exactly_once_limits_and_boards_across_two_servers(app, session):
    await open_contest(session)
    limits = {
        "CUOCTHI_LIMIT_AUTOSAVE_PARTICIPANT": "6/minute",
        "CUOCTHI_LIMIT_START_PARTICIPANT": "100/minute",
    }
    with two_servers(**limits) as (a, b):
        async with httpx.AsyncClient(timeout=30) as http:
            people = []
            for n in range(8):
                base = (a, b)[n % 2]
                registered = await http.post(
                    f"{base}/api/v1/contests/hai/participants",
                    json={
                        "full_name": f"Người Hai Máy {n}",
                        "phone": new_phone(),
                        "birth_year": 1990,
                        "unit_code": ("XH", "SNV")[n % 2],
                        "group": "nguoi-dan",
                        "consent": True,
                    },
                )
                assert registered.status_code == 201
                people.append({"Authorization": f"Bearer {registered.json()['token']}"})

            for round_trip in range(2):
                for auth in people:
                    starts = await asyncio.gather(
                        *(
                            http.post(f"{(a, b)[i % 2]}/api/v1/contests/hai/attempts", headers=auth)
                            for i in range(10)
                        )
                    )
                    assert {r.status_code for r in starts} <= {200, 201}
                    assert len({r.json()["attempt_id"] for r in starts}) == 1
                    started = starts[0].json()
                    saved = await http.put(
                        f"{b}/api/v1/attempts/{started['attempt_id']}/answers",
                        headers=auth,
                        json={"answers": right_answers(started)},
                    )
                    assert saved.status_code == 200
                    submits = await asyncio.gather(
                        *(
                            http.post(
                                f"{(b, a)[i % 2]}/api/v1/attempts/{started['attempt_id']}/submit",
                                headers=auth,
                                json={"answers": {}, "prediction": round_trip},
                            )
                            for i in range(6)
                        )
                    )
                    assert {r.status_code for r in submits} == {200}
                    assert len({r.text for r in submits}) == 1

            over = [
                await http.post(f"{(a, b)[i]}/api/v1/contests/hai/attempts", headers=people[0])
                for i in range(2)
            ]
            assert [r.status_code for r in over] == [429, 429]
            assert over[0].json()["error"]["code"] == "attempt_limit"

            # The autosave limit (6/minute) is shared: 2 saves earlier on b, then a and b alternate;
            # the attempt is final (409) but the limit counts every request before that.
            attempt_id = starts[0].json()["attempt_id"]
            codes = [
                (
                    await http.put(
                        f"{(a, b)[i % 2]}/api/v1/attempts/{attempt_id}/answers",
                        headers=people[-1],
                        json={"answers": {}},
                    )
                ).status_code
                for i in range(6)
            ]
            assert codes == [409] * 4 + [429] * 2

            boards = [
                (
                    await http.get(f"{base}/api/v1/contests/hai/leaderboard", params={"limit": 100})
                ).json()
                for base in (a, b)
            ]
            assert boards[0] == boards[1] and boards[0]["total"] == 8

    finals = (
        select(func.count()).select_from(Attempt).where(Attempt.status == AttemptStatus.SUBMITTED)
    )
    assert (await session.exec(finals)).one() == 16
