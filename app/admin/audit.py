"""The audit log: who changed or exported what, and when (read by quản trị)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditEntry, Organiser


def record(
    *,
    session: AsyncSession,
    organiser: Organiser | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Adds an entry to the caller's transaction: it is written exactly when the change is."""
    entry = AuditEntry(
        organiser_id=organiser.id if organiser else None,
        action=action,
        target=target[:255],
        details=details or {},
        ip=ip,
    )
    session.add(entry)
    return entry


async def latest(*, session: AsyncSession, limit: int = 200) -> list[tuple[AuditEntry, str]]:
    """The newest entries with the organiser's username."""
    statement = (
        select(AuditEntry, Organiser.username)
        .join(Organiser, Organiser.id == AuditEntry.organiser_id, isouter=True)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [(entry, username or "—") for entry, username in (await session.exec(statement)).all()]
