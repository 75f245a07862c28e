"""Contests and their rounds: lookup and the current round."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import not_found
from app.models import Contest, ParticipantGroup, Round


async def get_by_slug(*, session: AsyncSession, slug: str) -> Contest | None:
    """Gets a contest by its slug."""
    return (await session.exec(select(Contest).where(Contest.slug == slug))).first()


async def list_rounds(*, session: AsyncSession, contest_id: int) -> list[Round]:
    """The rounds of a contest, in order."""
    statement = select(Round).where(Round.contest_id == contest_id).order_by(Round.number)
    return list((await session.exec(statement)).all())


async def list_groups(*, session: AsyncSession, contest_id: int) -> list[ParticipantGroup]:
    """The participant groups of a contest."""
    statement = (
        select(ParticipantGroup)
        .where(ParticipantGroup.contest_id == contest_id)
        .order_by(ParticipantGroup.id)
    )
    return list((await session.exec(statement)).all())


def current_round(rounds: Sequence[Round], now: datetime) -> Round | None:
    """The round open at `now`, if any."""
    return next((r for r in rounds if r.starts_at <= now < r.ends_at), None)


def next_round(rounds: Sequence[Round], now: datetime) -> Round | None:
    """The first round that has not started yet."""
    return next((r for r in rounds if r.starts_at > now), None)


async def list_open(*, session: AsyncSession, now: datetime) -> list[tuple[Contest, Round]]:
    """Contests with a round open now or still to come, with that round, soonest first."""
    statement = (
        select(Contest, Round)
        .join(Round, Round.contest_id == Contest.id)
        .where(Round.ends_at > now)
        .order_by(Round.starts_at)
    )
    seen: dict[int, tuple[Contest, Round]] = {}
    for contest, round_ in (await session.exec(statement)).all():
        seen.setdefault(contest.id, (contest, round_))
    return list(seen.values())


def board_round(rounds: Sequence[Round], number: int | None, now: datetime) -> Round:
    """Round `number`, or by default the open round, or else the last one that started."""
    if number is None:
        started = [r for r in rounds if r.starts_at <= now]
        chosen = current_round(rounds, now) or (started[-1] if started else None)
    else:
        chosen = next((r for r in rounds if r.number == number), None)
    if chosen is None:
        raise not_found("Không tìm thấy đợt thi.")
    return chosen


def group_id(groups: Sequence[ParticipantGroup], code: str | None) -> int | None:
    """The id of a participant group by code (None for no code)."""
    if code is None:
        return None
    group = next((g for g in groups if g.code == code), None)
    if group is None:
        raise not_found("Không tìm thấy đối tượng dự thi.")
    return group.id
