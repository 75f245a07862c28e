"""Writes beyond the per-process bound wait their turn; reads are never held behind them."""

from __future__ import annotations

import asyncio

from app.admission import WriteAdmission


async def _call(app, method: str) -> int:  # noqa: ANN001 - an ASGI app
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app({"type": "http", "method": method, "path": "/"}, receive, send)
    return sent[0]["status"]


async def test_writes_beyond_the_bound_wait_and_reads_pass():
    release = asyncio.Event()
    in_flight = peak = 0

    async def inner(scope, receive, send) -> None:  # noqa: ANN001
        nonlocal in_flight, peak
        if scope["method"] != "GET":
            in_flight += 1
            peak = max(peak, in_flight)
            await release.wait()
            in_flight -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = WriteAdmission(inner, max_writes=2)
    writes = [asyncio.create_task(_call(app, method)) for method in ("POST", "PUT") * 3]
    await asyncio.sleep(0.05)
    assert in_flight == 2  # the other four wait, before any work is done
    assert await asyncio.wait_for(_call(app, "GET"), timeout=1) == 200  # a reader passes
    release.set()
    assert await asyncio.gather(*writes) == [200] * 6  # every write is served in the end
    assert peak == 2
