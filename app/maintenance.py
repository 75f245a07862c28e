"""Work each server process does in the background: finalise abandoned attempts.

Every step is safe to run in several processes at once (finalising is a compare-and-set).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from app.attempts import service as attempt_service
from app.leaderboard import service as leaderboard_service
from app.models import utcnow

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 30


async def rebuild_embedded_boards(app: FastAPI) -> None:
    """The embedded Redis starts empty with the process: fill it from the database."""
    async with app.state.sessions() as session:
        rounds = await leaderboard_service.rebuild(session=session, redis=app.state.redis)
    log.info("embedded Redis rebuilt from the database (%d rounds)", rounds)


async def run_forever(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            async with app.state.sessions() as session:
                done = await attempt_service.expire_overdue(
                    session=session, redis=app.state.redis, now=utcnow()
                )
            if done:
                log.info("finalised %d abandoned attempts", len(done))
        except (SQLAlchemyError, OSError):
            log.exception("background sweep failed; retrying in %d s", SWEEP_INTERVAL_SECONDS)
