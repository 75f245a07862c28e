"""Public pages about contests."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.contests import service as contest_service
from app.db import SessionDep
from app.models import utcnow
from app.web import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep) -> HTMLResponse:
    """The home page: contests open now or coming soon."""
    now = utcnow()
    open_contests = await contest_service.list_open(session=session, now=now)
    return templates.TemplateResponse(
        request, "contest/home.html", {"open_contests": open_contests, "now": now}
    )
