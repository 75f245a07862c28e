"""A self-hosted challenge shown when registrations from one address burst.

No outside CAPTCHA service: a small sum in Vietnamese, signed so that any worker can check it
without storing anything. It slows scripted mass registration behind one address; a commune
office behind one NAT sees it only after many registrations in a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import settings
from app.redis import key

WINDOW_SECONDS = 600
VALID_SECONDS = 900
NUMBER_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _sign(a: int, b: int, expires: int) -> str:
    message = f"challenge:{a}:{b}:{expires}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def new_challenge() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    expires = int(time.time()) + VALID_SECONDS
    return Challenge(
        question=f"{NUMBER_WORDS[a].capitalize()} cộng {NUMBER_WORDS[b]} bằng mấy? (nhập số)",
        token=f"{a}.{b}.{expires}.{_sign(a, b, expires)}",
    )


def solved(token: str, answer: str) -> bool:
    """Whether the answer fits a genuine, unexpired challenge."""
    try:
        a, b, expires, signature = token.split(".")
        numbers = int(a), int(b), int(expires)
        given = int(answer.strip())
    except (ValueError, AttributeError):
        return False
    genuine = hmac.compare_digest(_sign(*numbers), signature)
    return genuine and numbers[2] >= time.time() and given == numbers[0] + numbers[1]


async def needed(redis: Redis, ip: str) -> bool:
    """Whether registrations from this address have burst within the window."""
    if not settings.rate_limits:
        return False
    try:
        count = await redis.get(key("burst", "register", ip))
    except (RedisError, OSError):
        return False
    return int(count or 0) >= settings.challenge_after_registrations


async def note_registration(redis: Redis, ip: str) -> None:
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key("burst", "register", ip))
            pipe.expire(key("burst", "register", ip), WINDOW_SECONDS, nx=True)
            await pipe.execute()
    except (RedisError, OSError):
        return


class ChallengeRequired(Exception):
    """Registration needs a solved challenge first; carries a fresh one to show."""

    def __init__(self, challenge: Challenge, wrong_answer: bool) -> None:
        super().__init__(challenge.question)
        self.challenge = challenge
        self.wrong_answer = wrong_answer


async def require_if_bursting(redis: Redis, ip: str, token: str, answer: str) -> None:
    """Passes when no challenge is needed or the given one is solved; else ChallengeRequired."""
    if not await needed(redis, ip) or solved(token, answer):
        return
    raise ChallengeRequired(new_challenge(), wrong_answer=bool(answer))
