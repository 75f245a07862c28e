"""Keeping Redis whole: replay events from the database, and rebuild on request.

Replaying is safe at any time and from any process, because every event applies at most once
(see events.py). A marker key tells whether this Redis has been filled since it started: a
Redis that restarted empty lacks it, and the next catch-up (every few seconds, in every server
process) replays everything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.leaderboard import events
from app.leaderboard.service import remove
from app.models import Attempt, AttemptStatus, Participant, Round, utcnow
from app.redis import key

log = logging.getLogger(__name__)

MARKER = key("synced")
LOCK = key("sync-lock")
BATCH = 2000


async def _batches(session: AsyncSession, statement) -> AsyncIterator[list]:  # noqa: ANN001
    """Rows in id order, a batch at a time, so that a million rows fit in memory."""
    last_id = 0
    model = statement.column_descriptions[0]["entity"]
    while True:
        rows = list(
            (
                await session.exec(
                    statement.where(col(model.id) > last_id).order_by(model.id).limit(BATCH)
                )
            ).all()
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


async def _send(redis: Redis, calls: list[tuple[str, list[str], list[object]]]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for script, keys, args in calls:
            pipe.eval(script, len(keys), *keys, *args)
        await pipe.execute()


async def replay(*, session: AsyncSession, redis: Redis, contest_id: int | None = None) -> int:
    """Applies every registration, start and final attempt in the database; returns the count."""
    rounds = {r.id: r for r in (await session.exec(_rounds(contest_id))).all()}
    sent = 0
    registrations = select(Participant)
    if contest_id is not None:
        registrations = registrations.where(Participant.contest_id == contest_id)
    async for rows in _batches(session, registrations):
        await _send(redis, [events.registration_call(p) for p in rows])
        sent += len(rows)
    attempts = select(Attempt).where(col(Attempt.round_id).in_(list(rounds)))
    async for rows in _batches(session, attempts):
        calls = [events.start_call(a) for a in rows]
        calls += [events.final_call(a, rounds[a.round_id]) for a in _finals(rows)]
        await _send(redis, calls)
        sent += len(calls)
    await _drop_withdrawn(session, redis, rounds)
    return sent


def _finals(rows: list[Attempt]) -> list[Attempt]:
    """Final attempts, earliest submitted first, as they were applied live."""
    final = [a for a in rows if a.status != AttemptStatus.IN_PROGRESS]
    return sorted(final, key=lambda a: (a.submitted_at, a.id))


def _rounds(contest_id: int | None):  # noqa: ANN202
    statement = select(Round)
    return statement if contest_id is None else statement.where(Round.contest_id == contest_id)


async def _drop_withdrawn(session: AsyncSession, redis: Redis, rounds: dict[int, Round]) -> None:
    withdrawn = select(Participant).where(col(Participant.withdrawn_at).is_not(None))
    for participant in (await session.exec(withdrawn)).all():
        await remove(redis=redis, round_ids=list(rounds), participant=participant)


async def rebuild(*, session: AsyncSession, redis: Redis, contest_id: int | None = None) -> int:
    """Deletes the boards and counters (of one contest, or all) and replays them from scratch."""
    rounds = (await session.exec(_rounds(contest_id))).all()
    contests = {r.contest_id for r in rounds} if contest_id is None else {contest_id}
    patterns = [key("lb", r.id) + "*" for r in rounds]
    stale = [events.round_counters_key(r.id) for r in rounds]
    stale += [events.applied_key(kind, r.id) for r in rounds for kind in ("start", "final")]
    stale += [events.contest_counters_key(c) for c in contests]
    stale += [events.applied_key("reg", c) for c in contests]
    for pattern in patterns:
        stale += [found async for found in redis.scan_iter(match=pattern, count=1000)]
    if stale:
        await redis.delete(*stale)
    sent = await replay(session=session, redis=redis, contest_id=contest_id)
    if contest_id is None:
        await redis.set(MARKER, "1")
    return sent


async def catch_up(*, session: AsyncSession, redis: Redis) -> bool:
    """Replays everything when Redis came back empty or this process missed updates.

    Returns True when a replay ran. Raises RedisError while Redis is still unreachable.
    """
    if not events.sync_state.dirty and await redis.exists(MARKER):
        return False
    if not await redis.set(LOCK, "1", nx=True, ex=300):
        return False  # another process is replaying right now
    try:
        events.sync_state.dirty = False
        sent = await replay(session=session, redis=redis)
        await redis.set(MARKER, "1")  # only now: a replay cut short leaves the marker unset
    except BaseException:
        events.sync_state.dirty = True
        raise
    finally:
        await redis.delete(LOCK)
    log.info("Redis caught up from the database (%d events replayed)", sent)
    return True


async def _database_counts(session: AsyncSession) -> dict[str, int]:
    """Registrations and per round attempts and submissions of the rounds still live (or
    ended within a day), by SQL: the figures the live counters must match."""
    live = select(Round.id, Round.contest_id).where(
        col(Round.ends_at) > utcnow() - timedelta(days=1)
    )
    rounds = (await session.exec(live)).all()
    counts: dict[str, int] = {}
    if not rounds:
        return counts
    contests = {contest_id for _, contest_id in rounds}
    registrations = (
        select(Participant.contest_id, func.count())
        .where(col(Participant.contest_id).in_(contests))
        .group_by(Participant.contest_id)
    )
    for contest_id, n in (await session.exec(registrations)).all():
        counts[f"{events.contest_counters_key(contest_id)}|registrations"] = n
    attempts = (
        select(
            Attempt.round_id,
            func.count(),
            func.count().filter(col(Attempt.status) != AttemptStatus.IN_PROGRESS),
        )
        .where(col(Attempt.round_id).in_([round_id for round_id, _ in rounds]))
        .group_by(Attempt.round_id)
    )
    for round_id, started, final in (await session.exec(attempts)).all():
        counts[f"{events.round_counters_key(round_id)}|attempts"] = started
        counts[f"{events.round_counters_key(round_id)}|submissions"] = final
    return counts


async def _redis_counts(redis: Redis, names: Iterable[str]) -> dict[str, int]:
    names = list(names)
    async with redis.pipeline(transaction=False) as pipe:
        for name in names:
            hash_key, field = name.split("|")
            pipe.hget(hash_key, field)
        found = await pipe.execute()
    return {name: int(have or 0) for name, have in zip(names, found, strict=True)}


def _differences(expected: dict[str, int], have: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Counters whose Redis value differs from the database: {counter: (database, redis)}."""
    return {
        name: (expected.get(name, 0), count)
        for name, count in have.items()
        if count != expected.get(name, 0)
    }


async def verify(*, session: AsyncSession, redis: Redis, settle_seconds: float = 2.0) -> bool:
    """Repairs Redis when it missed an event for good (a worker killed between its database
    commit and its Redis update).

    Under load the database is always a little ahead of Redis (requests in flight), so a loss
    is only a counter still below what the database had at the first look, after the settle
    time. A counter above the database (rows purged since) is one too; the second look reads
    Redis before the database, so that events landing meanwhile never look like one.
    """
    expected = await _database_counts(session)
    first = _differences(expected, await _redis_counts(redis, expected))
    if not first:
        return False
    await asyncio.sleep(settle_seconds)
    await session.commit()  # a fresh snapshot for the second look
    have = await _redis_counts(redis, expected)
    second = _differences(await _database_counts(session), have)
    lasting = {
        name: (want, count)
        for name, (want, count) in second.items()
        if count > want or (name in first and count < first[name][0])
    }
    if not lasting or not await redis.set(LOCK, "1", nx=True, ex=300):
        return False
    # Counts above the database can only be fixed by starting over; a deficit by a replay.
    repair = rebuild if any(have > want for want, have in lasting.values()) else replay
    try:
        sent = await repair(session=session, redis=redis)
    finally:
        await redis.delete(LOCK)
    log.warning(
        "Redis had drifted from the database (%s); %s with %d events",
        ", ".join(sorted(lasting))[:200],
        repair.__name__,
        sent,
    )
    return True
