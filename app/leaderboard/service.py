"""Live leaderboards and submission counters in Redis, rebuilt from the database on demand.

A participant's entry is their best attempt: most right answers, and on a tie the earlier
attempt, which is the rule the official standings use too. The order between participants
is right answers, then working time, then submit time (see scoring.board_score).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.attempts import scoring
from app.contests.ranking import Candidate, best_attempts
from app.models import Attempt, AttemptStatus, Participant, Round
from app.redis import key

log = logging.getLogger(__name__)

# KEYS: overall board, unit board, group board, round counters.
# ARGV: member, score, right answers, max score, unit id, group id.
# Replaces an entry only when the new attempt has more right answers (ties keep the earlier).
RECORD_SCRIPT = """
local shift = 2 ^ 47
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
local new_correct = tonumber(ARGV[3])
local full = new_correct == tonumber(ARGV[4])
local unit, group = 'unit:' .. ARGV[5] .. ':', 'group:' .. ARGV[6] .. ':'
redis.call('HINCRBY', KEYS[4], 'submissions', 1)
redis.call('HINCRBY', KEYS[4], unit .. 'submissions', 1)
redis.call('HINCRBY', KEYS[4], group .. 'submissions', 1)
local was_full = false
if old then
  local old_correct = math.floor(tonumber(old) / shift)
  if new_correct <= old_correct then return 0 end
  was_full = old_correct == tonumber(ARGV[4])
else
  redis.call('HINCRBY', KEYS[4], 'participants', 1)
  redis.call('HINCRBY', KEYS[4], unit .. 'participants', 1)
  redis.call('HINCRBY', KEYS[4], group .. 'participants', 1)
end
for i = 1, 3 do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1]) end
if full and not was_full then
  redis.call('HINCRBY', KEYS[4], 'full_scores', 1)
  redis.call('HINCRBY', KEYS[4], unit .. 'full_scores', 1)
  redis.call('HINCRBY', KEYS[4], group .. 'full_scores', 1)
end
return 1
"""


def board_key(round_id: int, unit_id: int | None = None, group_id: int | None = None) -> str:
    if unit_id is not None:
        return key("lb", round_id, "unit", unit_id)
    if group_id is not None:
        return key("lb", round_id, "group", group_id)
    return key("lb", round_id)


def counters_key(round_id: int) -> str:
    return key("count", "round", round_id)


def _record_args(attempt: Attempt, round_: Round) -> tuple[list[str], list[object]]:
    score = scoring.board_score(
        attempt.correct_count, attempt.duration_ms, attempt.submitted_at, round_.starts_at
    )
    keys = [
        board_key(round_.id),
        board_key(round_.id, unit_id=attempt.unit_id),
        board_key(round_.id, group_id=attempt.group_id),
        counters_key(round_.id),
    ]
    args = [
        attempt.participant_id,
        score,
        attempt.correct_count,
        attempt.max_score,
        attempt.unit_id,
        attempt.group_id,
    ]
    return keys, args


async def record(*, redis: Redis, attempt: Attempt, round_: Round) -> bool:
    """Puts a final attempt on the boards; False (logged) when Redis is unreachable."""
    keys, args = _record_args(attempt, round_)
    try:
        await redis.eval(RECORD_SCRIPT, len(keys), *keys, *args)
    except (RedisError, OSError):
        log.warning(
            "leaderboard update failed for attempt %s; a rebuild will restore it", attempt.id
        )
        return False
    return True


@dataclass(frozen=True)
class BoardEntry:
    rank: int
    participant_id: int
    correct: int
    duration_ms: int


async def top(
    *,
    redis: Redis,
    round_id: int,
    unit_id: int | None = None,
    group_id: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[BoardEntry], int]:
    """A page of a board and its size: O(log N + limit)."""
    board = board_key(round_id, unit_id, group_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zrevrange(board, offset, offset + limit - 1, withscores=True)
        pipe.zcard(board)
        rows, total = await pipe.execute()
    entries = []
    for index, (member, score) in enumerate(rows):
        correct, duration = scoring.unpack_board_score(score)
        entries.append(BoardEntry(offset + index + 1, int(member), correct, duration))
    return entries, int(total)


async def rank_of(*, redis: Redis, round_id: int, participant_id: int) -> int | None:
    """A participant's current place on the round's board (1 = first), or None."""
    position = await redis.zrevrank(board_key(round_id), participant_id)
    return None if position is None else position + 1


async def remove(*, redis: Redis, round_ids: list[int], participant: Participant) -> None:
    """Takes a participant off every board (after withdrawing consent)."""
    async with redis.pipeline(transaction=False) as pipe:
        for round_id in round_ids:
            pipe.zrem(board_key(round_id), participant.id)
            pipe.zrem(board_key(round_id, unit_id=participant.unit_id), participant.id)
            pipe.zrem(board_key(round_id, group_id=participant.group_id), participant.id)
        await pipe.execute()


async def final_candidates(
    *, session: AsyncSession, round_id: int
) -> list[tuple[Attempt, Candidate]]:
    """Every final attempt of a round by participants still in the contest."""
    statement = (
        select(Attempt)
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(
            Attempt.round_id == round_id,
            col(Attempt.status).in_([AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED]),
            col(Participant.withdrawn_at).is_(None),
        )
    )
    return [(attempt, candidate_of(attempt)) for attempt in (await session.exec(statement)).all()]


def candidate_of(attempt: Attempt) -> Candidate:
    return Candidate(
        participant_id=attempt.participant_id,
        attempt_id=attempt.id,
        unit_id=attempt.unit_id,
        correct=attempt.correct_count,
        prediction=attempt.prediction,
        duration_ms=attempt.duration_ms,
        submitted_at=attempt.submitted_at,
    )


async def rebuild_round(*, session: AsyncSession, redis: Redis, round_: Round) -> int:
    """Recreates a round's boards and submission counters from the database."""
    rows = await final_candidates(session=session, round_id=round_.id)
    stale = [k async for k in redis.scan_iter(match=key("lb", round_.id) + "*")]
    async with redis.pipeline(transaction=True) as pipe:
        if stale:
            pipe.delete(*stale)
        pipe.delete(counters_key(round_.id))
        # Earliest first, so that ties keep the earlier attempt, as at submit.
        for attempt, _ in sorted(rows, key=lambda row: (row[0].submitted_at, row[0].id)):
            keys, args = _record_args(attempt, round_)
            pipe.eval(RECORD_SCRIPT, len(keys), *keys, *args)
        await pipe.execute()
    return len(best_attempts(candidate for _, candidate in rows))


async def rebuild(*, session: AsyncSession, redis: Redis, contest_id: int | None = None) -> int:
    """Rebuilds the boards of every round (of one contest, or all); returns rounds rebuilt."""
    statement = select(Round)
    if contest_id is not None:
        statement = statement.where(Round.contest_id == contest_id)
    rounds = (await session.exec(statement)).all()
    for round_ in rounds:
        await rebuild_round(session=session, redis=redis, round_=round_)
    await _rebuild_registrations(session, redis, contest_id)
    return len(rounds)


async def _rebuild_registrations(
    session: AsyncSession, redis: Redis, contest_id: int | None
) -> None:
    statement = select(
        Participant.contest_id, Participant.unit_id, Participant.group_id, func.count()
    ).group_by(Participant.contest_id, Participant.unit_id, Participant.group_id)
    if contest_id is not None:
        statement = statement.where(Participant.contest_id == contest_id)
    totals: dict[int, dict[str, int]] = {}
    for contest, unit, group, count in (await session.exec(statement)).all():
        fields = totals.setdefault(contest, {"registrations": 0})
        fields["registrations"] += count
        fields[f"unit:{unit}:registrations"] = fields.get(f"unit:{unit}:registrations", 0) + count
        fields[f"group:{group}:registrations"] = (
            fields.get(f"group:{group}:registrations", 0) + count
        )
    async with redis.pipeline(transaction=True) as pipe:
        for contest, fields in totals.items():
            pipe.delete(contest_counters_key(contest))
            pipe.hset(contest_counters_key(contest), mapping=fields)
        await pipe.execute()


def contest_counters_key(contest_id: int) -> str:
    return key("count", "contest", contest_id)


async def count_registration(*, redis: Redis, contest_id: int, unit_id: int, group_id: int) -> None:
    """One more registration on the live counters; a Redis outage is logged, not raised."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            counters = contest_counters_key(contest_id)
            pipe.hincrby(counters, "registrations", 1)
            pipe.hincrby(counters, f"unit:{unit_id}:registrations", 1)
            pipe.hincrby(counters, f"group:{group_id}:registrations", 1)
            await pipe.execute()
    except (RedisError, OSError):
        log.warning("registration counter not updated for contest %s", contest_id)


async def live_counts(
    *, redis: Redis, contest_id: int, round_id: int | None
) -> dict[str, int] | None:
    """Registrations and the open round's participants, or None when Redis is unreachable."""
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hget(contest_counters_key(contest_id), "registrations")
            pipe.hmget(counters_key(round_id or 0), ["participants", "submissions", "full_scores"])
            registrations, (participants, submissions, full) = await pipe.execute()
    except (RedisError, OSError):
        return None
    return {
        "registrations": int(registrations or 0),
        "participants": int(participants or 0),
        "submissions": int(submissions or 0),
        "full_scores": int(full or 0),
    }
