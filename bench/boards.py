"""Server-side time of the leaderboard on a big board: `top` (20) + `rank_of`, in process.

    CUOCTHI_REDIS_URL=redis://127.0.0.1:56379/1 python -m bench.boards --members 1000000

Fills a separate round key (cuocthi:lb:{BOARD_ROUND}) with MEMBERS participants through
pipelined ZADDs, times what a leaderboard request asks of Redis — the top 20 with the board's
size, then one participant's rank — SAMPLES times, deletes the key and prints JSON.
HTTP is left out on purpose: this is the part of the request that grows with the board.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta

from app.attempts import scoring
from app.leaderboard import service as board_service
from app.leaderboard.events import board_key
from app.redis import create_client
from bench.stats import summary

BOARD_ROUND = 900_000_000  # far above any real round id
ZADD_BATCH = 5000


async def fill(redis, members: int) -> float:  # noqa: ANN001 - redis.asyncio.Redis
    """ZADDs `members` random entries; returns the seconds it took."""
    key = board_key(BOARD_ROUND)
    await redis.delete(key)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rng = random.Random(9)
    began = time.perf_counter()
    async with redis.pipeline(transaction=False) as pipe:
        for first in range(1, members + 1, ZADD_BATCH):
            batch = {}
            for pid in range(first, min(first + ZADD_BATCH, members + 1)):
                submitted = start + timedelta(seconds=rng.randrange(600_000))
                batch[str(pid)] = scoring.board_score(
                    rng.randrange(21), rng.randrange(30_000, 900_000), submitted, start
                )
            pipe.zadd(key, batch)
            if len(pipe) >= 20:
                await pipe.execute()
        await pipe.execute()
    return time.perf_counter() - began


async def measure(members: int, samples: int) -> dict[str, object]:
    redis = create_client()
    try:
        fill_s = await fill(redis, members)
        size = await redis.zcard(board_key(BOARD_ROUND))
        rng = random.Random(7)
        latencies = []
        began = time.perf_counter()
        for _ in range(samples):
            t0 = time.perf_counter()
            await board_service.top(redis=redis, round_id=BOARD_ROUND, limit=20)
            await board_service.rank_of(
                redis=redis, round_id=BOARD_ROUND, participant_id=rng.randrange(1, members + 1)
            )
            latencies.append((time.perf_counter() - t0) * 1000)
        window = time.perf_counter() - began
        figure = summary(latencies, window, {})
        await redis.unlink(board_key(BOARD_ROUND))
    finally:
        await redis.aclose()
    return {"members": size, "fill_s": round(fill_s, 1), "samples": samples, **figure}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.members, args.samples))))


if __name__ == "__main__":
    main()
