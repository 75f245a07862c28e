"""Reading the live boards and counters kept in Redis.

A participant's entry is their best attempt: most right answers, and on a tie the earlier
attempt, which is the rule the official standings use too. The order between participants
is right answers, then working time, then submit time (see scoring.board_score).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.attempts import scoring
from app.leaderboard.events import board_key, contest_counters_key, round_counters_key
from app.models import Participant


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


async def counters(
    *, redis: Redis, contest_id: int, round_id: int | None
) -> tuple[dict[str, int], dict[str, int]]:
    """All live counters of a contest and of one of its rounds, as {field: value}."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(contest_counters_key(contest_id))
        pipe.hgetall(round_counters_key(round_id or 0))
        contest, round_ = await pipe.execute()
    return (
        {field: int(value) for field, value in contest.items()},
        {field: int(value) for field, value in round_.items()},
    )


async def live_counts(
    *, redis: Redis, contest_id: int, round_id: int | None
) -> dict[str, int] | None:
    """Registrations and the round's headline figures, or None when Redis is unreachable.

    Only the headline fields: the hashes also hold every unit's and day's figures.
    """
    headline = ("attempts", "participants", "submissions", "full_scores")
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hget(contest_counters_key(contest_id), "registrations")
            pipe.hmget(round_counters_key(round_id or 0), list(headline))
            registrations, figures = await pipe.execute()
    except (RedisError, OSError):
        return None
    return {
        "registrations": int(registrations or 0),
        **{name: int(value or 0) for name, value in zip(headline, figures, strict=True)},
    }
