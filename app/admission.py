"""Admission of participants' writes: a bounded number in flight per process.

In the last hours of a round, submissions arrive faster than two cores can serve them. Without
a bound, every one of them is parsed, validated and half-done at once, and a reader of the
board or the landing page waits behind all of them in the event loop. With it, writes beyond
the bound wait their turn before any work is done (costing nothing while they wait), and
readers pass straight through. A write takes its slot only once its whole body has arrived, so
that slow senders cannot hold the slots (the body size limit, outside this middleware, bounds
what is buffered).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
        received = await _whole_body(receive)
        if received[-1]["type"] == "http.disconnect":
            return  # the client left before sending it all: nothing to do

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        async with self._slots:
            await self.app(scope, replay, send)


async def _whole_body(receive: Receive) -> list[Message]:
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
        messages.append(await receive())
    return messages
