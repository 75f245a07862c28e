"""The moment cache: computed once a second, a value up to a few seconds old served while the
next one is computed, and never a stampede of readers computing the same thing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.web import MomentCache

START = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)


class Counting:
    """A computation that counts its calls and can be held until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> int:
        self.calls += 1
        value = self.calls
        await self.release.wait()
        return value


async def test_one_computation_per_second_and_readers_share_it():
    cache, compute = MomentCache(), Counting()
    compute.release.clear()
    readers = [asyncio.create_task(cache.get("board", START, compute)) for _ in range(5)]
    await asyncio.sleep(0)
    compute.release.set()
    assert await asyncio.gather(*readers) == [1] * 5
    assert await cache.get("board", START + timedelta(milliseconds=900), compute) == 1
    assert compute.calls == 1


async def test_a_later_second_serves_the_last_value_while_one_refresh_runs():
    cache, compute = MomentCache(max_stale_seconds=5), Counting()
    await cache.get("board", START, compute)
    compute.release.clear()
    later = START + timedelta(seconds=5)  # e.g. the first reader after a lull
    assert [await cache.get("board", later, compute) for _ in range(3)] == [1, 1, 1]
    await asyncio.sleep(0)  # the refresh task starts
    assert compute.calls == 2  # one refresh for the three readers, none of them waiting
    compute.release.set()
    await asyncio.sleep(0.01)
    assert await cache.get("board", later, compute) == 2


async def test_an_older_value_is_computed_again_before_answering():
    cache, compute = MomentCache(max_stale_seconds=5), Counting()
    await cache.get("board", START, compute)
    assert await cache.get("board", START + timedelta(seconds=6), compute) == 2


async def test_a_failed_computation_reaches_its_readers_and_is_not_kept():
    cache = MomentCache()

    async def failing() -> int:
        raise RuntimeError("Redis unreachable")

    with pytest.raises(RuntimeError):
        await cache.get("board", START, failing)
    assert await cache.get("board", START, Counting()) == 1


async def test_clear_forgets_values_and_computations_in_flight():
    cache, compute = MomentCache(), Counting()
    await cache.get("board", START, compute)
    compute.release.clear()
    later = START + timedelta(seconds=1)
    await cache.get("board", later, compute)  # starts a refresh, held
    cache.clear()
    compute.release.set()
    await asyncio.sleep(0.01)
    assert await cache.get("board", later, Counting()) == 1  # not the refresh's 2
