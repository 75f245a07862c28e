"""Public contest API: contests, units, leaderboards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.clock import NowDep
from app.contests import closing
from app.contests import service as contest_service
from app.contests.directory import ContestEntry, directory
from app.contests.ranking import PRIZE_NAMES
from app.contests.schemas import (
    ContestDetail,
    ContestSummary,
    GroupOut,
    Leaderboard,
    LeaderboardEntry,
    RoundOut,
    UnitOut,
    WinnerOut,
    WinnersOut,
)
from app.db import RowId, SessionDep
from app.errors import API_ERRORS, AppError, leaderboard_updating, not_found
from app.hotroute import HotRoute
from app.leaderboard import service as leaderboard_service
from app.models import Contest, Round
from app.participants import service as participant_service
from app.participants.identity import mask_name
from app.redis import RedisDep
from app.units import service as unit_service
from app.web import MomentCache

router = APIRouter(prefix="/api/v1/contests", tags=["Cuộc thi"], responses=API_ERRORS)
# The live board, read all through the peak: served by HotRoute (app/hotroute.py).
hot_router = APIRouter(
    prefix="/api/v1/contests", tags=["Cuộc thi"], responses=API_ERRORS, route_class=HotRoute
)


async def get_contest_entry(slug: str, request: Request) -> ContestEntry:
    """The contest of the URL with its rounds and groups, from this process's copy."""
    entry = await directory.by_slug(request.app.state.autocommit, slug)
    if entry is None:
        raise not_found("Không tìm thấy cuộc thi.")
    return entry


ContestEntryDep = Annotated[ContestEntry, Depends(get_contest_entry)]


async def get_contest(entry: ContestEntryDep) -> Contest:
    return entry.contest


ContestDep = Annotated[Contest, Depends(get_contest)]


def _round_out(round_: Round) -> RoundOut:
    return RoundOut(
        number=round_.number,
        title=round_.title,
        starts_at=round_.starts_at,
        ends_at=round_.ends_at,
        questions_per_attempt=round_.questions_per_attempt,
        time_limit_seconds=round_.time_limit_seconds,
        max_attempts=round_.max_attempts,
        attempt_period=round_.attempt_period,
        review_policy=round_.review_policy,
        closed=round_.closed_at is not None,
        winners_published=round_.winners_published_at is not None,
    )


@router.get("", response_model=list[ContestSummary])
async def list_contests(session: SessionDep, now: NowDep) -> list[ContestSummary]:
    """Contests with a round open now or still to come."""
    return [
        ContestSummary(
            slug=contest.slug,
            title=contest.title,
            slogan=contest.slogan,
            current_round=round_.number if round_.starts_at <= now else None,
        )
        for contest, round_ in await contest_service.list_open(session=session, now=now)
    ]


@router.get("/{slug}", response_model=ContestDetail)
async def contest_detail(entry: ContestEntryDep, now: NowDep) -> ContestDetail:
    """A contest's rules, groups and rounds, and the round open now."""
    contest, rounds, groups = entry.contest, entry.rounds, entry.groups
    current = contest_service.current_round(rounds, now)
    return ContestDetail(
        slug=contest.slug,
        title=contest.title,
        slogan=contest.slogan,
        organiser_name=contest.organiser_name,
        rules_summary=contest.rules_summary,
        rules_full=contest.rules_full,
        min_age=contest.min_age,
        prediction_question=contest.prediction_question,
        ranking_keys=contest.ranking_keys,
        groups=[GroupOut(code=g.code, name=g.name) for g in groups],
        rounds=[_round_out(r) for r in rounds],
        current_round=current.number if current else None,
    )


@router.get("/{slug}/units", response_model=list[UnitOut])
async def search_units(
    contest: ContestDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[UnitOut]:
    """Units whose name contains every word of `q`, ignoring diacritics."""
    units = await unit_service.search(session=session, query=q, limit=limit)
    return [UnitOut(code=unit.code, name=unit.name) for unit in units]


@hot_router.get("/{slug}/leaderboard", response_model=Leaderboard)
async def leaderboard(
    request: Request,
    entry: ContestEntryDep,
    redis: RedisDep,
    now: NowDep,
    round: Annotated[int | None, Query(ge=1, le=10_000)] = None,  # noqa: A002 - the public parameter name
    unit: Annotated[str | None, Query(max_length=40)] = None,
    group: Annotated[str | None, Query(max_length=40)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Leaderboard:
    """The live board of a round (overall, or one unit or group); names are masked."""
    round_ = contest_service.board_round(entry.rounds, round, now)

    async def compute() -> Leaderboard:
        async with request.app.state.sessions() as session:
            return await _board(session, redis, entry, round_, unit, group, offset, limit)

    return await boards.get((round_.id, unit, group, offset, limit), now, compute)


# Readers keep their speed while submissions pour in: a board is computed once a second per
# process, whatever the number of readers, and no submission invalidates it.
boards = MomentCache(max_entries=1024)


async def _board(
    session: AsyncSession,
    redis: Redis,
    entry: ContestEntry,
    round_: Round,
    unit: str | None,
    group: str | None,
    offset: int,
    limit: int,
) -> Leaderboard:
    unit_id = await unit_service.id_for_code(session=session, code=unit)
    group_id = contest_service.group_id(entry.groups, group)
    try:
        entries, total = await leaderboard_service.top(
            redis=redis,
            round_id=round_.id,
            unit_id=unit_id,
            group_id=group_id,
            offset=offset,
            limit=limit,
        )
    except (RedisError, OSError) as error:
        raise leaderboard_updating() from error
    people = await participant_service.public_names(
        session=session, ids=[row.participant_id for row in entries]
    )
    return Leaderboard(
        round=round_.number,
        total=total,
        entries=[
            LeaderboardEntry(
                rank=row.rank,
                name=mask_name(people[row.participant_id][0]),
                unit=people[row.participant_id][1],
                score=row.correct,
                duration_seconds=row.duration_ms / 1000,
            )
            for row in entries
            if row.participant_id in people
        ],
    )


@router.get("/{slug}/rounds/{number}/winners", response_model=WinnersOut)
async def winners(contest: ContestDep, number: RowId, session: SessionDep) -> WinnersOut:
    """A closed round's winners: provisional during the appeals window, then official."""
    _, round_ = await closing.find_round(session=session, slug=contest.slug, number=number)
    if round_.closed_at is None:
        raise AppError(409, "round_not_closed", "Đợt thi chưa được tổng kết.")
    rows = [
        row for row in await closing.standings(session=session, round_id=round_.id) if row.prize
    ]
    people = await participant_service.public_names(
        session=session, ids=[row.participant_id for row in rows]
    )
    return WinnersOut(
        round=round_.number,
        status="official" if round_.winners_published_at else "provisional",
        true_count=round_.true_count or 0,
        appeals_until=closing.appeals_end(round_),
        winners=[
            WinnerOut(
                rank=row.rank,
                prize=row.prize,
                prize_name=PRIZE_NAMES[row.prize],
                name=mask_name(people[row.participant_id][0]),
                unit=people[row.participant_id][1],
                correct_count=row.correct_count,
                prediction_distance=row.prediction_distance,
                duration_seconds=row.duration_ms / 1000,
            )
            for row in rows
            if row.participant_id in people
        ],
    )
