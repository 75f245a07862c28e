"""An in-process, read-only copy of the question bank for drawing and showing attempts.

Versions are immutable, so a copy never goes stale; only the set of active questions changes,
and that is detected by a cheap revision query before each use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ContentArea, Question, QuestionOption, QuestionVersion


@dataclass(frozen=True)
class Option:
    id: int
    text: str
    is_correct: bool


@dataclass(frozen=True)
class Item:
    """One version of a question, with what drawing and review need."""

    version_id: int
    external_id: str
    area: str
    text: str
    difficulty: int
    tags: tuple[str, ...]
    explanation: str
    source_doc: str | None
    source_section: str | None
    source_quote: str | None
    options: tuple[Option, ...]

    @cached_property  # read for every question of every submit
    def correct_option_id(self) -> int:
        return next(option.id for option in self.options if option.is_correct)

    @cached_property  # read for every question of every start and quiz page
    def option_text(self) -> dict[int, str]:
        return {option.id: option.text for option in self.options}


class Catalog:
    RECHECK_SECONDS = 5.0

    def __init__(self) -> None:
        self._checked = float("-inf")
        self._revision: tuple[int, int] | None = None
        self._active: list[Item] = []
        self._versions: dict[int, Item] = {}
        self._lock = asyncio.Lock()

    def clear(self) -> None:
        """Forgets everything (tests truncate tables, so ids are reused)."""
        self._revision, self._active, self._versions = None, [], {}
        self._checked = float("-inf")

    async def active_items(self, db: Database) -> list[Item]:
        """The current versions of all active questions (the bank is re-checked every few
        seconds, not on every attempt start)."""
        if time.monotonic() - self._checked < self.RECHECK_SECONDS:
            return self._active
        revision = await _revision(db)
        if revision != self._revision:
            async with self._lock:
                if revision != self._revision:
                    self._active = await _load_items(db, active_only=True)
                    self._versions.update({item.version_id: item for item in self._active})
                    self._revision = revision
        self._checked = time.monotonic()  # only once the items it vouches for are loaded
        return self._active

    async def items(self, db: Database, version_ids: list[int]) -> dict[int, Item]:
        """The given versions, loading any this process has not seen yet."""
        missing = [v for v in version_ids if v not in self._versions]
        if missing:
            loaded = await _load_items(db, version_ids=missing)
            self._versions.update({item.version_id: item for item in loaded})
        return {v: self._versions[v] for v in version_ids}


# The hot paths pass the engine (they hold no connection), the rest a session or connection.
Database = AsyncSession | AsyncConnection | AsyncEngine


@asynccontextmanager
async def _connection(db: Database) -> AsyncIterator[AsyncConnection]:
    if isinstance(db, AsyncEngine):
        async with db.connect() as connection:
            yield connection
    else:
        yield db if isinstance(db, AsyncConnection) else await db.connection()


async def _revision(db: Database) -> tuple[int, int]:
    statement = select(func.coalesce(func.sum(Question.current_version_id), 0), func.count()).where(
        Question.status == "active"
    )
    async with _connection(db) as connection:
        total, count = (await connection.execute(statement)).one()
    return int(total), int(count)


async def _load_items(
    db: Database,
    *,
    active_only: bool = False,
    version_ids: list[int] | None = None,
) -> list[Item]:
    versions = QuestionVersion.__table__.c
    statement = (
        select(
            versions.id,
            Question.external_id,
            ContentArea.slug,
            versions.text,
            versions.difficulty,
            versions.tags,
            versions.explanation,
            versions.source_doc,
            versions.source_section,
            versions.source_quote,
        )
        .join(Question, Question.id == versions.question_id)
        .join(ContentArea, ContentArea.id == Question.area_id)
        .order_by(versions.id)
    )
    if active_only:
        statement = statement.where(
            Question.status == "active", Question.current_version_id == versions.id
        )
    if version_ids is not None:
        statement = statement.where(versions.id.in_(version_ids))
    async with _connection(db) as connection:
        rows = (await connection.execute(statement)).all()
        options = await _options_by_version(connection, [row.id for row in rows])
    return [
        Item(
            version_id=row.id,
            external_id=row.external_id,
            area=row.slug,
            text=row.text,
            difficulty=row.difficulty,
            tags=tuple(row.tags),
            explanation=row.explanation,
            source_doc=row.source_doc,
            source_section=row.source_section,
            source_quote=row.source_quote,
            options=tuple(options.get(row.id, ())),
        )
        for row in rows
    ]


async def _options_by_version(
    connection: AsyncConnection, version_ids: list[int]
) -> dict[int, list[Option]]:
    by_version: dict[int, list[Option]] = {}
    if not version_ids:
        return by_version
    options = QuestionOption.__table__.c
    statement = (
        select(options.id, options.version_id, options.text, options.is_correct)
        .where(options.version_id.in_(version_ids))
        .order_by(options.version_id, options.position)
    )
    for row in (await connection.execute(statement)).all():
        by_version.setdefault(row.version_id, []).append(
            Option(id=row.id, text=row.text, is_correct=row.is_correct)
        )
    return by_version


catalog = Catalog()
