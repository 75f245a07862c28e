"""The per-process copy of contests: reloaded in the background while requests flow, never
served older than MAX_AGE_SECONDS, and emptied at once by this process's own writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.contests.directory import Directory
from tests.factories import make_contest

NOON = datetime(2026, 12, 1, 5, 0, 0, tzinfo=UTC)


class WallClock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> datetime:
        return self.now


async def rename_elsewhere(app, title: str) -> None:  # noqa: ANN001
    """A change made by another worker: a write this process's sessions never see."""
    async with app.state.engine.begin() as connection:
        await connection.execute(text("UPDATE contest SET title = :title"), {"title": title})


async def test_a_change_elsewhere_is_served_after_a_background_reload(app, session):  # noqa: ANN001
    await make_contest(session, slug="thu")
    await session.commit()
    clock = WallClock()
    directory = Directory(clock)
    engine = app.state.autocommit
    assert (await directory.by_slug(engine, "thu")).contest.title == "Cuộc thi thu"
    await rename_elsewhere(app, "Tên mới")

    clock.now = NOON + timedelta(seconds=1)
    stale = await directory.by_slug(engine, "thu")  # answered at once, reload started
    assert stale.contest.title == "Cuộc thi thu"
    for _ in range(100):
        await asyncio.sleep(0.01)
        if (await directory.by_slug(engine, "thu")).contest.title == "Tên mới":
            break
    assert (await directory.by_slug(engine, "thu")).contest.title == "Tên mới"


async def test_a_copy_is_never_served_past_its_max_age(app, session):  # noqa: ANN001
    setup = await make_contest(session, slug="thu")
    await session.commit()
    clock = WallClock()
    directory = Directory(clock)
    engine = app.state.autocommit
    await directory.by_id(engine, setup.contest.id)
    await rename_elsewhere(app, "Tên mới")
    clock.now = NOON + timedelta(seconds=Directory.MAX_AGE_SECONDS)
    assert (await directory.by_id(engine, setup.contest.id)).contest.title == "Tên mới"
    assert await directory.by_slug(engine, "khong-co") is None


async def test_this_process_writes_empty_the_shared_copy(app, session):  # noqa: ANN001
    from app.contests.directory import directory

    setup = await make_contest(session, slug="thu")
    await session.commit()
    engine = app.state.autocommit
    assert (await directory.by_slug(engine, "thu")).rounds[0].max_attempts == 2
    setup.rounds[0].max_attempts = 5
    session.add(setup.rounds[0])
    await session.commit()
    assert (await directory.by_slug(engine, "thu")).rounds[0].max_attempts == 5
