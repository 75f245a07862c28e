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


async def test_a_slow_sender_holds_no_slot_and_the_app_gets_the_whole_body():
    bodies: list[bytes] = []

    async def inner(scope, receive, send) -> None:  # noqa: ANN001
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        bodies.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = WriteAdmission(inner, max_writes=1)
    rest_sent = asyncio.Event()
    slow_parts = [
        {"type": "http.request", "body": b"slow-", "more_body": True},
        {"type": "http.request", "body": b"body", "more_body": False},
    ]

    async def slow_receive() -> dict:
        if len(slow_parts) == 1:
            await rest_sent.wait()
        return slow_parts.pop(0)

    async def no_send(message: dict) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/"}
    slow = asyncio.create_task(app(scope, slow_receive, no_send))
    await asyncio.sleep(0.05)
    assert await asyncio.wait_for(_call(app, "POST"), timeout=1) == 200  # the one slot was free
    rest_sent.set()
    await slow
    assert bodies == [b"", b"slow-body"]
