"""Console pages for the unit list: the tree with headcounts, Excel/CSV import, the template."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from app.admin import audit
from app.admin.deps import AdminDep, ScopeDep, current_organiser
from app.clientip import ClientIP
from app.db import SessionDep
from app.models import Unit
from app.units import importer
from app.web import templates

router = APIRouter(
    prefix="/admin/don-vi", include_in_schema=False, dependencies=[Depends(current_organiser)]
)
MAX_UPLOAD = 5 * 1024 * 1024


def tree_order(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units depth-first under their parents, with their depth, for an indented list."""
    children: dict[int | None, list[Unit]] = {}
    ids = {unit.id for unit in units}
    for unit in sorted(units, key=lambda u: u.name):
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


async def _page(
    request: Request,
    session: SessionDep,
    scope: set[int] | None,
    *,
    errors: list[str] | None = None,
    imported: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units = list((await session.exec(select(Unit))).all())
    if scope is not None:
        units = [unit for unit in units if unit.id in scope]
    return templates.TemplateResponse(
        request,
        "admin/units.html",
        {
            "units": tree_order(units),
            "errors": errors or [],
            "imported": imported,
            "total_headcount": sum(unit.headcount for unit in units),
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
async def units_page(request: Request, session: SessionDep, scope: ScopeDep) -> HTMLResponse:
    return await _page(request, session, scope)


@router.post("", response_class=HTMLResponse)
async def import_units(
    request: Request, organiser: AdminDep, session: SessionDep, ip: ClientIP, file: UploadFile
) -> HTMLResponse:
    """Imports the unit list; a file with any problem changes nothing."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return await _page(request, session, None, errors=["Tệp lớn hơn 5 MB."], status_code=413)
    count, errors = await importer.import_file(
        session=session, data=data, filename=file.filename or ""
    )
    if errors:
        await session.rollback()
        return await _page(request, session, None, errors=errors, status_code=422)
    audit.record(
        session=session,
        organiser=organiser,
        action="import_units",
        target=file.filename or "",
        details={"units": count},
        ip=ip,
    )
    await session.commit()
    return await _page(request, session, None, imported=count)


@router.get("/mau.xlsx")
async def template() -> Response:
    return Response(
        importer.template_xlsx(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="mau-don-vi.xlsx"'},
    )
