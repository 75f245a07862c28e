"""The one place Redis is used from: client, key names, dependency.

Redis holds only what can be rebuilt from the database (rate limits, leaderboards, live
counters, attempt deadlines). Every key starts with `cuocthi:`; the layout is:

    cuocthi:rl:{action}:{subject}                       rate-limit window (sorted set)
    cuocthi:lb:{round_id}                               leaderboard of a round (sorted set)
    cuocthi:lb:{round_id}:unit:{unit_id}                … of one unit
    cuocthi:lb:{round_id}:group:{group_id}              … of one participant group
    cuocthi:count:{contest_id}                          live counters of a contest (hash)
    cuocthi:count:{contest_id}:round:{round_id}         … of a round (hash)
    cuocthi:rebuilt:{contest_id}                        when the boards were last rebuilt
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import settings

PREFIX = "cuocthi"


def create_client(url: str | None = None) -> Redis:
    """A real Redis client, or the embedded in-process stand-in when no URL is set."""
    target = settings.redis_url if url is None else url
    if not target:
        from fakeredis import FakeAsyncRedis

        return FakeAsyncRedis(decode_responses=True)
    return Redis.from_url(
        target,
        decode_responses=True,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        health_check_interval=15,
        retry_on_timeout=False,
    )


def key(*parts: object) -> str:
    """A key name under the project prefix: key("lb", 3, "unit", 7) -> cuocthi:lb:3:unit:7."""
    return ":".join([PREFIX, *(str(part) for part in parts)])


async def is_up(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False


def get_redis(request: Request) -> Redis:
    return request.app.state.redis


RedisDep = Annotated[Redis, Depends(get_redis)]
