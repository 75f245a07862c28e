"""A participant's own data: see it, correct it, withdraw consent; and purging old data.

Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15: a participant can see and correct what we hold
and withdraw consent; then they leave every public board and are not considered for prizes,
and organisers see the withdrawal. Data is kept only as long as the retention setting says.
"""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.contests import service as contest_service
from app.leaderboard import events as board_events
from app.leaderboard import service as board_service
from app.models import Attempt, Contest, Participant, Standing
from app.participants import service as participant_service


async def correct(
    *,
    session: AsyncSession,
    participant: Participant,
    full_name: str,
    birth_year: int,
    unit_code: str,
    group: str,
    now: datetime,
) -> Participant:
    """Corrects name, birth year, unit and group, with the registration's own checks."""
    contest = await session.get(Contest, participant.contest_id)
    form = participant_service.Registration(
        full_name=full_name,
        phone=participant.phone,
        birth_year=birth_year,
        unit_code=unit_code,
        group=group,
        consent=True,
        parent_consent=participant.parent_consent,
    )
    participant.full_name = participant_service.valid_name(form.full_name)
    participant.birth_year = participant_service.valid_birth_year(form, contest, now)
    participant.unit_id = (await participant_service.valid_unit(session, unit_code)).id
    participant.group_id = (await participant_service.valid_group(session, contest, group)).id
    session.add(participant)
    await session.commit()
    return participant


async def withdraw(
    *, session: AsyncSession, redis: Redis, participant: Participant, now: datetime
) -> Participant:
    """Withdraws consent: off every public board, out of future prizes; the data stays for
    the organisers' records until purged."""
    if participant.withdrawn_at is not None:
        return participant
    participant.withdrawn_at = now
    session.add(participant)
    await session.commit()
    rounds = await contest_service.list_rounds(session=session, contest_id=participant.contest_id)
    try:
        await board_service.remove(
            redis=redis, round_ids=[r.id for r in rounds], participant=participant
        )
    except (RedisError, OSError):
        board_events.sync_state.dirty = True  # the catch-up drops withdrawn people
    return participant


async def purge(*, session: AsyncSession, before: datetime) -> int:
    """Deletes participants registered before `before`, with their attempts and standings."""
    ids = list(
        (
            await session.exec(select(Participant.id).where(col(Participant.created_at) < before))
        ).all()
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        await session.exec(delete(Standing).where(col(Standing.participant_id).in_(chunk)))
        await session.exec(delete(Attempt).where(col(Attempt.participant_id).in_(chunk)))
        await session.exec(delete(Participant).where(col(Participant.id).in_(chunk)))
    await session.commit()
    return len(ids)
