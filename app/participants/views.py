"""Participant pages: registration and "continue" (token recovery) for phones, JS optional."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.clientip import client_ip
from app.clock import NowDep
from app.config import settings
from app.contests import service as contest_service
from app.contests.api import ContestDep
from app.db import SessionDep
from app.errors import AppError
from app.models import Contest, Participant, Unit
from app.participants import challenge as challenges
from app.participants import privacy
from app.participants import service as participant_service
from app.participants.identity import TokenClaims
from app.participants.service import PARTICIPANT_COOKIE
from app.redis import RedisDep
from app.units import service as unit_service
from app.web import templates

router = APIRouter(include_in_schema=False)


def signed_in(response: Response, contest: Contest, token: str) -> Response:
    """Keeps the participant's token in an HttpOnly cookie for this contest's pages."""
    response.set_cookie(
        PARTICIPANT_COOKIE,
        token,
        max_age=60 * 86400,
        httponly=True,
        samesite="strict",
        secure=settings.base_url.startswith("https://"),
        path="/",
    )
    return response


async def _form_page(
    request: Request,
    session: SessionDep,
    contest: Contest,
    values: dict,
    errors: dict,
    challenge: challenges.Challenge | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units = await unit_service.search(session=session, limit=5000)
    groups = await contest_service.list_groups(session=session, contest_id=contest.id)
    return templates.TemplateResponse(
        request,
        "contest/register.html",
        {
            "contest": contest,
            "units": units,
            "groups": groups,
            "values": values,
            "errors": errors,
            "challenge": challenge,
        },
        status_code=status_code,
    )


@router.get("/c/{slug}/dang-ky", response_class=HTMLResponse)
async def register_form(
    request: Request,
    contest: ContestDep,
    session: SessionDep,
    u: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await _form_page(request, session, contest, {"unit_code": u or ""}, {})


@router.post("/c/{slug}/dang-ky", response_class=HTMLResponse)
async def register_submit(
    request: Request,
    contest: ContestDep,
    session: SessionDep,
    redis: RedisDep,
    now: NowDep,
    full_name: Annotated[str, Form(max_length=500)] = "",
    phone: Annotated[str, Form(max_length=30)] = "",
    birth_year: Annotated[str, Form(max_length=10)] = "",
    unit_code: Annotated[str, Form(max_length=40)] = "",
    group: Annotated[str, Form(max_length=40)] = "",
    consent: Annotated[bool, Form()] = False,
    parent_consent: Annotated[bool, Form()] = False,
    challenge_token: Annotated[str, Form(max_length=200)] = "",
    challenge_answer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Registers from the form; on error the page comes back with the values and messages."""
    values = {
        "full_name": full_name,
        "phone": phone,
        "birth_year": birth_year,
        "unit_code": unit_code,
        "group": group,
        "consent": consent,
        "parent_consent": parent_consent,
    }
    ip = client_ip(request)
    try:
        await challenges.require_if_bursting(redis, ip, challenge_token, challenge_answer)
        form = participant_service.Registration(
            full_name=full_name,
            phone=phone,
            birth_year=_year(birth_year),
            unit_code=unit_code,
            group=group,
            consent=consent,
            parent_consent=parent_consent,
            source_poster=request.cookies.get("cuocthi_src"),
            ip=ip,
        )
        _, token = await participant_service.register(
            session=session, redis=redis, contest=contest, form=form, now=now
        )
    except challenges.ChallengeRequired as required:
        errors = (
            {"challenge_answer": "Câu trả lời chưa đúng, vui lòng thử lại."}
            if required.wrong_answer
            else {}
        )
        return await _form_page(request, session, contest, values, errors, required.challenge, 400)
    except AppError as error:
        errors = error.fields or {"phone": error.message}
        return await _form_page(request, session, contest, values, errors, status_code=400)
    await challenges.note_registration(redis, ip)
    return signed_in(
        RedirectResponse(f"/c/{contest.slug}/vao-thi", status_code=303), contest, token
    )


def _year(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        return 0  # reported by the service as an invalid birth year, next to the field


@router.get("/c/{slug}/tiep-tuc", response_class=HTMLResponse)
async def recover_form(request: Request, contest: ContestDep) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "contest/recover.html", {"contest": contest, "values": {}, "errors": {}}
    )


@router.post("/c/{slug}/tiep-tuc", response_class=HTMLResponse)
async def recover_submit(
    request: Request,
    contest: ContestDep,
    session: SessionDep,
    redis: RedisDep,
    phone: Annotated[str, Form(max_length=30)] = "",
    birth_year: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A returning participant continues with phone number and birth year."""
    try:
        _, token = await participant_service.recover(
            session=session,
            redis=redis,
            contest=contest,
            phone=phone,
            birth_year=_year(birth_year),
            ip=client_ip(request),
        )
    except AppError as error:
        return templates.TemplateResponse(
            request,
            "contest/recover.html",
            {
                "contest": contest,
                "values": {"phone": phone, "birth_year": birth_year},
                "errors": {"phone": error.message},
            },
            status_code=400,
        )
    return signed_in(
        RedirectResponse(f"/c/{contest.slug}/vao-thi", status_code=303), contest, token
    )


async def page_participant(
    request: Request, session: SessionDep, contest: Contest, now
) -> Participant | None:  # noqa: ANN001
    """The participant signed in on this device for this contest, if any."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not token:
        return None
    try:
        return await participant_service.authenticate(
            session=session, token=token, now=now, contest_id=contest.id
        )
    except AppError:
        return None


async def page_claims(request: Request, contest: Contest, now) -> TokenClaims | None:  # noqa: ANN001
    """Who is signed in on this device for this contest, from the cookie alone (no database)."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not token:
        return None
    try:
        return await participant_service.verify_token(
            engine=request.app.state.autocommit, token=token, now=now, contest_id=contest.id
        )
    except AppError:
        return None


def _me_page(
    request: Request,
    contest: Contest,
    participant: Participant,
    units: list,
    groups: list,
    values: dict,
    errors: dict,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "contest/me.html",
        {
            "contest": contest,
            "participant": participant,
            "units": units,
            "groups": groups,
            "values": values,
            "errors": errors,
            "saved": request.query_params.get("da_luu"),
        },
        status_code=status_code,
    )


@router.get("/c/{slug}/thong-tin-ca-nhan", response_class=HTMLResponse)
async def my_data(
    request: Request, contest: ContestDep, session: SessionDep, now: NowDep
) -> Response:
    """What we hold about the participant, with a form to correct it."""
    participant = await page_participant(request, session, contest, now)
    if participant is None:
        return RedirectResponse(f"/c/{contest.slug}/tiep-tuc", status_code=303)
    unit = await session.get(Unit, participant.unit_id)
    groups = await contest_service.list_groups(session=session, contest_id=contest.id)
    group = next(g for g in groups if g.id == participant.group_id)
    values = {
        "full_name": participant.full_name,
        "birth_year": participant.birth_year,
        "unit_code": unit.code,
        "group": group.code,
    }
    units = await unit_service.search(session=session, limit=5000)
    return _me_page(request, contest, participant, units, groups, values, {})


@router.post("/c/{slug}/thong-tin-ca-nhan", response_class=HTMLResponse)
async def correct_my_data(
    request: Request,
    contest: ContestDep,
    session: SessionDep,
    now: NowDep,
    full_name: Annotated[str, Form(max_length=500)] = "",
    birth_year: Annotated[str, Form(max_length=10)] = "",
    unit_code: Annotated[str, Form(max_length=40)] = "",
    group: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    participant = await page_participant(request, session, contest, now)
    if participant is None:
        return RedirectResponse(f"/c/{contest.slug}/tiep-tuc", status_code=303)
    try:
        await privacy.correct(
            session=session,
            participant=participant,
            full_name=full_name,
            birth_year=_year(birth_year),
            unit_code=unit_code,
            group=group,
            now=now,
        )
    except AppError as error:
        units = await unit_service.search(session=session, limit=5000)
        groups = await contest_service.list_groups(session=session, contest_id=contest.id)
        values = {
            "full_name": full_name,
            "birth_year": birth_year,
            "unit_code": unit_code,
            "group": group,
        }
        return _me_page(request, contest, participant, units, groups, values, error.fields, 400)
    return RedirectResponse(f"/c/{contest.slug}/thong-tin-ca-nhan?da_luu=1", status_code=303)


@router.post("/c/{slug}/rut-dong-y")
async def withdraw_consent(
    request: Request, contest: ContestDep, session: SessionDep, redis: RedisDep, now: NowDep
) -> Response:
    """Withdraws consent: the participant leaves the public boards and the prizes."""
    participant = await page_participant(request, session, contest, now)
    if participant is None:
        return RedirectResponse(f"/c/{contest.slug}/tiep-tuc", status_code=303)
    await privacy.withdraw(session=session, redis=redis, participant=participant, now=now)
    return RedirectResponse(f"/c/{contest.slug}/thong-tin-ca-nhan", status_code=303)
