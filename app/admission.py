"""Admission of participants' writes: a bounded number in flight per process.

In the last hours of a round, submissions arrive faster than two cores can serve them. Without
a bound, every one of them is parsed, validated and half-done at once, and a reader of the
board or the landing page waits behind all of them in the event loop. With it, writes beyond
the bound wait their turn before any work is done (costing nothing while they wait), and
readers pass straight through. The bound sits above what the database pool serves at once, so
writes still use the database fully.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteAdmission:
    """Pure ASGI middleware; one semaphore per process, made on first use (in its loop)."""

    def __init__(self, app: ASGIApp, max_writes: int) -> None:
        self.app = app
        self.max_writes = max_writes
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_writes)
        async with self._slots:
            await self.app(scope, receive, send)
