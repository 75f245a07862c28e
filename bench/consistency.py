"""The consistency check: what the clients saw confirmed, what the database holds, what the
leaderboard counts. Nothing may be lost and nothing counted twice.

- confirmed: attempt ids of submit responses that were 200 with a receipt;
- stored: final attempts of the bench round in the database;
- lost: confirmed ids not stored, plus participants with a stored final attempt who are missing
  from the round's board (ZCARD, or the API's `total` when Redis is in process);
- double_counted: ids confirmed or stored more than once, board entries beyond the participants
  who submitted, and (real Redis) a `submissions` counter above the stored attempts.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
from redis import Redis

FINAL = "status <> 'in_progress'"


def stored_finals_postgres(dsn: str, round_id: int) -> list[tuple[int, int]]:
    async def fetch() -> list[tuple[int, int]]:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                f"SELECT id, participant_id FROM attempt WHERE round_id = $1 AND {FINAL}", round_id
            )
        finally:
            await conn.close()
        return [(row["id"], row["participant_id"]) for row in rows]

    return asyncio.run(fetch())


def stored_finals_sqlite(path: Path, round_id: int) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        statement = f"SELECT id, participant_id FROM attempt WHERE round_id = ? AND {FINAL}"
        return list(conn.execute(statement, (round_id,)))


def board_from_redis(redis_url: str, round_id: int) -> tuple[int, int | None]:
    """Entries on the round's board and its `submissions` counter."""
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        entries = client.zcard(f"cuocthi:lb:{round_id}")
        counter = client.hget(f"cuocthi:count:round:{round_id}", "submissions")
    finally:
        client.close()
    return int(entries), None if counter is None else int(counter)


def board_from_api(port: int, slug: str) -> tuple[int, int | None]:
    url = f"http://127.0.0.1:{port}/api/v1/contests/{slug}/leaderboard?limit=1"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return int(json.loads(reply.read())["total"]), None


def compare(
    confirmed_ids: list[int], finals: list[tuple[int, int]], board: int, counter: int | None
) -> dict[str, Any]:
    confirmed = set(confirmed_ids)
    stored = Counter(attempt_id for attempt_id, _ in finals)
    ranked = {participant for _, participant in finals}
    double = sum(n - 1 for n in Counter(confirmed_ids).values()) + sum(
        n - 1 for n in stored.values()
    )
    double += max(0, board - len(ranked))
    if counter is not None:
        double += max(0, counter - len(finals))
    lost_db = len(confirmed - set(stored))
    lost_board = max(0, len(ranked) - board)
    return {
        "confirmed": len(confirmed),
        "stored": len(finals),
        "stored_not_confirmed": len(set(stored) - confirmed),
        "participants_ranked": len(ranked),
        "board_entries": board,
        "submissions_counter": counter,
        "lost_in_database": lost_db,
        "lost_on_board": lost_board,
        "lost": lost_db + lost_board,
        "double_counted": double,
    }


def check(
    confirmed_ids: list[int],
    load_finals: Any,
    load_board: Any,
) -> dict[str, Any]:
    """Compares; on a mismatch waits for the servers' 10-second catch-up and looks again."""
    result = compare(confirmed_ids, load_finals(), *load_board())
    if result["lost"] or result["double_counted"]:
        time.sleep(12)
        result = {**compare(confirmed_ids, load_finals(), *load_board()), "rechecked": True}
    return result
