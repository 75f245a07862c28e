"""Heavy reports kept in the report cache: refreshed by the background job or on request."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.exports import queries as export_queries
from app.exports.service import items_sheet
from app.models import ReportCache, utcnow
from app.stats import suspicious


async def _items(session: AsyncSession, contest_id: int) -> dict[str, Any]:
    options = await export_queries.option_count(session, contest_id, None, None)
    headers = [column.header for column in items_sheet(options).columns]
    rows = [
        list(row) async for row in export_queries.items(session, contest_id, None, options=options)
    ]
    return {"headers": headers, "rows": rows}


async def refresh(*, session: AsyncSession, contest_id: int) -> None:
    """Recomputes every cached report of a contest and commits."""
    payloads = {
        "items": await _items(session, contest_id),
        "suspicious": await suspicious.compute(session, contest_id),
    }
    for kind, payload in payloads.items():
        cached = await get(session=session, contest_id=contest_id, kind=kind)
        cached = cached or ReportCache(contest_id=contest_id, kind=kind)
        cached.payload, cached.computed_at = payload, utcnow()
        session.add(cached)
    await session.commit()


async def get(*, session: AsyncSession, contest_id: int, kind: str) -> ReportCache | None:
    statement = select(ReportCache).where(
        ReportCache.contest_id == contest_id, ReportCache.kind == kind
    )
    return (await session.exec(statement)).first()
