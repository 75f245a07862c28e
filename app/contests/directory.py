"""Contests with their rounds and groups, kept in each process for a few seconds.

Every participant request needs its contest and round, and at the peak that is tens of thousands
of identical reads a minute; organisers change them a few times a day. Any session of this
process that writes a contest, round or group empties the copy when it commits, so the change is
seen at once here; other workers and hosts see it within TTL_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contest, ParticipantGroup, Round


@dataclass(frozen=True)
class ContestEntry:
    """A contest as loaded at one moment. Shared between requests: never modify it."""

    contest: Contest
    rounds: tuple[Round, ...]  # in order of number
    groups: tuple[ParticipantGroup, ...]

    @property
    def ends_at(self) -> datetime | None:
        return max((r.ends_at for r in self.rounds), default=None)

    def round_by_id(self, round_id: int) -> Round | None:
        return next((r for r in self.rounds if r.id == round_id), None)


class Directory:
    TTL_SECONDS = 5.0

    def __init__(self) -> None:
        self._by_slug: dict[str, tuple[float, ContestEntry]] = {}
        self._slug_of: dict[int, str] = {}

    def forget(self) -> None:
        self._by_slug.clear()
        self._slug_of.clear()

    async def by_slug(self, engine: AsyncEngine, slug: str) -> ContestEntry | None:
        hit = self._by_slug.get(slug)
        if hit is not None and time.monotonic() - hit[0] < self.TTL_SECONDS:
            return hit[1]
        return await self._load(engine, Contest.slug == slug)

    async def by_id(self, engine: AsyncEngine, contest_id: int) -> ContestEntry | None:
        slug = self._slug_of.get(contest_id)
        if slug is not None:
            return await self.by_slug(engine, slug)
        return await self._load(engine, Contest.id == contest_id)

    async def _load(self, engine: AsyncEngine, condition) -> ContestEntry | None:  # noqa: ANN001
        loaded_at = time.monotonic()
        async with AsyncSession(engine, expire_on_commit=False) as session:
            contest = (await session.exec(select(Contest).where(condition))).first()
            if contest is None:
                return None
            rounds = await session.exec(
                select(Round).where(Round.contest_id == contest.id).order_by(Round.number)
            )
            groups = await session.exec(
                select(ParticipantGroup)
                .where(ParticipantGroup.contest_id == contest.id)
                .order_by(ParticipantGroup.id)
            )
            entry = ContestEntry(contest, tuple(rounds.all()), tuple(groups.all()))
        self._by_slug[contest.slug] = (loaded_at, entry)
        self._slug_of[contest.id] = contest.slug
        return entry


directory = Directory()

_CACHED_TYPES = (Contest, Round, ParticipantGroup)


@event.listens_for(Session, "after_flush")
def _forget_changed_contests(session: Session, _context) -> None:  # noqa: ANN001
    """A contest, round or group written by this process: mark the session to empty the copy."""
    if any(
        isinstance(obj, _CACHED_TYPES) for obj in chain(session.new, session.dirty, session.deleted)
    ):
        session.info["contests_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop("contests_changed", False):
        directory.forget()
