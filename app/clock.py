"""The server's clock, as a dependency, so that tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from app.models import utcnow

Clock = Callable[[], datetime]


def now_of(request: Request) -> datetime:
    """The current UTC time as the application sees it."""
    clock: Clock = getattr(request.app.state, "clock", utcnow)
    return clock()


async def get_now(request: Request) -> datetime:
    """now_of as a dependency (async: no thread-pool hop)."""
    return now_of(request)


NowDep = Annotated[datetime, Depends(get_now)]
