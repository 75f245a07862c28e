"""The one Jinja2 templates object, with the filters every page uses."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from app.config import settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = PROJECT_DIR / "static"
templates = Jinja2Templates(directory=PROJECT_DIR / "templates")


class MomentCache:
    """What every visitor sees alike (a rendered page, a board), kept for a moment.

    At the peak one contest's landing page and board are asked for thousands of times a
    second, and what they show (live counts, ranks, a countdown) may lag a second without
    anyone noticing. Keys name everything the result depends on, including the app clock's
    second; the cache never grows past `max_entries`.
    """

    def __init__(self, ttl_seconds: float = 1.0, max_entries: int = 256) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any | None:
        hit = self._entries.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl_seconds:
            return None
        return hit[1]

    def clear(self) -> None:
        self._entries.clear()

    def put(self, key: Hashable, value: Any) -> None:
        if len(self._entries) >= self.max_entries:  # odd query strings must not grow it
            self._entries.clear()
        self._entries[key] = (time.monotonic(), value)


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
