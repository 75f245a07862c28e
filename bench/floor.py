"""The floor: the least a submit must do, as a bare ASGI app, to compare our submit against.

    BENCH_FLOOR_DSN=postgresql://… BENCH_FLOOR_REDIS=redis://… \\
        python -m bench.floor --port P --workers 2

POST /submit parses a JSON body of 20 answers, does one INSERT (asyncpg) into bench_floor_submit
and one Redis pipeline (INCR + EXPIRE of a rate-limit key, ZADD on a board, HINCRBY of a
counter), and answers with an id and a receipt. No framework, no ORM, no validation library:
whatever our submit costs above this is the price of the framework and of our own logic.
It is served exactly as the platform is (app/serving.py: uvicorn, a listening socket per
worker).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import asyncpg
from redis.asyncio import Redis

from app.serving import serve

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_floor_submit (
    id bigserial PRIMARY KEY,
    participant_id integer NOT NULL,
    answers jsonb NOT NULL,
    prediction integer,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
INSERT_SQL = (
    "INSERT INTO bench_floor_submit (participant_id, answers, prediction) "
    "VALUES ($1, $2, $3) RETURNING id"
)
PREFIX = "benchfloor"  # keys apart from the platform's cuocthi:* keys in the same database

_state: dict[str, Any] = {}


async def _reply(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _submit(body: bytes) -> tuple[int, dict[str, Any]]:
    try:
        data = json.loads(body)
        answers = {str(q): int(o) for q, o in data["answers"].items()}
        participant_id = int(data["participant_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return 422, {"error": "invalid body"}
    if not 0 < len(answers) <= 100:
        return 422, {"error": "invalid answers"}
    prediction = data.get("prediction")
    row_id = await _state["pool"].fetchval(
        INSERT_SQL, participant_id, json.dumps(answers), prediction
    )
    async with _state["redis"].pipeline(transaction=False) as pipe:
        limit_key = f"{PREFIX}:rl:submit:{participant_id}"
        pipe.incr(limit_key)
        pipe.expire(limit_key, 60)
        pipe.zadd(f"{PREFIX}:lb", {str(participant_id): len(answers) * 1_000_000 - row_id % 1000})
        pipe.hincrby(f"{PREFIX}:count", "submissions", 1)
        await pipe.execute()
    return 200, {"attempt_id": row_id, "receipt": f"{row_id:08X}"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _state["pool"] = await asyncpg.create_pool(
                    os.environ["BENCH_FLOOR_DSN"], min_size=2, max_size=10
                )
                _state["redis"] = Redis.from_url(os.environ["BENCH_FLOOR_REDIS"])
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _state["pool"].close()
                await _state["redis"].aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/healthz":
        await _reply(send, 200, {"status": "ok"})
    elif scope["path"] == "/submit" and scope["method"] == "POST":
        await _reply(send, *await _submit(await _read_body(receive)))
    else:
        await _reply(send, 404, {"error": "not found"})


def main() -> None:
    parser = argparse.ArgumentParser(description="The bare-ASGI floor of the benchmark.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    serve("127.0.0.1", args.port, args.workers, app="bench.floor:app", log_level="warning")


if __name__ == "__main__":
    main()
