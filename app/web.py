"""The one Jinja2 templates object, with the filters every page uses."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from fastapi.templating import Jinja2Templates

from app.config import settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = PROJECT_DIR / "static"
# Templates ship with the code and never change under a running server: no file check (a
# stat of every template) on every page.
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROJECT_DIR / "templates"),
        autoescape=jinja2.select_autoescape(),
        auto_reload=False,
    )
)
log = logging.getLogger(__name__)
T = TypeVar("T")


class MomentCache:
    """What every visitor sees alike (a rendered page, a board), computed once a second.

    At the peak one contest's landing page and board are asked for thousands of times a
    second, and what they show (live counts, ranks, a countdown) may lag a few seconds
    without anyone noticing. A value is fresh in the app clock's second it was computed for.
    Up to `max_stale_seconds` later it is still served while one background task computes the
    new value: no reader waits behind a computation that queues behind the submissions, not
    even the first one after a lull. Anything older is computed before answering, once
    however many readers ask at the same time.

    Keys name everything else a value depends on; the cache never grows past `max_entries`.
    Computations outlive the request that started them: they open their own sessions.
    """

    def __init__(self, max_entries: int = 256, max_stale_seconds: int = 5) -> None:
        self.max_entries = max_entries
        self.max_stale_seconds = max_stale_seconds
        self._entries: dict[Hashable, tuple[int, Any]] = {}
        self._running: dict[Hashable, asyncio.Task[Any]] = {}
        self._generation = 0  # computations started before a clear() keep their results

    async def get(self, key: Hashable, moment: datetime, compute: Callable[[], Awaitable[T]]) -> T:
        second = int(moment.timestamp())
        hit = self._entries.get(key)
        if hit is not None and hit[0] >= second - self.max_stale_seconds:
            if hit[0] < second:
                self._start(key, second, compute)
            return hit[1]
        # shield: a reader who leaves does not cancel what the others wait for
        return await asyncio.shield(self._start(key, second, compute))

    def clear(self) -> None:
        self._entries.clear()
        self._running.clear()
        self._generation += 1

    def _start(
        self, key: Hashable, second: int, compute: Callable[[], Awaitable[T]]
    ) -> asyncio.Task[T]:
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, second, compute, self._generation))
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    async def _compute(
        self, key: Hashable, second: int, compute: Callable[[], Awaitable[T]], generation: int
    ) -> T:
        value = await compute()
        current = self._entries.get(key)
        if generation == self._generation and (current is None or current[0] < second):
            if len(self._entries) >= self.max_entries:  # odd query strings must not grow it
                self._entries.clear()
            self._entries[key] = (second, value)
        return value

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled() and task.exception() is not None:
            # A reader waiting for it got the error; a refresh nobody waited for is retried
            # by the next reader, and the value it would have replaced is served meanwhile,
            # until it is too old for that.
            log.info("moment cache: computing %r failed: %r", key, task.exception())


def local_time(value: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC time as the organisers read it: Asia/Ho_Chi_Minh, dd/mm/yyyy."""
    if value is None:
        return ""
    return value.astimezone(settings.tz).strftime(pattern)


def local_date(value: datetime | None) -> str:
    return local_time(value, "%d/%m/%Y")


def thousands(value: int | float | None) -> str:
    """1234567 -> 1.234.567, the Vietnamese way."""
    if value is None:
        return ""
    return f"{value:,.0f}".replace(",", ".")


def seconds(milliseconds: int | None, digits: int = 1) -> str:
    """A working time in seconds with a decimal comma: 95500 -> '95,5 giây'."""
    if milliseconds is None:
        return ""
    return f"{milliseconds / 1000:.{digits}f}".replace(".", ",") + " giây"


@cache
def static_url(path: str) -> str:
    """A versioned static URL, so phones re-fetch a file only when it changes."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


templates.env.filters.update(
    local_time=local_time, local_date=local_date, thousands=thousands, seconds=seconds
)
templates.env.globals.update(static_url=static_url, settings=settings)
