"""The one place Redis is used from: client, key names, dependency.

Redis holds only what can be rebuilt from the database. Every key starts with `cuocthi:`:

    rl:{limit}:{subject}                 rate-limit state (GCRA theoretical arrival time)
    lb:{round}                           leaderboard of a round (sorted set of participant ids)
    lb:{round}:unit:{unit}               … of one unit
    lb:{round}:group:{group}             … of one participant group
    count:contest:{contest}              registrations: fields registrations, unit:{id}:…,
                                         group:{id}:…, day:{yyyy-mm-dd}:… (hash)
    count:round:{round}                  attempts, submissions, participants, full_scores,
                                         score_sum, in the same scopes (hash)
    applied:{reg|start|final}:{id}       bitmaps of the events already applied (idempotence)
    burst:register:{address}             registrations from one address (the form's challenge)
    synced                               set once this Redis has been filled from the database
    sync-lock                            held by the one process replaying into Redis

CUOCTHI_REDIS_URL is redis://…, rediss://… (TLS, managed Redis), or
redis+sentinel://host1:26379,host2:26379/SERVICE/DB for Redis Sentinel; empty means the
embedded in-process stand-in (one server process only).
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from app.config import settings

PREFIX = "cuocthi"


def create_client(url: str | None = None) -> Redis:
    """A real Redis client, or the embedded in-process stand-in when no URL is set."""
    target = settings.redis_url if url is None else url
    if not target:
        from fakeredis import FakeAsyncRedis

        return FakeAsyncRedis(decode_responses=True)
    if target.startswith("redis+sentinel://"):
        return _sentinel_master(target)
    return Redis.from_url(target, **CLIENT_OPTIONS)


# Short timeouts: with Redis down, requests carry on (degraded) instead of hanging.
CLIENT_OPTIONS = {
    "decode_responses": True,
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,
    "health_check_interval": 15,
    "retry_on_timeout": False,
}


def _sentinel_master(url: str) -> Redis:
    """redis+sentinel://h1:26379,h2:26379/SERVICE/DB: the master that Sentinel names."""
    from urllib.parse import urlsplit

    from redis.asyncio.sentinel import Sentinel

    parts = urlsplit(url)
    hosts = []
    for host in parts.netloc.rsplit("@", 1)[-1].split(","):
        name, _, port = host.partition(":")
        hosts.append((name, int(port or 26379)))
    service, _, db = parts.path.strip("/").partition("/")
    options = {**CLIENT_OPTIONS, "db": int(db or 0)}
    if parts.password:
        options["password"] = parts.password
    sentinel = Sentinel(hosts, socket_timeout=1.0, socket_connect_timeout=1.0)
    return sentinel.master_for(service or "mymaster", **options)


def key(*parts: object) -> str:
    """A key name under the project prefix: key("lb", 3, "unit", 7) -> cuocthi:lb:3:unit:7."""
    return ":".join([PREFIX, *(str(part) for part in parts)])


async def is_up(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False


async def get_redis(request: Request) -> Redis:
    return request.app.state.redis


RedisDep = Annotated[Redis, Depends(get_redis)]


class LuaScript:
    """A Lua script sent by its SHA1 (EVALSHA), its text only when the server lacks it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - Redis's own script id

    async def __call__(self, client: Redis, keys: list[str], args: list[object]) -> object:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return await client.eval(self.text, len(keys), *keys, *args)
