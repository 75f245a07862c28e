"""Rate limits (GCRA, atomic in Redis, on Redis's own clock so that all workers agree).

A limit "N/minute" lets N requests through at once, then one every minute/N. Refusals are
429 with Retry-After and a Vietnamese message. When Redis is unreachable the limits fail open
(logged) or closed, per CUOCTHI_RATE_LIMIT_FAIL_OPEN.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import cache

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import settings
from app.errors import AppError
from app.redis import LuaScript, key

log = logging.getLogger(__name__)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

# KEYS: the subject's key. ARGV: emission interval (ms), tolerance (ms).
# Returns 0 when allowed, else the milliseconds to wait.
GCRA_SCRIPT = LuaScript("""
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - tolerance - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(next_tat - now))
return 0
""")


@dataclass(frozen=True)
class Rule:
    count: int
    seconds: int

    @property
    def interval_ms(self) -> int:
        return max(1, self.seconds * 1000 // self.count)


@cache
def parse(text: str) -> Rule:
    """ "60/minute" -> Rule(60, 60)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*", text)
    if not match or int(match[1]) < 1:
        raise ValueError(f"invalid rate limit {text!r}: write it as N/second|minute|hour|day")
    return Rule(int(match[1]), PERIODS[match[2]])


def rule_for(limit: str) -> Rule:
    return parse(getattr(settings, f"limit_{limit}"))


async def enforce(redis: Redis, limit: str, subject: object) -> None:
    """Counts one request of `subject` against the named limit; 429 when over it."""
    if not settings.rate_limits:
        return
    rule = rule_for(limit)
    try:
        wait_ms = await GCRA_SCRIPT(
            redis, [key("rl", limit, subject)], [rule.interval_ms, rule.seconds * 1000]
        )
    except (RedisError, OSError) as error:
        if settings.rate_limit_fail_open:
            log.warning("rate limit %s not checked: Redis unreachable (failing open)", limit)
            return
        raise AppError(
            503,
            "rate_limit_unavailable",
            "Hệ thống đang bận, vui lòng thử lại sau ít phút.",
            headers={"Retry-After": "30"},
        ) from error
    if int(wait_ms) > 0:
        seconds = max(1, math.ceil(int(wait_ms) / 1000))
        raise AppError(
            429,
            "rate_limited",
            f"Bạn thao tác quá nhanh. Vui lòng thử lại sau {seconds} giây.",
            headers={"Retry-After": str(seconds)},
        )
