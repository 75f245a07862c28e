"""Who is asking: the organiser behind the session cookie, with CSRF checked on every form."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.admin import auth
from app.db import SessionDep
from app.errors import AppError
from app.models import Organiser, OrganiserRole
from app.units import service as unit_service


class LoginRequired(Exception):
    """No valid organiser session: the pages send the browser to the login form."""


async def current_organiser(request: Request, session: SessionDep) -> Organiser:
    """The signed-in organiser; every POST must carry the session's CSRF token."""
    value = request.cookies.get(auth.SESSION_COOKIE, "")
    organiser = await auth.organiser_for(session=session, value=value)
    if organiser is None:
        raise LoginRequired()
    if request.method not in {"GET", "HEAD"}:
        form = await request.form()
        if not auth.csrf_valid(value, str(form.get("csrf", ""))):
            raise AppError(
                403, "csrf", "Phiên làm việc đã thay đổi, vui lòng tải lại trang và thử lại."
            )
    request.state.organiser = organiser
    request.state.csrf = auth.csrf_token(value)
    return organiser


OrganiserDep = Annotated[Organiser, Depends(current_organiser)]


async def require_admin(organiser: OrganiserDep) -> Organiser:
    """Only quản trị: set-up, closing rounds, the audit log."""
    if organiser.role != OrganiserRole.ADMIN:
        raise AppError(403, "forbidden", "Chức năng này dành cho tài khoản quản trị.")
    return organiser


AdminDep = Annotated[Organiser, Depends(require_admin)]


async def unit_scope(organiser: OrganiserDep, session: SessionDep) -> set[int] | None:
    """None for quản trị (everything); for đơn vị their unit and the units below it."""
    if organiser.role == OrganiserRole.ADMIN:
        return None
    return await unit_service.subtree_ids(session=session, unit_id=organiser.unit_id)


ScopeDep = Annotated[set[int] | None, Depends(unit_scope)]
