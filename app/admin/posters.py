"""Console: QR posters per unit and place, their downloads, and which poster brought people in."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import select
from starlette.background import BackgroundTask

from app.admin import audit
from app.admin.deps import AdminDep, current_organiser
from app.clientip import ClientIP
from app.contests.api import ContestDep
from app.db import SessionDep
from app.errors import AppError, not_found
from app.models import Poster, Unit
from app.posters import render
from app.posters import service as poster_service
from app.units import service as unit_service
from app.web import templates

router = APIRouter(
    prefix="/admin/cuoc-thi/{slug}/ap-phich",
    include_in_schema=False,
    dependencies=[Depends(current_organiser)],
)
DOWNLOADS = {
    "a4.pdf": "application/pdf",
    "a3.pdf": "application/pdf",
    "png": "image/png",
    "qr.png": "image/png",
}


@router.get("", response_class=HTMLResponse)
async def posters_page(request: Request, contest: ContestDep, session: SessionDep) -> HTMLResponse:
    rows = await poster_service.attribution(session=session, contest=contest)
    return templates.TemplateResponse(
        request, "admin/posters.html", {"contest": contest, "rows": rows, "errors": {}}
    )


@router.post("")
async def create_poster(
    contest: ContestDep,
    organiser: AdminDep,
    session: SessionDep,
    ip: ClientIP,
    unit_code: Annotated[str, Form(max_length=40)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """A poster for one unit (or the whole contest) at one place."""
    unit = await unit_service.get_by_code(session=session, code=unit_code) if unit_code else None
    if unit_code and unit is None:
        raise AppError(422, "invalid_unit", "Không có đơn vị với mã này.")
    poster = await poster_service.ensure_poster(
        session=session, contest=contest, unit=unit, location=location
    )
    audit.record(
        session=session,
        organiser=organiser,
        action="create_poster",
        target=poster.code,
        details={"unit": unit_code, "location": location},
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{contest.slug}/ap-phich", status_code=303)


@router.get("/tat-ca.zip")
async def all_units_zip(
    contest: ContestDep, organiser: AdminDep, session: SessionDep, ip: ClientIP
) -> FileResponse:
    """Every unit's poster (A4, A3, PNG, small QR) in one ZIP; rendered on all cores."""
    units = list((await session.exec(select(Unit).order_by(Unit.code))).all())
    folder = Path(tempfile.mkdtemp(prefix="cuocthi-ap-phich-"))
    paths = await poster_service.make_posters(
        session=session,
        contest=contest,
        units=units,
        out_dir=folder,
        workers=max(1, min(os.cpu_count() or 1, len(units))),
    )
    audit.record(
        session=session,
        organiser=organiser,
        action="export_posters",
        target=contest.slug,
        details={"units": len(units)},
        ip=ip,
    )
    await session.commit()
    return FileResponse(
        paths[-1],
        media_type="application/zip",
        filename=f"ap-phich-{contest.slug}.zip",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/{code}/{kind}")
async def download(contest: ContestDep, code: str, kind: str, session: SessionDep) -> Response:
    """One poster as A4 or A3 PDF, PNG, or the small QR image for websites and Zalo."""
    poster = (
        await session.exec(
            select(Poster).where(Poster.code == code, Poster.contest_id == contest.id)
        )
    ).first()
    if poster is None or kind not in DOWNLOADS:
        raise not_found("Không tìm thấy áp phích.")
    data = await poster_service.poster_data(session=session, contest=contest, poster=poster)
    content = {
        "a4.pdf": lambda: render.poster_pdf(data, "A4"),
        "a3.pdf": lambda: render.poster_pdf(data, "A3"),
        "png": lambda: render.poster_png(data),
        "qr.png": lambda: render.qr_png(data.url),
    }[kind]()
    names = {
        "a4.pdf": f"ap-phich-{code}-A4.pdf",
        "a3.pdf": f"ap-phich-{code}-A3.pdf",
        "png": f"ap-phich-{code}.png",
        "qr.png": f"ma-qr-{code}.png",
    }
    return Response(
        content,
        media_type=DOWNLOADS[kind],
        headers={"Content-Disposition": f'attachment; filename="{names[kind]}"'},
    )
