"""Participant API: registration, token recovery, and the bearer-token dependency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, Query, Request, status
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.clientip import ClientIP, client_ip
from app.clock import NowDep, now_of
from app.contests import service as contest_service
from app.contests.api import ContestDep, ContestEntryDep
from app.db import SessionDep
from app.errors import API_ERRORS, leaderboard_updating, unauthorized
from app.hotdb import HotDatabase
from app.leaderboard import service as board_service
from app.models import Participant, ParticipantGroup, Unit
from app.participants import privacy
from app.participants import service as participant_service
from app.participants.identity import TokenClaims
from app.participants.schemas import (
    CorrectionIn,
    MeOut,
    MyRankOut,
    RecoveryIn,
    RegistrationIn,
    TokenOut,
)
from app.participants.service import PARTICIPANT_COOKIE
from app.redis import RedisDep

router = APIRouter(prefix="/api/v1", tags=["Thí sinh"], responses=API_ERRORS)


def token_of(authorization: str | None, cookie_token: str | None) -> str:
    """The token of the `Authorization: Bearer <token>` header, or of the pages' cookie.

    The cookie is SameSite=Strict, so another site cannot make a browser send it.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = cookie_token or ""
    if not token:
        raise unauthorized()
    return token.strip()


async def bearer_token(
    authorization: Annotated[str | None, Header()] = None,
    cookie_token: Annotated[str | None, Cookie(alias=PARTICIPANT_COOKIE)] = None,
) -> str:
    """token_of as a dependency, with the header and cookie in the API's documentation."""
    return token_of(authorization, cookie_token)


TokenDep = Annotated[str, Depends(bearer_token)]


async def current_participant(session: SessionDep, now: NowDep, token: TokenDep) -> Participant:
    """The participant the token stands for, loaded from the database."""
    return await participant_service.authenticate(session=session, token=token, now=now)


@dataclass(frozen=True)
class Caller:
    """A participant's call on a hot path: who (from the signed token alone, no participant
    row), when, from where, and the databases to use.

    One dependency instead of five: FastAPI's bookkeeping per dependency costs more than
    checking the token does.
    """

    claims: TokenClaims
    now: datetime
    ip: str
    db: HotDatabase
    redis: Redis


async def current_caller(request: Request) -> Caller:
    """The hot paths read the token themselves: one dependency less (see Caller)."""
    token = token_of(request.headers.get("authorization"), request.cookies.get(PARTICIPANT_COOKIE))
    now = now_of(request)
    claims = await participant_service.verify_token(
        engine=request.app.state.autocommit, token=token, now=now
    )
    state = request.app.state
    return Caller(claims, now, client_ip(request), state.hot, state.redis)


ParticipantDep = Annotated[Participant, Depends(current_participant)]
CallerDep = Annotated[Caller, Depends(current_caller)]


@router.post(
    "/contests/{slug}/participants", status_code=status.HTTP_201_CREATED, response_model=TokenOut
)
async def register(
    body: RegistrationIn,
    contest: ContestDep,
    session: SessionDep,
    redis: RedisDep,
    now: NowDep,
    ip: ClientIP,
) -> TokenOut:
    """Registers for a contest; one registration per phone number per contest."""
    form = participant_service.Registration(**body.model_dump(), ip=ip)
    participant, token = await participant_service.register(
        session=session, redis=redis, contest=contest, form=form, now=now
    )
    return TokenOut(participant_id=participant.id, token=token)


@router.post("/contests/{slug}/participants/recover", response_model=TokenOut)
async def recover(
    body: RecoveryIn, contest: ContestDep, session: SessionDep, redis: RedisDep, ip: ClientIP
) -> TokenOut:
    """Gives a returning participant their token back, from phone number and birth year."""
    participant, token = await participant_service.recover(
        session=session,
        redis=redis,
        contest=contest,
        phone=body.phone,
        birth_year=body.birth_year,
        ip=ip,
    )
    return TokenOut(participant_id=participant.id, token=token)


async def _me(session: SessionDep, participant: Participant) -> MeOut:
    unit = await session.get(Unit, participant.unit_id)
    group = await session.get(ParticipantGroup, participant.group_id)
    return MeOut(
        participant_id=participant.id,
        full_name=participant.full_name,
        phone=participant.phone,
        birth_year=participant.birth_year,
        unit_code=unit.code,
        group=group.code,
        consent_at=participant.consent_at,
        withdrawn_at=participant.withdrawn_at,
    )


@router.get("/me", response_model=MeOut)
async def read_me(participant: ParticipantDep, session: SessionDep) -> MeOut:
    """Everything we hold about the participant."""
    return await _me(session, participant)


@router.put("/me", response_model=MeOut)
async def correct_me(
    body: CorrectionIn, participant: ParticipantDep, session: SessionDep, now: NowDep
) -> MeOut:
    """Corrects name, birth year, unit and group."""
    await privacy.correct(session=session, participant=participant, now=now, **body.model_dump())
    return await _me(session, participant)


@router.post("/me/withdraw", response_model=MeOut)
async def withdraw_me(
    participant: ParticipantDep, session: SessionDep, redis: RedisDep, now: NowDep
) -> MeOut:
    """Withdraws consent: off the public boards and out of the prizes."""
    await privacy.withdraw(session=session, redis=redis, participant=participant, now=now)
    return await _me(session, participant)


@router.get("/contests/{slug}/leaderboard/me", response_model=MyRankOut)
async def my_rank(
    entry: ContestEntryDep,
    caller: CallerDep,
    round: Annotated[int | None, Query(ge=1, le=10_000)] = None,  # noqa: A002 - the public parameter name
) -> MyRankOut:
    """The participant's live place on a round's board (null before a submission)."""
    if caller.claims.contest_id != entry.contest.id:
        raise unauthorized()
    round_ = contest_service.board_round(entry.rounds, round, caller.now)
    try:
        rank = await board_service.rank_of(
            redis=caller.redis, round_id=round_.id, participant_id=caller.claims.participant_id
        )
        _, total = await board_service.top(redis=caller.redis, round_id=round_.id, limit=1)
    except (RedisError, OSError) as error:
        raise leaderboard_updating() from error
    return MyRankOut(round=round_.number, rank=rank, total=total)
