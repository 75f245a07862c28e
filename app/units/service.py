"""Units (đơn vị): lookup, diacritic-insensitive search, upsert by code."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import not_found
from app.models import Unit


def fold(text: str) -> str:
    """Lower case without diacritics, so that "xuan hung" finds "Xuân Hưng"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


async def get_by_code(*, session: AsyncSession, code: str) -> Unit | None:
    """Gets a unit by its code."""
    return (await session.exec(select(Unit).where(Unit.code == code))).first()


async def search(*, session: AsyncSession, query: str = "", limit: int = 20) -> list[Unit]:
    """Units whose name or code contains every word of the query, ignoring diacritics."""
    statement = select(Unit).order_by(Unit.search_name).limit(limit)
    for word in fold(query).split():
        statement = statement.where(
            col(Unit.search_name).contains(word) | (col(Unit.code).ilike(f"%{word}%"))
        )
    return list((await session.exec(statement)).all())


async def upsert_many(*, session: AsyncSession, rows: Iterable[dict[str, Any]]) -> int:
    """Creates or updates units by code; `parent` names another unit's code. Flushes, no commit."""
    count = 0
    for row in rows:
        unit = await get_by_code(session=session, code=row["code"]) or Unit(code=row["code"])
        parent = (
            await get_by_code(session=session, code=row["parent"]) if row.get("parent") else None
        )
        unit.name = unicodedata.normalize("NFC", row["name"])
        unit.search_name = fold(row["name"])
        unit.kind = row.get("kind", "")
        unit.block = row.get("block", unit.block or "khac")
        unit.headcount = int(row.get("headcount") or 0)
        unit.parent_id = parent.id if parent else None
        unit.is_demo = bool(row.get("is_demo", False))
        session.add(unit)
        await session.flush()
        count += 1
    return count


async def id_for_code(*, session: AsyncSession, code: str | None) -> int | None:
    """The id of the unit with this code (None for no code); 404 for an unknown code."""
    if code is None:
        return None
    unit = await get_by_code(session=session, code=code)
    if unit is None:
        raise not_found("Không tìm thấy đơn vị.")
    return unit.id


def unit_and_children(units: Iterable[Unit], unit_id: int) -> set[int]:
    """A unit and every unit below it, however deep: what a đơn vị organiser may see."""
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, waiting = set(), [unit_id]
    while waiting:
        current = waiting.pop()
        if current not in found:  # a mistaken cycle in the data must not loop forever
            found.add(current)
            waiting.extend(children.get(current, []))
    return found


async def subtree_ids(*, session: AsyncSession, unit_id: int) -> set[int]:
    """A unit and every unit below it, from the database."""
    return unit_and_children((await session.exec(select(Unit))).all(), unit_id)
