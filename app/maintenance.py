"""Work each server process does in the background: keep Redis whole, finalise abandoned
attempts, refresh the heavy reports.

Every step is safe to run in several processes at once: replaying applies each event at most
once, and finalising an attempt is a compare-and-set.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from redis.exceptions import RedisError

from app.attempts import service as attempt_service
from app.contests import service as contest_service
from app.leaderboard import sync
from app.models import utcnow
from app.stats import reports

log = logging.getLogger(__name__)

CATCH_UP_SECONDS = 10
SWEEP_SECONDS = 30
VERIFY_SECONDS = 30
REPORT_SECONDS = 600


async def catch_up(app: FastAPI, *, verify: bool = False) -> None:
    """Replays into Redis if it came back empty or this process missed updates; with
    `verify`, also when its counters drifted from the database (a worker died mid-request)."""
    try:
        async with app.state.sessions() as session:
            replayed = await sync.catch_up(session=session, redis=app.state.redis)
            if verify and not replayed:
                await sync.verify(session=session, redis=app.state.redis)
    except (RedisError, OSError):
        log.info("Redis still unreachable; next catch-up in %d s", CATCH_UP_SECONDS)


async def sweep(app: FastAPI) -> None:
    done = await attempt_service.expire_overdue(
        db=app.state.hot, redis=app.state.redis, now=utcnow()
    )
    if done:
        log.info("finalised %d abandoned attempts", len(done))


async def refresh_reports(app: FastAPI) -> None:
    """Item analysis and suspicious activity of contests with a round under way."""
    async with app.state.sessions() as session:
        for contest, _ in await contest_service.list_open(session=session, now=utcnow()):
            await reports.refresh(session=session, contest_id=contest.id)


async def run_forever(app: FastAPI) -> None:
    elapsed = 0
    while True:
        await asyncio.sleep(CATCH_UP_SECONDS)
        elapsed += CATCH_UP_SECONDS
        try:
            await catch_up(app, verify=elapsed % VERIFY_SECONDS == 0)
            if elapsed % SWEEP_SECONDS == 0:
                await sweep(app)
            if elapsed % REPORT_SECONDS == 0:
                await refresh_reports(app)
        except Exception:  # noqa: BLE001 - whatever the database or driver raised, the loop lives on
            log.exception("background work failed; retrying in %d s", CATCH_UP_SECONDS)
