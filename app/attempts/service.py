"""Attempts: start, autosave, submit, expiry. The server's clock rules every deadline.

Concurrency is settled by the database on both backends: unique (round, person, period,
number) and "one attempt in progress" indexes bound starts, and every finalisation is a
compare-and-set on status = 'in_progress', so a submit counts exactly once.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Text, cast, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import ratelimit
from app.attempts import scoring
from app.attempts.draw import BlueprintError, draw
from app.config import settings
from app.contests import service as contest_service
from app.errors import AppError, not_found
from app.leaderboard import events as board_events
from app.models import (
    Attempt,
    AttemptAnswer,
    AttemptStatus,
    Contest,
    Participant,
    ParticipantGroup,
    Round,
)
from app.participants.identity import receipt_code
from app.questions.catalog import Item, catalog

PREDICTION_MAX = 100_000_000


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    round: Round
    created: bool


@dataclass(frozen=True)
class Finalised:
    """The outcome of a submit; `counted_now` is False for a repeat of an earlier submit."""

    attempt: Attempt
    round: Round
    counted_now: bool
    late: bool


def period_of(round_: Round, now: datetime) -> str:
    """The span the attempt limit counts over: the round, or the local calendar day."""
    if round_.attempt_period == "day":
        return now.astimezone(settings.tz).date().isoformat()
    return "round"


def grace_deadline(attempt: Attempt) -> datetime:
    return attempt.deadline + timedelta(seconds=settings.submit_grace_seconds)


async def _in_progress_and_used(
    session: AsyncSession, round_id: int, participant_id: int, period: str
) -> tuple[Attempt | None, int]:
    """The attempt in progress, if any, and how many were started in the period, read in one
    statement so that both come from the same snapshot."""
    statement = select(Attempt.id, Attempt.status, Attempt.period).where(
        Attempt.round_id == round_id, Attempt.participant_id == participant_id
    )
    rows = (await session.exec(statement)).all()
    used = sum(1 for _, _, attempt_period in rows if attempt_period == period)
    open_id = next((i for i, status, _ in rows if status == AttemptStatus.IN_PROGRESS), None)
    existing = await session.get(Attempt, open_id) if open_id is not None else None
    return existing, used


async def start(
    *,
    session: AsyncSession,
    redis: Redis,
    contest: Contest,
    participant: Participant,
    now: datetime,
    ip: str,
) -> Started:
    """Starts an attempt in the open round, or returns the one already in progress."""
    await _limit(redis, "start", participant.id, ip)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    round_ = contest_service.current_round(rounds, now)
    if round_ is None:
        raise AppError(409, "round_not_open", "Hiện không có đợt thi nào đang mở.")
    round_id, participant_id = round_.id, participant.id
    for _ in range(3):  # a lost race is retried: the winner's attempt is then found
        period = period_of(round_, now)
        existing, used = await _in_progress_and_used(session, round_id, participant_id, period)
        if existing is not None and now <= grace_deadline(existing):
            return Started(existing, round_, created=False)
        if existing is not None:
            await expire(session=session, redis=redis, attempt=existing, round_=round_)
        if used >= round_.max_attempts:
            raise _limit_reached(round_)
        attempt = await _new_attempt(session, round_, participant, period, used + 1, now)
        session.add(attempt)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # expires every loaded object: load them again
            round_ = await session.get(Round, round_id)
            participant = await session.get(Participant, participant_id)
            continue
        await board_events.started(redis=redis, attempt=attempt)
        return Started(attempt, round_, created=True)
    raise AppError(409, "busy", "Hệ thống đang bận, vui lòng thử lại.")


async def _limit(redis: Redis, action: str, participant_id: int, ip: str) -> None:
    await ratelimit.enforce(redis, f"{action}_participant", participant_id)
    await ratelimit.enforce(redis, f"{action}_ip", ip)


def _limit_reached(round_: Round) -> AppError:
    span = "hôm nay" if round_.attempt_period == "day" else "trong đợt thi này"
    return AppError(
        429,
        "attempt_limit",
        f"Bạn đã dùng hết {round_.max_attempts} lượt thi {span}.",
    )


async def _new_attempt(
    session: AsyncSession,
    round_: Round,
    participant: Participant,
    period: str,
    number: int,
    now: datetime,
) -> Attempt:
    group = await session.get(ParticipantGroup, participant.group_id)
    blueprint = group.blueprint if group and group.blueprint else round_.blueprint
    items = await catalog.active_items(session)
    try:
        drawn = draw(
            items, blueprint, round_.questions_per_attempt, random.Random(secrets.randbits(64))
        )
    except BlueprintError as error:
        raise AppError(
            409, "bank_too_small", "Ngân hàng câu hỏi chưa đủ câu hỏi cho đợt thi này."
        ) from error
    # An attempt never outlives its round: starting late leaves less time.
    deadline = min(now + timedelta(seconds=round_.time_limit_seconds), round_.ends_at)
    return Attempt(
        round_id=round_.id,
        participant_id=participant.id,
        unit_id=participant.unit_id,
        group_id=participant.group_id,
        period=period,
        number=number,
        questions=drawn,
        answers={},
        started_at=now,
        deadline=deadline,
        max_score=len(drawn),
    )


async def get_owned(
    *, session: AsyncSession, attempt_id: int, participant_id: int
) -> tuple[Attempt, Round]:
    """The participant's own attempt with its round (one query); anyone else's is not found."""
    statement = (
        select(Attempt, Round)
        .join(Round, Round.id == Attempt.round_id)
        .where(Attempt.id == attempt_id, Attempt.participant_id == participant_id)
    )
    found = (await session.exec(statement)).first()
    if found is None:
        raise not_found("Không tìm thấy bài thi.")
    return found[0], found[1]


def valid_answers(attempt: Attempt, answers: dict[str, Any]) -> dict[str, int]:
    """Answers keyed by question id, each an option of that question in this attempt."""
    allowed = {str(q["v"]): set(q["o"]) for q in attempt.questions}
    cleaned: dict[str, int] = {}
    for question_id, option_id in answers.items():
        if str(question_id) not in allowed:
            raise AppError(422, "unknown_question", "Câu hỏi không thuộc bài thi này.")
        if option_id is None:
            continue
        if not isinstance(option_id, int) or option_id not in allowed[str(question_id)]:
            raise AppError(422, "invalid_option", "Phương án trả lời không hợp lệ.")
        cleaned[str(question_id)] = option_id
    return cleaned


def acceptable_answers(attempt: Attempt, answers: dict[str, int]) -> dict[str, int]:
    """Only the answers that fit this attempt (a form may be tampered with or stale)."""
    allowed = {str(q["v"]): set(q["o"]) for q in attempt.questions}
    return {q: o for q, o in answers.items() if o in allowed.get(str(q), ())}


async def autosave(
    *,
    session: AsyncSession,
    redis: Redis,
    attempt: Attempt,
    answers: dict[str, Any],
    now: datetime,
    ip: str,
) -> Attempt:
    """Merges answers into an attempt in progress, before its deadline."""
    await _limit(redis, "autosave", attempt.participant_id, ip)
    cleaned = valid_answers(attempt, answers)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AppError(409, "attempt_final", "Bài thi đã được nộp, không thể sửa câu trả lời.")
    if now > attempt.deadline:
        raise AppError(409, "attempt_expired", "Đã hết thời gian làm bài.")
    # Compare-and-set on the answers as stored: two tabs saving at once never drop an answer;
    # each lost race means another save got in, so a few dozen tries always suffice.
    for _ in range(32):
        merged = {**attempt.answers, **cleaned}
        unchanged = cast(col(Attempt.answers), Text) == json.dumps(attempt.answers)
        result = await session.exec(
            update(Attempt)
            .where(
                col(Attempt.id) == attempt.id,
                col(Attempt.status) == AttemptStatus.IN_PROGRESS,
                unchanged,
            )
            .values(answers=merged, answers_saved_at=now)
        )
        await session.commit()
        if result.rowcount == 1:
            break
        await session.refresh(attempt)  # another save or the submit came first: look again
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise AppError(409, "attempt_final", "Bài thi đã được nộp, không thể sửa câu trả lời.")
    else:
        raise AppError(409, "busy", "Hệ thống đang bận, vui lòng thử lại.")
    attempt.answers, attempt.answers_saved_at = merged, now
    return attempt


async def submit(
    *,
    session: AsyncSession,
    redis: Redis,
    attempt: Attempt,
    round_: Round,
    answers: dict[str, Any],
    prediction: int | None,
    now: datetime,
    ip: str,
) -> Finalised:
    """Submits exactly once; a repeat returns the first result. Late submits keep saved answers."""
    await _limit(redis, "submit", attempt.participant_id, ip)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return Finalised(
            attempt, round_, counted_now=False, late=attempt.status == AttemptStatus.EXPIRED
        )
    cleaned = valid_answers(attempt, answers)
    if prediction is not None and not 0 <= prediction <= PREDICTION_MAX:
        raise AppError(422, "invalid_prediction", "Số dự đoán phải là số nguyên từ 0 trở lên.")
    if now > grace_deadline(attempt):
        return await expire(session=session, redis=redis, attempt=attempt, round_=round_)
    final_answers = {**attempt.answers, **cleaned}
    return await _finalise(
        session, redis, attempt, round_, final_answers, prediction, now, AttemptStatus.SUBMITTED
    )


async def expire(
    *, session: AsyncSession, redis: Redis, attempt: Attempt, round_: Round
) -> Finalised:
    """Finalises an attempt past its deadline with the answers saved before the deadline."""
    return await _finalise(
        session,
        redis,
        attempt,
        round_,
        dict(attempt.answers),
        None,
        attempt.deadline,
        AttemptStatus.EXPIRED,
    )


async def _finalise(
    session: AsyncSession,
    redis: Redis,
    attempt: Attempt,
    round_: Round,
    answers: dict[str, int],
    prediction: int | None,
    finished_at: datetime,
    status: AttemptStatus,
) -> Finalised:
    items = await catalog.items(session, [q["v"] for q in attempt.questions])
    correct = {version_id: item.correct_option_id for version_id, item in items.items()}
    values = {
        "status": status,
        "answers": answers,
        "submitted_at": finished_at,
        "correct_count": scoring.correct_count(answers, correct),
        "duration_ms": scoring.duration_ms(
            attempt.started_at, finished_at, round_.time_limit_seconds
        ),
        "prediction": prediction,
        "receipt": receipt_code(settings.secret_key, attempt.id),
    }
    result = await session.exec(
        update(Attempt)
        .where(col(Attempt.id) == attempt.id, col(Attempt.status) == AttemptStatus.IN_PROGRESS)
        .values(**values)
    )
    if result.rowcount == 0:  # another request finalised it first: report that result
        await session.rollback()
        await session.refresh(attempt)
        await session.refresh(round_)
        return Finalised(
            attempt, round_, counted_now=False, late=attempt.status == AttemptStatus.EXPIRED
        )
    # One multi-row INSERT through the core: no ORM unit of work on the hot path.
    await session.exec(insert(AttemptAnswer).values(_answer_rows(attempt.id, items, answers)))
    await session.commit()
    for name, value in values.items():  # what was just written: no need to read it back
        set_committed_value(attempt, name, value)
    await board_events.finalised(redis=redis, attempt=attempt, round_=round_)
    return Finalised(attempt, round_, counted_now=True, late=status == AttemptStatus.EXPIRED)


def _answer_rows(
    attempt_id: int, items: dict[int, Item], answers: dict[str, int]
) -> list[dict[str, Any]]:
    return [
        {
            "attempt_id": attempt_id,
            "version_id": version_id,
            "option_id": answers.get(str(version_id)),
            "is_correct": answers.get(str(version_id)) == item.correct_option_id,
        }
        for version_id, item in items.items()
    ]


async def expire_overdue(
    *, session: AsyncSession, redis: Redis, now: datetime, limit: int = 500
) -> list[Finalised]:
    """The periodic sweep: finalises abandoned attempts whose grace period has passed."""
    cutoff = now - timedelta(seconds=settings.submit_grace_seconds)
    statement = (
        select(Attempt)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline < cutoff)
        .order_by(Attempt.deadline)
        .limit(limit)
    )
    done = []
    for attempt in (await session.exec(statement)).all():
        round_ = await session.get(Round, attempt.round_id)
        done.append(await expire(session=session, redis=redis, attempt=attempt, round_=round_))
    return done


def review_open(round_: Round, attempt: Attempt, now: datetime) -> bool:
    """Right answers are shown only for a final attempt, and per the round's review policy."""
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return False
    if round_.review_policy == "after_submit":
        return True
    return round_.closed_at is not None or now >= round_.ends_at


async def find_by_receipt(*, session: AsyncSession, code: str) -> Attempt | None:
    """The final attempt a participant's mã xác nhận stands for (organisers verify complaints)."""
    normalised = code.strip().upper().replace(" ", "")
    if "-" not in normalised and len(normalised) > 6:  # typed without the dash
        normalised = f"{normalised[:-6]}-{normalised[-6:]}"
    attempt = (await session.exec(select(Attempt).where(Attempt.receipt == normalised))).first()
    if attempt is None or receipt_code(settings.secret_key, attempt.id) != normalised:
        return None
    return attempt
