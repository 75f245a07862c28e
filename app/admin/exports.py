"""Console downloads: results, winners, unit statistics, item analysis (XLSX or CSV).

An đơn vị account gets only its units; asking for another unit is refused (403).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.admin import audit
from app.admin.deps import OrganiserDep, ScopeDep, current_organiser
from app.clientip import ClientIP
from app.db import SessionDep
from app.errors import AppError
from app.exports import service as export_service
from app.units import service as unit_service

router = APIRouter(
    prefix="/admin/cuoc-thi/{slug}/xuat",
    include_in_schema=False,
    dependencies=[Depends(current_organiser)],
)
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FILE_NAMES = {
    "results": "ket-qua",
    "winners": "nguoi-doat-giai",
    "units": "thong-ke-don-vi",
    "items": "phan-tich-cau-hoi",
}


async def _unit_ids(session: SessionDep, scope: set[int] | None, code: str) -> set[int] | None:
    """The units to export: the whole scope, or one unit (and its children) inside it."""
    if not code:
        return scope
    unit = await unit_service.get_by_code(session=session, code=code)
    if unit is None:
        raise AppError(404, "not_found", "Không tìm thấy đơn vị.")
    if scope is not None and unit.id not in scope:
        raise AppError(403, "forbidden", "Bạn chỉ xuất được dữ liệu của đơn vị mình.")
    chosen = await unit_service.subtree_ids(session=session, unit_id=unit.id)
    return chosen if scope is None else chosen & scope


@router.get("/{report}.{fmt}")
async def download(
    slug: str,
    report: str,
    fmt: str,
    organiser: OrganiserDep,
    session: SessionDep,
    scope: ScopeDep,
    ip: ClientIP,
    dot: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    don_vi: Annotated[str, Query(max_length=40)] = "",
) -> FileResponse:
    """Writes the report to a temporary file, streams it, then deletes it."""
    unit_ids = await _unit_ids(session, scope, don_vi)
    handle, name = tempfile.mkstemp(suffix=f".{fmt}")
    Path(name).unlink()
    path = Path(name)
    try:
        rows = await export_service.export(
            session=session,
            report=report,
            contest_slug=slug,
            round_number=dot,
            fmt=fmt,
            out=path,
            unit_ids=unit_ids,
        )
    except AppError:
        path.unlink(missing_ok=True)
        raise
    audit.record(
        session=session,
        organiser=organiser,
        action="export",
        target=f"{slug}/{report}.{fmt}",
        details={"round": dot, "unit": don_vi or None, "rows": rows},
        ip=ip,
    )
    await session.commit()
    filename = f"{FILE_NAMES.get(report, report)}-{slug}" + (f"-dot-{dot}" if dot else "")
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=f"{filename}.{fmt}",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
