"""Organiser console: sign-in, the contest list, the audit log, receipt checks."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from app.admin import audit, auth
from app.admin.deps import AdminDep, OrganiserDep, ScopeDep, current_organiser
from app.attempts import service as attempt_service
from app.clientip import ClientIP
from app.clock import NowDep
from app.config import settings
from app.db import SessionDep
from app.errors import AppError
from app.models import Contest, Participant, Round, Unit
from app.redis import RedisDep
from app.web import templates

LOGIN_COOKIE = "cuocthi_dangnhap"

public = APIRouter(prefix="/admin", include_in_schema=False)
router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(current_organiser)]
)


def _secure() -> bool:
    return settings.base_url.startswith("https://")


def _login_page(
    request: Request,
    nonce: str,
    *,
    username: str = "",
    errors: dict | None = None,
    next_url: str = "/admin",
    status_code: int = 200,
) -> Response:
    response = templates.TemplateResponse(
        request,
        "admin/login.html",
        {
            "csrf": auth.csrf_token(nonce),
            "username": username,
            "errors": errors or {},
            "next": next_url,
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=_secure(), path="/admin"
    )
    return response


@public.get("/dang-nhap", response_class=HTMLResponse)
async def login_form(
    request: Request, next: Annotated[str, Query(max_length=200)] = "/admin"
) -> Response:  # noqa: A002
    return _login_page(request, secrets.token_urlsafe(16), next_url=_safe_next(next))


def _safe_next(target: str) -> str:
    """Only paths inside the console: never a redirect to another site."""
    return target if target.startswith("/admin") and "//" not in target else "/admin"


@public.post("/dang-nhap")
async def login_submit(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    now: NowDep,
    ip: ClientIP,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=200)] = "/admin",  # noqa: A002
) -> Response:
    """Signs in; a new session value each time, so an old cookie can never be promoted."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not auth.csrf_valid(nonce, csrf):
        return _login_page(
            request,
            secrets.token_urlsafe(16),
            username=username,
            errors={"username": "Trang đăng nhập đã hết hạn, vui lòng thử lại."},
            status_code=403,
        )
    try:
        organiser = await auth.login(
            session=session, redis=redis, username=username, password=password, ip=ip, now=now
        )
    except AppError as error:
        audit.record(session=session, organiser=None, action="login_failed", target=username, ip=ip)
        await session.commit()
        return _login_page(
            request,
            secrets.token_urlsafe(16),
            username=username,
            errors={"password": error.message},
            status_code=error.status,
            next_url=_safe_next(next),
        )
    audit.record(session=session, organiser=organiser, action="login", ip=ip)
    await session.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        auth.issue_session(organiser),
        httponly=True,
        samesite="strict",
        secure=_secure(),
        max_age=auth.SESSION_HOURS * 3600,
    )
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@router.post("/dang-xuat")
async def logout(
    organiser: OrganiserDep, session: SessionDep, everywhere: Annotated[bool, Form()] = False
) -> Response:
    """Signs out here, or (everywhere=1) ends every session of this account."""
    if everywhere:
        await auth.logout_everywhere(session=session, organiser=organiser)
    response = RedirectResponse("/admin/dang-nhap", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request, session: SessionDep, now: NowDep) -> HTMLResponse:
    """The contests, with their rounds."""
    contests = (await session.exec(select(Contest).order_by(Contest.id.desc()))).all()
    rounds = (await session.exec(select(Round).order_by(Round.number))).all()
    by_contest: dict[int, list[Round]] = {}
    for round_ in rounds:
        by_contest.setdefault(round_.contest_id, []).append(round_)
    return templates.TemplateResponse(
        request,
        "admin/dashboard.html",
        {"contests": contests, "rounds": by_contest, "now": now},
    )


@router.get("/nhat-ky", response_class=HTMLResponse)
async def audit_log(request: Request, organiser: AdminDep, session: SessionDep) -> HTMLResponse:
    """Every change and export, newest first (quản trị only)."""
    entries = await audit.latest(session=session, limit=500)
    return templates.TemplateResponse(request, "admin/audit.html", {"entries": entries})


@router.get("/ma-xac-nhan", response_class=HTMLResponse)
async def verify_receipt(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    ma: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """Checks a participant's receipt code (mã xác nhận) against the stored attempt."""
    found = None
    attempt = await attempt_service.find_by_receipt(session=session, code=ma) if ma else None
    if attempt is not None and (scope is None or attempt.unit_id in scope):
        participant = await session.get(Participant, attempt.participant_id)
        found = {
            "attempt": attempt,
            "participant": participant,
            "unit": (await session.get(Unit, attempt.unit_id)).name,
            "round": (await session.get(Round, attempt.round_id)).number,
        }
    return templates.TemplateResponse(request, "admin/receipt.html", {"code": ma, "found": found})
