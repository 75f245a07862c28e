"""Attempts: start, autosave, submit, expiry. The server's clock rules every deadline.

Concurrency is settled by the database on both backends: unique (round, person, period,
number) and "one attempt in progress" indexes bound starts, and every finalisation is a
compare-and-set on status = 'in_progress', so a submit counts exactly once.

These are the peak's hot paths: their statements are built once and run by `app.hotdb` (on
PostgreSQL straight on asyncpg), each write a single statement that settles its race by itself.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Column, Text, bindparam, cast, insert, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import ratelimit
from app.attempts import scoring
from app.attempts.draw import BlueprintError, draw
from app.config import settings
from app.contests import service as contest_service
from app.contests.directory import ContestEntry
from app.errors import AppError, not_found
from app.hotdb import HotDatabase, UniqueViolation
from app.leaderboard import events as board_events
from app.models import Attempt, AttemptStatus, Participant, Round
from app.participants.identity import receipt_code
from app.questions.catalog import Item, catalog

PREDICTION_MAX = 100_000_000

ATTEMPTS = Attempt.__table__
ROUNDS = Round.__table__
PARTICIPANTS = Participant.__table__
_ATTEMPT_COLUMNS = tuple(ATTEMPTS.c)
# A round as the hot paths read it: without its blueprint and prizes (JSON decoded for nothing).
_ROUND_COLUMNS = tuple(c for c in ROUNDS.c if c.name not in ("blueprint", "prizes"))


@dataclass(frozen=True)
class Started:
    attempt: Record
    round: Round
    created: bool


@dataclass(frozen=True)
class Finalised:
    """The outcome of a submit; `counted_now` is False for a repeat of an earlier submit."""

    attempt: Attempt | Record
    round: Round | Record
    counted_now: bool
    late: bool


def period_of(round_: Round, now: datetime) -> str:
    """The span the attempt limit counts over: the round, or the local calendar day."""
    if round_.attempt_period == "day":
        return now.astimezone(settings.tz).date().isoformat()
    return "round"


def grace_deadline(attempt: Attempt) -> datetime:
    return attempt.deadline + timedelta(seconds=settings.submit_grace_seconds)


class Record(SimpleNamespace):
    """A row of an attempt or a round as plain attributes, named like the model's fields.

    The hot paths read and pass these instead of ORM objects: building an ORM instance costs
    more than the query that fetched it. Code that takes an `Attempt` or a `Round` reads the
    same attributes from either.
    """


def _record(columns: Sequence[Column], values: Sequence[Any]) -> Record:
    return Record(**{c.name: v for c, v in zip(columns, values, strict=True)})


# The hot statements are built once, with bound parameters: building a statement per request
# (and its cache key) costs about as much as running it.
_WITH_ROUND = select(*_ATTEMPT_COLUMNS, *_ROUND_COLUMNS).join_from(
    ATTEMPTS, ROUNDS, ROUNDS.c.id == ATTEMPTS.c.round_id
)
_ATTEMPT_WITH_ROUND = _WITH_ROUND.where(ATTEMPTS.c.id == bindparam("attempt"))
_OWNED_WITH_ROUND = _ATTEMPT_WITH_ROUND.where(ATTEMPTS.c.participant_id == bindparam("participant"))
_PERSON_AND_ATTEMPTS = (
    select(
        PARTICIPANTS.c.unit_id,
        PARTICIPANTS.c.group_id,
        ATTEMPTS.c.id,
        ATTEMPTS.c.status,
        ATTEMPTS.c.period,
    )
    .select_from(
        PARTICIPANTS.outerjoin(
            ATTEMPTS,
            (ATTEMPTS.c.participant_id == PARTICIPANTS.c.id)
            & (ATTEMPTS.c.round_id == bindparam("round")),
        )
    )
    .where(PARTICIPANTS.c.id == bindparam("participant"))
)
_INSERT_ATTEMPT = insert(ATTEMPTS).returning(ATTEMPTS.c.id)
# A new attempt's columns that the INSERT leaves to their defaults.
_NEW_ATTEMPT = {column.name: None for column in _ATTEMPT_COLUMNS}
_STILL_IN_PROGRESS = (ATTEMPTS.c.id == bindparam("attempt")) & (
    ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS
)
# The values to set come with the parameters (each named like its column).
_FINALISE = update(ATTEMPTS).where(_STILL_IN_PROGRESS)
_SAVE_ANSWERS = update(ATTEMPTS).where(
    _STILL_IN_PROGRESS, cast(ATTEMPTS.c.answers, Text) == bindparam("stored")
)
_STATUS_AND_ANSWERS = select(ATTEMPTS.c.status, ATTEMPTS.c.answers).where(
    ATTEMPTS.c.id == bindparam("attempt")
)
SWEEP_BATCH = 500
_OVERDUE = (
    select(ATTEMPTS.c.id)
    .where(
        ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS, ATTEMPTS.c.deadline < bindparam("cutoff")
    )
    .order_by(ATTEMPTS.c.deadline)
    .limit(SWEEP_BATCH)
)


async def _attempt_with_round(
    db: HotDatabase, attempt_id: int, participant_id: int | None = None
) -> tuple[Record, Record] | None:
    """One attempt with its round, read in one statement."""
    if participant_id is None:
        rows = await db.rows(_ATTEMPT_WITH_ROUND, {"attempt": attempt_id})
    else:
        params = {"attempt": attempt_id, "participant": participant_id}
        rows = await db.rows(_OWNED_WITH_ROUND, params)
    if not rows:
        return None
    split = len(_ATTEMPT_COLUMNS)
    return _record(_ATTEMPT_COLUMNS, rows[0][:split]), _record(_ROUND_COLUMNS, rows[0][split:])


async def _person_and_attempts(
    db: HotDatabase, round_id: int, participant_id: int
) -> tuple[Record, list[Record]]:
    """The participant's unit and group, and their attempts in the round, in one statement
    (so that all come from the same snapshot)."""
    params = {"round": round_id, "participant": participant_id}
    rows = await db.rows(_PERSON_AND_ATTEMPTS, params)
    if not rows:
        raise AppError(401, "unauthorized", "Bạn cần đăng nhập lại.")
    person = Record(unit_id=rows[0][0], group_id=rows[0][1])
    attempts = [
        Record(id=row[2], status=row[3], period=row[4]) for row in rows if row[2] is not None
    ]
    return person, attempts


async def start(
    *,
    db: HotDatabase,
    redis: Redis,
    entry: ContestEntry,
    participant_id: int,
    now: datetime,
    ip: str,
) -> Started:
    """Starts an attempt in the open round, or returns the one already in progress."""
    await _limit(redis, "start", participant_id, ip)
    round_ = contest_service.current_round(entry.rounds, now)
    if round_ is None:
        raise AppError(409, "round_not_open", "Hiện không có đợt thi nào đang mở.")
    for _ in range(3):  # a lost race is retried: the winner's attempt is then found
        period = period_of(round_, now)
        person, attempts = await _person_and_attempts(db, round_.id, participant_id)
        open_id = next((a.id for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
        if open_id is not None:
            existing, _ = await _attempt_with_round(db, open_id)
            if now <= grace_deadline(existing):
                return Started(existing, round_, created=False)
            await expire(db=db, redis=redis, attempt=existing, round_=round_)
        used = sum(1 for a in attempts if a.period == period)
        if used >= round_.max_attempts:
            raise _limit_reached(round_)
        values = await _new_attempt(db, entry, round_, person, period, used + 1, now)
        values["participant_id"] = participant_id
        try:
            inserted = await db.rows(_INSERT_ATTEMPT, values)
        except UniqueViolation:
            continue  # another start won: look again
        attempt = Record(**(_NEW_ATTEMPT | values | {"id": inserted[0][0]}))
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
    db: HotDatabase,
    entry: ContestEntry,
    round_: Round,
    person: Any,
    period: str,
    number: int,
    now: datetime,
) -> dict[str, Any]:
    group = next((g for g in entry.groups if g.id == person.group_id), None)
    blueprint = group.blueprint if group and group.blueprint else round_.blueprint
    items = await catalog.active_items(db.engine)
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
    return {
        "round_id": round_.id,
        "unit_id": person.unit_id,
        "group_id": person.group_id,
        "period": period,
        "number": number,
        "status": AttemptStatus.IN_PROGRESS,
        "questions": drawn,
        "answers": {},
        "started_at": now,
        "deadline": deadline,
        "max_score": len(drawn),
    }


async def get_owned(
    *, db: HotDatabase, attempt_id: int, participant_id: int
) -> tuple[Record, Record]:
    """The participant's own attempt with its round (one query); anyone else's is not found."""
    found = await _attempt_with_round(db, attempt_id, participant_id)
    if found is None:
        raise not_found("Không tìm thấy bài thi.")
    return found


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


def shown_question(item: Item, option_order: list[int]) -> dict[str, Any]:
    """A question as the participant sees it: options in the attempt's order, no answer."""
    texts = item.option_text
    return {
        "id": str(item.version_id),
        "text": item.text,
        "options": [{"id": option_id, "text": texts[option_id]} for option_id in option_order],
    }


def acceptable_answers(attempt: Attempt, answers: dict[str, int]) -> dict[str, int]:
    """Only the answers that fit this attempt (a form may be tampered with or stale)."""
    allowed = {str(q["v"]): set(q["o"]) for q in attempt.questions}
    return {q: o for q, o in answers.items() if o in allowed.get(str(q), ())}


def _final_error() -> AppError:
    return AppError(409, "attempt_final", "Bài thi đã được nộp, không thể sửa câu trả lời.")


async def autosave(
    *,
    db: HotDatabase,
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
        raise _final_error()
    if now > attempt.deadline:
        raise AppError(409, "attempt_expired", "Đã hết thời gian làm bài.")
    # Compare-and-set on the answers as stored: two tabs saving at once never drop an answer;
    # each lost race means another save got in, so a few dozen tries always suffice.
    stored = attempt.answers
    for _ in range(32):
        merged = {**stored, **cleaned}
        params = {"attempt": attempt.id, "stored": json.dumps(stored)}
        saved = {"answers": merged, "answers_saved_at": now}
        if await db.rowcount(_SAVE_ANSWERS, params | saved) == 1:
            break
        # Another save or the submit came first: look again.
        status, stored = (await db.rows(_STATUS_AND_ANSWERS, {"attempt": attempt.id}))[0]
        if status != AttemptStatus.IN_PROGRESS:
            raise _final_error()
    else:
        raise AppError(409, "busy", "Hệ thống đang bận, vui lòng thử lại.")
    attempt.answers, attempt.answers_saved_at = merged, now
    return attempt


async def submit(
    *,
    db: HotDatabase,
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
    _check_prediction(prediction)
    if now > grace_deadline(attempt):
        return await expire(db=db, redis=redis, attempt=attempt, round_=round_)
    final_answers = {**attempt.answers, **cleaned}
    return await _finalise(
        db, redis, attempt, round_, final_answers, prediction, now, AttemptStatus.SUBMITTED
    )


async def submit_by_ticket(
    *,
    db: HotDatabase,
    redis: Redis,
    facts: Record,
    round_: Round,
    answers: dict[str, Any],
    prediction: int | None,
    now: datetime,
    ip: str,
) -> Finalised | None:
    """Submits an attempt known from its ticket (app.attempts.ticket) without reading it first.

    None, before anything is counted, when the stored attempt matters: a question left blank
    (its saved answer counts), a late submit, anything invalid; `submit` then handles it.
    A repeat still returns the first result: the compare-and-set finds the attempt final.
    """
    try:
        cleaned = valid_answers(facts, answers)
        _check_prediction(prediction)
    except AppError:
        return None
    if len(cleaned) < len(facts.questions) or now > grace_deadline(facts):
        return None
    await _limit(redis, "submit", facts.participant_id, ip)
    return await _finalise(
        db, redis, facts, round_, cleaned, prediction, now, AttemptStatus.SUBMITTED
    )


def _check_prediction(prediction: int | None) -> None:
    if prediction is not None and not 0 <= prediction <= PREDICTION_MAX:
        raise AppError(422, "invalid_prediction", "Số dự đoán phải là số nguyên từ 0 trở lên.")


async def expire(*, db: HotDatabase, redis: Redis, attempt: Attempt, round_: Round) -> Finalised:
    """Finalises an attempt past its deadline with the answers saved before the deadline."""
    return await _finalise(
        db,
        redis,
        attempt,
        round_,
        dict(attempt.answers),
        None,
        attempt.deadline,
        AttemptStatus.EXPIRED,
    )


async def _finalise(
    db: HotDatabase,
    redis: Redis,
    attempt: Attempt,
    round_: Round,
    answers: dict[str, int],
    prediction: int | None,
    finished_at: datetime,
    status: AttemptStatus,
) -> Finalised:
    items = await catalog.items(db.engine, [q["v"] for q in attempt.questions])
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
    if not await db.rowcount(_FINALISE, {"attempt": attempt.id, **values}):
        # Another request finalised it first: report that result.
        first, round_ = await _attempt_with_round(db, attempt.id)
        return Finalised(
            first, round_, counted_now=False, late=first.status == AttemptStatus.EXPIRED
        )
    for name, value in values.items():  # what was just written: no need to read it back
        setattr(attempt, name, value)
    await board_events.finalised(redis=redis, attempt=attempt, round_=round_)
    return Finalised(attempt, round_, counted_now=True, late=status == AttemptStatus.EXPIRED)


async def expire_overdue(*, db: HotDatabase, redis: Redis, now: datetime) -> list[Finalised]:
    """The periodic sweep: finalises up to SWEEP_BATCH abandoned attempts whose grace period
    has passed."""
    cutoff = now - timedelta(seconds=settings.submit_grace_seconds)
    done = []
    for (attempt_id,) in await db.rows(_OVERDUE, {"cutoff": cutoff}):
        attempt, round_ = await _attempt_with_round(db, attempt_id)
        done.append(await expire(db=db, redis=redis, attempt=attempt, round_=round_))
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
