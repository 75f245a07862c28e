"""Closing a round: freeze it, compute the true count, the official standings and winners.

Closing again recomputes from the same frozen attempts and gives the same result. Winners stay
provisional (tạm thời) through the appeals window, then an organiser publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.attempts import service as attempt_service
from app.config import settings
from app.contests import ranking
from app.contests import service as contest_service
from app.errors import AppError, not_found
from app.hotdb import EngineDatabase
from app.models import Attempt, AttemptStatus, Contest, Participant, Round, Standing, Unit


@dataclass(frozen=True)
class CloseReport:
    round: Round
    true_count: int
    ranked: int
    winners: dict[int, str]


async def find_round(*, session: AsyncSession, slug: str, number: int) -> tuple[Contest, Round]:
    """A contest's round by contest slug and round number."""
    contest = await contest_service.get_by_slug(session=session, slug=slug)
    if contest is None:
        raise not_found(f"Không có cuộc thi “{slug}”.")
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    round_ = next((r for r in rounds if r.number == number), None)
    if round_ is None:
        raise not_found(f"Cuộc thi “{slug}” không có đợt {number}.")
    return contest, round_


def true_count(contest: Contest, best: list[ranking.Candidate], max_score: dict[int, int]) -> int:
    """The number the predictions are measured against."""
    if contest.prediction_target == "participant_count":
        return len(best)
    return sum(1 for c in best if c.correct == max_score[c.attempt_id])


async def close_round(
    *, session: AsyncSession, redis: Redis, contest: Contest, round_: Round, now: datetime
) -> CloseReport:
    """Closes an ended round (finalising attempts left open) and stores its standings."""
    if now < round_.ends_at:
        raise AppError(409, "round_open", "Đợt thi chưa kết thúc, chưa thể tổng kết.")
    await _expire_open_attempts(session, redis, round_)
    rows = await final_candidates(session=session, round_id=round_.id)
    max_score = {attempt.id: attempt.max_score for attempt, _ in rows}
    best = ranking.best_attempts(candidate for _, candidate in rows)
    count = true_count(contest, best, max_score)
    ordered = ranking.rank(best, contest.ranking_keys, count)
    ineligible = (
        await _already_prized(session, contest, round_) if contest.one_prize_per_person else set()
    )
    winners = ranking.assign_prizes(ordered, round_.prizes, ineligible)
    await session.exec(delete(Standing).where(col(Standing.round_id) == round_.id))
    session.add_all(
        Standing(
            round_id=round_.id,
            participant_id=c.participant_id,
            attempt_id=c.attempt_id,
            unit_id=c.unit_id,
            rank=position,
            correct_count=c.correct,
            prediction_distance=ranking.prediction_distance(c, count),
            duration_ms=c.duration_ms,
            submitted_at=c.submitted_at,
            prize=winners.get(c.participant_id),
        )
        for position, c in enumerate(ordered, start=1)
    )
    round_.closed_at = round_.closed_at or now
    round_.true_count = count
    session.add(round_)
    await session.commit()
    return CloseReport(round_, count, len(ordered), winners)


async def final_candidates(
    *, session: AsyncSession, round_id: int
) -> list[tuple[Attempt, ranking.Candidate]]:
    """Every final attempt of a round by participants who have not withdrawn."""
    statement = (
        select(Attempt)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(
            Attempt.round_id == round_id,
            col(Attempt.status).in_([AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED]),
            col(Participant.withdrawn_at).is_(None),
        )
    )
    return [(attempt, _candidate(attempt)) for attempt in (await session.exec(statement)).all()]


def _candidate(attempt: Attempt) -> ranking.Candidate:
    return ranking.Candidate(
        participant_id=attempt.participant_id,
        attempt_id=attempt.id,
        unit_id=attempt.unit_id,
        correct=attempt.correct_count,
        prediction=attempt.prediction,
        duration_ms=attempt.duration_ms,
        submitted_at=attempt.submitted_at,
    )


async def _expire_open_attempts(session: AsyncSession, redis: Redis, round_: Round) -> None:
    statement = select(Attempt).where(
        Attempt.round_id == round_.id, Attempt.status == AttemptStatus.IN_PROGRESS
    )
    database = EngineDatabase(session.bind)
    for attempt in (await session.exec(statement)).all():
        await attempt_service.expire(db=database, redis=redis, attempt=attempt, round_=round_)


async def _already_prized(session: AsyncSession, contest: Contest, round_: Round) -> set[int]:
    """People holding a prize from another closed round of this contest."""
    statement = (
        select(Standing.participant_id)
        .join(Round, Round.id == Standing.round_id)
        .where(
            Round.contest_id == contest.id,
            Round.id != round_.id,
            col(Round.number) < round_.number,
            col(Standing.prize).is_not(None),
        )
    )
    return set((await session.exec(statement)).all())


def appeals_end(round_: Round) -> datetime | None:
    """When the provisional winners may be published."""
    if round_.closed_at is None:
        return None
    return round_.closed_at + timedelta(days=settings.appeals_days)


async def publish_winners(*, session: AsyncSession, round_: Round, now: datetime) -> Round:
    """Makes a closed round's winners official, once the appeals window has passed."""
    ends = appeals_end(round_)
    if ends is None:
        raise AppError(409, "round_not_closed", "Đợt thi chưa được tổng kết.")
    if now < ends:
        local = ends.astimezone(settings.tz).strftime("%H:%M ngày %d/%m/%Y")
        raise AppError(409, "appeals_open", f"Đang trong thời gian khiếu nại, đến {local}.")
    round_.winners_published_at = round_.winners_published_at or now
    session.add(round_)
    await session.commit()
    return round_


async def standings(*, session: AsyncSession, round_id: int) -> list[Standing]:
    """The official standings of a closed round, in rank order."""
    statement = select(Standing).where(Standing.round_id == round_id).order_by(Standing.rank)
    return list((await session.exec(statement)).all())


async def winner_rows(
    *, session: AsyncSession, round_id: int, unit_ids: set[int] | None = None
) -> list[tuple[Standing, Participant, str]]:
    """Prize winners in rank order with the participant and unit name (organisers only)."""
    statement = (
        select(Standing, Participant, Unit.name)
        .join(Participant, Participant.id == Standing.participant_id)
        .join(Unit, Unit.id == Standing.unit_id)
        .where(Standing.round_id == round_id, col(Standing.prize).is_not(None))
        .order_by(Standing.rank)
    )
    if unit_ids is not None:
        statement = statement.where(col(Standing.unit_id).in_(unit_ids))
    return list((await session.exec(statement)).all())
