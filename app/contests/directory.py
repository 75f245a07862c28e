"""Contests with their rounds and groups, kept in each process for a few seconds.

Every participant request needs its contest and round, and at the peak that is tens of thousands
of identical reads a minute; organisers change them a few times a day. Any session of this
process that writes a contest, round or group empties the copy when it commits, so the change is
seen at once here; other workers and hosts see it within MAX_AGE_SECONDS.

The copy is a MomentCache: while requests flow it is reloaded in the background once a second,
so that no request waits for the three queries of a reload. When it expired outright (every
five seconds), every request of that moment, a board reader's included, used to wait behind
that reload, itself queued behind the submissions: 20 ms at the peak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Contest, ParticipantGroup, Round, utcnow
from app.web import MomentCache


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
    MAX_AGE_SECONDS = 5  # a copy is never served once it is older than this

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._by_slug = MomentCache(max_stale_seconds=self.MAX_AGE_SECONDS - 1)
        self._slug_of: dict[int, str] = {}

    def forget(self) -> None:
        self._by_slug.clear()
        self._slug_of.clear()

    async def by_slug(self, engine: AsyncEngine, slug: str) -> ContestEntry | None:
        """The contest with this slug (None if there is none), as loaded at most
        MAX_AGE_SECONDS ago (wall clock, whatever the app clock says)."""

        async def load() -> ContestEntry | None:
            return await self._load(engine, slug)

        return await self._by_slug.get(slug, self._clock(), load)

    async def by_id(self, engine: AsyncEngine, contest_id: int) -> ContestEntry | None:
        slug = self._slug_of.get(contest_id)
        if slug is None:
            async with AsyncSession(engine) as session:
                slug = (
                    await session.exec(select(Contest.slug).where(Contest.id == contest_id))
                ).first()
        return None if slug is None else await self.by_slug(engine, slug)

    async def _load(self, engine: AsyncEngine, slug: str) -> ContestEntry | None:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            contest = (await session.exec(select(Contest).where(Contest.slug == slug))).first()
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
