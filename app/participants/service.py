"""Registration, token recovery and authentication of participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import ratelimit
from app.config import settings
from app.contests.directory import directory
from app.errors import AppError, unauthorized
from app.leaderboard import events as board_events
from app.models import Contest, Participant, ParticipantGroup, Unit
from app.participants.identity import (
    TokenClaims,
    clean_name,
    issue_token,
    normalise_phone,
    read_token,
)
from app.units import service as unit_service

# The cookie that carries a participant's token on the pages (HttpOnly, SameSite=Strict).
PARTICIPANT_COOKIE = "cuocthi_thisinh"

# Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15: a child's data needs a parent's consent too.
PARENTAL_CONSENT_BELOW_AGE = 16


@dataclass
class Registration:
    full_name: str
    phone: str
    birth_year: int
    unit_code: str
    group: str
    consent: bool
    parent_consent: bool = False
    source_poster: str | None = None
    ip: str | None = None


def _field_error(field: str, message: str) -> AppError:
    return AppError(422, "invalid_input", message, fields={field: message})


async def register(
    *, session: AsyncSession, redis: Redis, contest: Contest, form: Registration, now: datetime
) -> tuple[Participant, str]:
    """Registers a participant and commits; returns the participant and its token."""
    await ratelimit.enforce(redis, "register_ip", form.ip)
    participant = Participant(
        contest_id=contest.id,
        full_name=valid_name(form.full_name),
        phone=await _valid_phone(redis, form.phone),
        birth_year=valid_birth_year(form, contest, now),
        group_id=(await valid_group(session, contest, form.group)).id,
        unit_id=(await valid_unit(session, form.unit_code)).id,
        parent_consent=form.parent_consent,
        consent_at=_valid_consent(form, now),
        registered_ip=form.ip,
        source_poster=form.source_poster,
        created_at=now,
    )
    session.add(participant)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise AppError(
            409,
            "phone_registered",
            "Số điện thoại này đã đăng ký dự thi. Hãy chọn “Tiếp tục dự thi” và nhập số điện "
            "thoại cùng năm sinh để tiếp tục.",
        ) from error
    await board_events.registered(redis=redis, participant=participant)
    return participant, token_for(participant)


def valid_name(raw: str) -> str:
    name = clean_name(raw)
    if len(name) < 2 or len(name) > 120 or not any(ch.isalpha() for ch in name):
        raise _field_error("full_name", "Vui lòng nhập họ và tên (từ 2 đến 120 ký tự).")
    return name


async def _valid_phone(redis: Redis, raw: str) -> str:
    phone = normalise_phone(raw)
    if phone is not None:
        await ratelimit.enforce(redis, "register_phone", phone)
    if phone is None:
        raise _field_error(
            "phone", "Số điện thoại không hợp lệ: cần số di động Việt Nam gồm 10 chữ số."
        )
    return phone


def valid_birth_year(form: Registration, contest: Contest, now: datetime) -> int:
    this_year = now.astimezone(settings.tz).year
    if not 1900 <= form.birth_year <= this_year:
        raise _field_error("birth_year", f"Năm sinh phải trong khoảng 1900 đến {this_year}.")
    age = this_year - form.birth_year
    if age < contest.min_age:
        raise _field_error(
            "birth_year", f"Cuộc thi dành cho người từ {contest.min_age} tuổi trở lên."
        )
    if age < PARENTAL_CONSENT_BELOW_AGE and not form.parent_consent:
        raise _field_error(
            "parent_consent",
            "Người dự thi dưới 16 tuổi cần có sự đồng ý của cha, mẹ hoặc người giám hộ.",
        )
    return form.birth_year


def _valid_consent(form: Registration, now: datetime) -> datetime:
    if not form.consent:
        raise _field_error(
            "consent", "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để tham gia dự thi."
        )
    return now


async def valid_group(session: AsyncSession, contest: Contest, code: str) -> ParticipantGroup:
    entry = await directory.by_id(session.bind, contest.id)  # the process's copy: no query
    group = next((g for g in entry.groups if g.code == code), None) if entry else None
    if group is None:
        raise _field_error("group", "Vui lòng chọn đối tượng dự thi.")
    return group


async def valid_unit(session: AsyncSession, code: str):  # noqa: ANN202 - Unit
    unit = await unit_service.get_by_code(session=session, code=(code or "").strip())
    if unit is None:
        raise _field_error("unit_code", "Vui lòng chọn đơn vị trong danh sách.")
    return unit


def token_for(participant: Participant) -> str:
    claims = TokenClaims(participant_id=participant.id, contest_id=participant.contest_id)
    return issue_token(settings.secret_key, claims)


async def recover(
    *,
    session: AsyncSession,
    redis: Redis,
    contest: Contest,
    phone: str,
    birth_year: int,
    ip: str,
) -> tuple[Participant, str]:
    """The token of a returning participant, from phone and birth year."""
    await ratelimit.enforce(redis, "recover_ip", ip)
    normalised = normalise_phone(phone)
    if normalised is not None:
        await ratelimit.enforce(redis, "recover_phone", normalised)
    participant = None
    if normalised is not None:
        participant = (
            await session.exec(
                select(Participant).where(
                    Participant.contest_id == contest.id,
                    Participant.phone == normalised,
                    Participant.birth_year == birth_year,
                )
            )
        ).first()
    if participant is None:
        raise AppError(
            404,
            "participant_not_found",
            "Không tìm thấy thí sinh với số điện thoại và năm sinh này. Vui lòng kiểm tra lại "
            "hoặc đăng ký mới.",
        )
    return participant, token_for(participant)


async def verify_token(
    *, engine: AsyncEngine, token: str, now: datetime, contest_id: int | None = None
) -> TokenClaims:
    """The claims of a genuine, unexpired token (of `contest_id` when given); else 401."""
    claims = read_token(settings.secret_key, token)
    if claims is None or (contest_id is not None and claims.contest_id != contest_id):
        raise unauthorized()
    entry = await directory.by_id(engine, claims.contest_id)
    ends = entry.ends_at if entry else None
    if ends is None or now > ends + timedelta(days=settings.token_valid_days_after_contest):
        raise unauthorized("Phiên dự thi đã hết hạn vì cuộc thi đã kết thúc.")
    return claims


async def authenticate(
    *, session: AsyncSession, token: str, now: datetime, contest_id: int | None = None
) -> Participant:
    """The participant a bearer token stands for; 401 if forged, expired or of another contest."""
    claims = await verify_token(engine=session.bind, token=token, now=now, contest_id=contest_id)
    participant = await session.get(Participant, claims.participant_id)
    if participant is None or participant.contest_id != claims.contest_id:
        raise unauthorized()
    return participant


async def public_names(*, session: AsyncSession, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Full name and unit name of participants who have not withdrawn (boards mask the name)."""
    if not ids:
        return {}
    statement = (
        select(Participant.id, Participant.full_name, Unit.name)
        .join(Unit, Unit.id == Participant.unit_id)
        .where(col(Participant.id).in_(ids), col(Participant.withdrawn_at).is_(None))
    )
    return {pid: (name, unit) for pid, name, unit in (await session.exec(statement)).all()}
