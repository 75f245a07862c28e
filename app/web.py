"""The one Jinja2 templates object, with the filters every page uses."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from fastapi.templating import Jinja2Templates

from app.config import settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = PROJECT_DIR / "static"
templates = Jinja2Templates(directory=PROJECT_DIR / "templates")


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
