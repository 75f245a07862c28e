"""Organiser accounts: Argon2 passwords, signed session cookies, CSRF tokens, lockout.

Sessions are stateless signed cookies carrying the account's session generation, so that
"đăng xuất khỏi mọi nơi" (bumping the generation) ends every session on every server.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from redis.asyncio import Redis
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import ratelimit
from app.config import settings
from app.errors import AppError
from app.models import Organiser, OrganiserRole
from app.units import service as unit_service

SESSION_COOKIE = "cuocthi_quantri"
SESSION_HOURS = 12
# Failed logins: from the 3rd on, each answer waits longer (1, 2, 4 … s); the 10th locks.
SLOW_AFTER, LOCK_AFTER = 3, 10
LOCK_MINUTES = 15

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("không-phải-mật-khẩu")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise AppError(422, "weak_password", "Mật khẩu cần ít nhất 10 ký tự.")


async def create_user(
    *, session: AsyncSession, username: str, password: str, role: str, unit_code: str | None
) -> Organiser:
    """Creates an organiser account (flushes, no commit)."""
    if role not in {r.value for r in OrganiserRole}:
        raise AppError(422, "invalid_role", "Vai trò phải là quan-tri hoặc don-vi.")
    check_password_strength(password)
    unit_id = None
    if role == OrganiserRole.UNIT:
        unit = await unit_service.get_by_code(session=session, code=unit_code or "")
        if unit is None:
            raise AppError(
                422, "invalid_unit", "Tài khoản đơn vị cần --unit là mã một đơn vị có sẵn."
            )
        unit_id = unit.id
    existing = await _by_username(session, username)
    if existing is not None:
        raise AppError(409, "username_taken", f"Tên đăng nhập “{username}” đã có.")
    organiser = Organiser(
        username=username.strip().lower(),
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
    )
    session.add(organiser)
    await session.flush()
    return organiser


async def _by_username(session: AsyncSession, username: str) -> Organiser | None:
    statement = select(Organiser).where(Organiser.username == username.strip().lower())
    return (await session.exec(statement)).first()


LOGIN_FAILED = "Tên đăng nhập hoặc mật khẩu không đúng."


async def login(
    *, session: AsyncSession, redis: Redis, username: str, password: str, ip: str, now: datetime
) -> Organiser:
    """Checks a password; slows down and then locks an account under repeated failures."""
    await ratelimit.enforce(redis, "login_ip", ip)
    await ratelimit.enforce(redis, "login_username", username.strip().lower())
    organiser = await _by_username(session, username)
    if organiser is not None and organiser.locked_until and organiser.locked_until > now:
        minutes = max(1, int((organiser.locked_until - now).total_seconds() // 60) + 1)
        raise AppError(
            423,
            "account_locked",
            f"Tài khoản tạm khoá do đăng nhập sai nhiều lần; thử lại sau {minutes} phút.",
        )
    if not _verify(organiser, password):
        if organiser is not None:
            await _count_failure(session, organiser, now)
        raise AppError(401, "login_failed", LOGIN_FAILED)
    organiser.failed_logins, organiser.locked_until = 0, None
    if _hasher.check_needs_rehash(organiser.password_hash):
        organiser.password_hash = hash_password(password)
    session.add(organiser)
    await session.commit()
    return organiser


def _verify(organiser: Organiser | None, password: str) -> bool:
    try:
        return _hasher.verify(organiser.password_hash if organiser else _DUMMY_HASH, password) and (
            organiser is not None
        )
    except VerificationError:
        return False


async def _count_failure(session: AsyncSession, organiser: Organiser, now: datetime) -> None:
    organiser.failed_logins += 1
    if organiser.failed_logins >= LOCK_AFTER:
        organiser.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        organiser.failed_logins = 0
    session.add(organiser)
    await session.commit()
    if organiser.failed_logins >= SLOW_AFTER:
        await asyncio.sleep(min(2 ** (organiser.failed_logins - SLOW_AFTER), 8))


async def logout_everywhere(*, session: AsyncSession, organiser: Organiser) -> None:
    organiser.session_generation += 1
    session.add(organiser)
    await session.commit()


@dataclass(frozen=True)
class SessionClaims:
    organiser_id: int
    generation: int
    issued: int
    nonce: str


def _sign(payload: str) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), f"organiser:{payload}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_session(organiser: Organiser) -> str:
    """A fresh session value (a new nonce at every login: no session fixation)."""
    nonce = secrets.token_urlsafe(12)
    payload = f"{organiser.id}.{organiser.session_generation}.{int(time.time())}.{nonce}"
    return f"{payload}.{_sign(payload)}"


def read_session(value: str) -> SessionClaims | None:
    try:
        organiser_id, generation, issued, nonce, signature = value.split(".")
        payload = f"{organiser_id}.{generation}.{issued}.{nonce}"
        claims = SessionClaims(int(organiser_id), int(generation), int(issued), nonce)
    except ValueError:
        return None
    if not hmac.compare_digest(_sign(payload), signature):
        return None
    if time.time() - claims.issued > SESSION_HOURS * 3600:
        return None
    return claims


async def organiser_for(*, session: AsyncSession, value: str | None) -> Organiser | None:
    """The organiser a session cookie stands for, if it is genuine, current and not revoked."""
    claims = read_session(value or "")
    if claims is None:
        return None
    organiser = await session.get(Organiser, claims.organiser_id)
    if organiser is None or organiser.session_generation != claims.generation:
        return None
    return organiser


def csrf_token(session_value: str) -> str:
    """The form token bound to one session: another site cannot know it."""
    return _sign(f"csrf:{session_value}")[:32]


def csrf_valid(session_value: str, token: str) -> bool:
    return bool(session_value) and hmac.compare_digest(csrf_token(session_value), token or "")
