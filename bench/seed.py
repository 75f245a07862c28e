"""Builds a big result set fast: participants and final attempts by COPY, then Redis replayed.

    CUOCTHI_DATABASE_URL=postgresql://… CUOCTHI_REDIS_URL=redis://… CUOCTHI_SECRET_KEY=… \\
        python -m bench.seed --attempts 1000000 [--slug bench-1m] [--units 600]

Every participant makes two final attempts (so 1,000,000 attempts are 500,000 people) spread
over the units; attempts carry what exports and statistics read (right answers, working time,
submit time, prediction, receipt) with empty questions/answers.
Then `app.leaderboard.sync.rebuild` replays the contest into Redis. PostgreSQL only: the rows
go in through asyncpg's binary COPY, some 20 times faster than INSERTs through the ORM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app import db
from app import redis as redis_module
from app.config import settings
from app.leaderboard import events, sync
from app.models import utcnow
from app.participants.identity import receipt_code
from bench.contest import ensure_contest, ensure_units

CHUNK = 100_000
ATTEMPTS_PER_PERSON = 2
PARTICIPANT_COLUMNS = (
    "id contest_id group_id unit_id full_name phone birth_year consent_at parent_consent created_at"
).split()
ATTEMPT_COLUMNS = (
    "id round_id participant_id unit_id group_id period number status questions answers "
    "started_at deadline answers_saved_at submitted_at correct_count max_score duration_ms "
    "prediction receipt"
).split()
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Hữu", "Thanh")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Yến")


def say(message: str) -> None:
    print(f"[seed] {message}", flush=True)


async def create_contest(slug: str, units: int) -> dict[str, Any]:
    engine = db.create_engine()
    try:
        async with db.session_factory(engine)() as session:
            codes = await ensure_units(session, units)
            contest, round_ = await ensure_contest(session, slug, opened=timedelta(days=6))
            await session.commit()
            return {
                "contest_id": contest.id,
                "round": round_,
                "codes": codes,
            }
    finally:
        await engine.dispose()


def participants(
    first_id: int, count: int, contest_id: int, groups: list[int], units: list[int]
) -> Iterator[tuple[Any, ...]]:
    joined = utcnow() - timedelta(days=6)
    for n in range(count):
        name = f"{FAMILY[n % 10]} {MIDDLE[n // 10 % 8]} {GIVEN[n // 80 % 12]}"
        yield (
            first_id + n, contest_id, groups[n % len(groups)], units[n % len(units)], name,
            f"09{n:08d}", 1960 + n % 45, joined, False, joined,
        )  # fmt: skip


def attempts(
    first_id: int, total: int, round_: Any, people: list[tuple[int, int, int]]
) -> Iterator[tuple[Any, ...]]:
    """Final attempts, two per person; `people` holds (id, unit, group) by participant index."""
    rng = random.Random(first_id)
    opened: datetime = round_.starts_at
    span = int((utcnow() - opened).total_seconds()) - 1000
    for n in range(total):
        attempt_id = first_id + n
        person, unit, group = people[n // ATTEMPTS_PER_PERSON]
        started = opened + timedelta(seconds=rng.randrange(span))
        duration = rng.randrange(60_000, 900_000)
        submitted = started + timedelta(milliseconds=duration)
        yield (
            attempt_id, round_.id, person, unit, group, "round",
            n % ATTEMPTS_PER_PERSON + 1, "submitted", "[]", "{}",
            started, started + timedelta(seconds=900), None, submitted,
            min(20, int(rng.triangular(4, 21, 15))), 20, duration, rng.randrange(5000),
            receipt_code(settings.secret_key, attempt_id),
        )  # fmt: skip


async def copy_rows(conn: asyncpg.Connection, contest: dict[str, Any], total: int) -> None:
    round_ = contest["round"]
    contest_id = contest["contest_id"]
    units = [r["id"] for r in await conn.fetch("SELECT id FROM unit WHERE code LIKE 'BX%'")]
    groups = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM participant_group WHERE contest_id = $1 ORDER BY id", contest_id
        )
    ]
    people_count = -(-total // ATTEMPTS_PER_PERSON)
    first_person = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM participant")
    rows = participants(first_person, people_count, contest_id, groups, units)
    await conn.copy_records_to_table("participant", records=rows, columns=PARTICIPANT_COLUMNS)
    say(f"{people_count:,} participants copied")
    people = [
        (first_person + n, units[n % len(units)], groups[n % len(groups)])
        for n in range(people_count)
    ]
    first_attempt = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM attempt")
    rows = attempts(first_attempt, total, round_, people)
    for offset in range(0, total, CHUNK):
        size = min(CHUNK, total - offset)
        chunk = itertools.islice(rows, size)
        await conn.copy_records_to_table("attempt", records=chunk, columns=ATTEMPT_COLUMNS)
        say(f"{offset + size:,} / {total:,} attempts copied")
    # Ids were given explicitly: move the sequences past them for later INSERTs.
    for table in ("participant", "attempt"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    await conn.execute("ANALYZE participant; ANALYZE attempt")


async def rebuild(contest_id: int, round_id: int, total: int) -> int:
    """Replays the contest into Redis, printing how far the replay got every few seconds."""
    engine = db.create_engine()
    redis = redis_module.create_client()

    async def progress() -> None:
        while True:
            await asyncio.sleep(5)
            done = await redis.bitcount(events.applied_key("final", round_id))
            say(f"Redis replay: {done:,} / {total:,} final attempts applied")

    reporter = asyncio.create_task(progress())
    try:
        async with db.session_factory(engine)() as session:
            return await sync.rebuild(session=session, redis=redis, contest_id=contest_id)
    finally:
        reporter.cancel()
        await redis.aclose()
        await engine.dispose()


async def seed(slug: str, total: int, units: int) -> dict[str, Any]:
    began = time.perf_counter()
    contest = await create_contest(slug, units)
    dsn = make_url(settings.database_url).set(drivername="postgresql")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        if await conn.fetchval(
            "SELECT count(*) FROM attempt WHERE round_id = $1", contest["round"].id
        ):
            raise SystemExit(f"contest {slug} already has attempts: seed a fresh database")
        await copy_rows(conn, contest, total)
    finally:
        await conn.close()
    copied = time.perf_counter()
    say(f"database: {copied - began:.1f} s; replaying Redis")
    events_sent = await rebuild(contest["contest_id"], contest["round"].id, total)
    done = time.perf_counter()
    say(f"Redis: {events_sent:,} events in {done - copied:.1f} s; total {done - began:.1f} s")
    return {
        "slug": slug,
        "attempts": total,
        "participants": -(-total // ATTEMPTS_PER_PERSON),
        "copy_s": round(copied - began, 1),
        "redis_rebuild_s": round(done - copied, 1),
        "total_s": round(done - began, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--slug", default="bench-1m")
    parser.add_argument("--units", type=int, default=600)
    args = parser.parse_args()
    if not settings.is_postgres or settings.embedded_redis:
        raise SystemExit("bench.seed needs CUOCTHI_DATABASE_URL (PostgreSQL) and CUOCTHI_REDIS_URL")
    db.upgrade()
    print(json.dumps(asyncio.run(seed(args.slug, args.attempts, args.units))))


if __name__ == "__main__":
    main()
