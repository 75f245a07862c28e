"""The load driver: one process, one asyncio loop, N simulated clients on keep-alive sockets.

    python -m bench.driver < spec.json > result.json

The orchestrator (bench/main.py) starts it per phase with a JSON spec and reads back every
latency, error and output (tokens, attempts, confirmed submissions). Every loop is bounded by
a count and by the spec's deadline, and the only target is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

from bench.http import Connection, Reply

API = "/api/v1"
# Set by SIGUSR1: the orchestrator tells a readers-only driver that the main clients finished.
STOP = threading.Event()
FIRST_NAMES = ("Nguyễn Văn", "Trần Thị", "Lê Minh", "Phạm Thu", "Hoàng Đức", "Vũ Ngọc")
LAST_NAMES = ("An", "Bình", "Cường", "Dung", "Hà", "Hùng", "Lan", "Mai", "Nam", "Thảo")


class Recorder:
    """Latencies of successful requests and errors by kind, per endpoint."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter[str]] = defaultdict(Counter)
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    async def call(
        self,
        conn: Connection,
        name: str,
        method: str,
        path: str,
        *,
        ok: tuple[int, ...] = (200,),
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply | None:
        started = time.perf_counter()
        self.first.setdefault(name, started)
        try:
            reply = await conn.request(method, path, body=body, headers=headers)
        except (OSError, TimeoutError, ValueError) as error:  # httptools errors are ValueErrors
            self.errors[name][type(error).__name__] += 1
            return None
        ended = time.perf_counter()
        self.last[name] = ended
        if reply.status not in ok:
            self.errors[name][f"HTTP {reply.status}"] += 1
            return None
        self.latencies[name].append(round((ended - started) * 1000, 3))
        return reply

    def fail(self, name: str, kind: str) -> None:
        self.errors[name][kind] += 1

    def dump(self) -> dict[str, Any]:
        names = set(self.latencies) | set(self.errors)
        return {
            name: {
                "latencies_ms": self.latencies.get(name, []),
                "errors": dict(self.errors.get(name, {})),
                "window_s": max(self.last.get(name, 0) - self.first.get(name, 0), 1e-9),
            }
            for name in sorted(names)
        }


class Driver:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.slug = spec.get("slug", "bench")
        self.rec = Recorder()
        self.out: dict[str, list[Any]] = defaultdict(list)
        # Timed phases end after `duration`; counted ones (duration 0) at the deadline at most.
        self.stop_at = time.monotonic() + float(spec.get("duration") or spec["deadline"])
        self.done = asyncio.Event()  # set when the main clients finish: readers stop then

    def connect(self) -> Connection:
        return Connection(self.spec["host"], self.spec["port"], self.spec.get("timeout", 30.0))

    # --- single steps ---------------------------------------------------------------------

    async def register(self, conn: Connection, n: int) -> str | None:
        units = self.spec["units"]
        body = {
            "full_name": f"{FIRST_NAMES[n % 6]} {LAST_NAMES[n // 6 % 10]} {n}",
            "phone": f"03{n:08d}",
            "birth_year": 1970 + n % 35,
            "unit_code": units[n % len(units)],
            "group": ("can-bo", "nguoi-dan")[n % 2],
            "consent": True,
        }
        path = f"{API}/contests/{self.slug}/participants"
        reply = await self.rec.call(conn, "register", "POST", path, ok=(201,), body=body)
        return None if reply is None else reply.json()["token"]

    async def start(self, conn: Connection, token: str) -> tuple[int, dict[str, int], str] | None:
        """The attempt started, answers to all its questions, and its ticket."""
        path = f"{API}/contests/{self.slug}/attempts"
        auth = {"Authorization": f"Bearer {token}"}
        reply = await self.rec.call(conn, "start", "POST", path, ok=(201,), headers=auth)
        if reply is None:
            return None
        started = reply.json()
        answers = {q["id"]: random.choice(q["options"])["id"] for q in started["questions"]}
        return started["attempt_id"], answers, started["ticket"]

    async def submit(
        self, conn: Connection, token: str, attempt_id: int, answers: dict[str, int], ticket: str
    ) -> bool:
        path = f"{API}/attempts/{attempt_id}/submit"
        body = {"answers": answers, "prediction": attempt_id % 500, "ticket": ticket}
        auth = {"Authorization": f"Bearer {token}"}
        reply = await self.rec.call(conn, "submit", "POST", path, body=body, headers=auth)
        if reply is None:
            return False
        result = reply.json()
        if not result.get("receipt") or result.get("attempt_id") != attempt_id:
            self.rec.fail("submit", "no_receipt")
            return False
        self.out["confirmed"].append(attempt_id)
        return True

    # --- clients ----------------------------------------------------------------------------

    async def flow(self, conn: Connection, phones: list[int]) -> None:
        """register → start → 3 autosaves → submit → my rank, until the duration is over."""
        while phones and time.monotonic() < self.stop_at:
            token = await self.register(conn, phones.pop())
            started = token and await self.start(conn, token)
            if not started:
                continue
            attempt_id, answers, ticket = started
            auth = {"Authorization": f"Bearer {token}"}
            items = list(answers.items())
            saved = 0
            for part in (items[:7], items[7:14], items[14:]):
                path = f"{API}/attempts/{attempt_id}/answers"
                body = {"answers": dict(part)}
                reply = await self.rec.call(conn, "autosave", "PUT", path, body=body, headers=auth)
                saved += reply is not None
            if saved < 3 or not await self.submit(conn, token, attempt_id, answers, ticket):
                continue
            path = f"{API}/contests/{self.slug}/leaderboard/me"
            reply = await self.rec.call(conn, "my_rank", "GET", path, headers=auth)
            if reply is not None and reply.json().get("rank") is None:
                self.rec.fail("my_rank", "not_ranked")
            elif reply is not None:
                self.out["flows"].append(attempt_id)

    async def reader(self, conn: Connection, name: str, path: str, pause: float) -> None:
        """Reads one page until the main clients finish (or the duration is over).

        Connected first: its latencies are those of reads on a kept connection, not of a
        connection set up in the same instant as the main clients' 64 (a failed connection is
        retried, and counted, by the first read)."""
        headers = self.spec.get("headers")
        with contextlib.suppress(OSError, TimeoutError):
            await conn.open()
        while not self.done.is_set() and not STOP.is_set() and time.monotonic() < self.stop_at:
            await self.rec.call(conn, name, "GET", path, headers=headers)
            if pause:  # jittered, as people are: readers in lockstep would queue for each other
                await asyncio.sleep(pause * random.uniform(0.5, 1.5))

    async def quiz_pages(self, conn: Connection, attempts: list[list[Any]]) -> None:
        for index in range(1_000_000):
            if time.monotonic() >= self.stop_at or not attempts:
                return
            attempt_id, token = attempts[index % len(attempts)][:2]
            path = f"/c/{self.slug}/bai-thi/{attempt_id}"
            headers = {"Cookie": f"cuocthi_thisinh={token}"}
            await self.rec.call(conn, "quiz_page", "GET", path, headers=headers)

    async def floor(self, conn: Connection, first: int) -> None:
        for n in range(first, first + 10_000_000, self.spec["concurrency"]):
            if time.monotonic() >= self.stop_at:
                return
            body = {
                "participant_id": n,
                "answers": {str(1000 + q): 4000 + q * 4 + n % 4 for q in range(20)},
                "prediction": n % 500,
            }
            reply = await self.rec.call(conn, "floor_submit", "POST", "/submit", body=body)
            if reply is not None and not reply.json().get("receipt"):
                self.rec.fail("floor_submit", "no_receipt")

    # --- phases -----------------------------------------------------------------------------

    async def each(self, items: list[Any], work: Callable[[Connection, Any], Awaitable[None]]):
        """Runs `work` on every item with `concurrency` clients pulling from one queue."""
        queue = list(reversed(items))

        async def client() -> None:
            conn = self.connect()
            while queue:
                await work(conn, queue.pop())
            conn.close()

        await asyncio.gather(*(client() for _ in range(self.spec["concurrency"])))

    async def readers(self) -> list[asyncio.Task[None]]:
        """Leaderboard (and landing) readers that run beside the main clients."""
        board = f"{API}/contests/{self.slug}/leaderboard?limit=20"
        tasks = []
        for _ in range(self.spec.get("board_readers", 0)):
            pause = self.spec.get("reader_pause", 0.0)
            tasks.append(self.reader(self.connect(), "leaderboard", board, pause))
        for _ in range(self.spec.get("landing_readers", 0)):
            tasks.append(self.reader(self.connect(), "landing", f"/c/{self.slug}", 0.0))
        return [asyncio.create_task(task) for task in tasks]

    async def run(self) -> None:
        kind = self.spec["kind"]
        readers = await self.readers()
        if kind == "register":
            tokens = self.out["tokens"]

            async def register(conn: Connection, n: int) -> None:
                token = await self.register(conn, n)
                if token:
                    tokens.append(token)

            await self.each(list(range(*self.spec["phones"])), register)
        elif kind == "start":

            async def start(conn: Connection, token: str) -> None:
                started = await self.start(conn, token)
                if started:
                    attempt_id, answers, ticket = started
                    self.out["attempts"].append([attempt_id, token, answers, ticket])

            await self.each(self.spec["tokens"], start)
        elif kind == "submit":

            async def submit(conn: Connection, item: list[Any]) -> None:
                attempt_id, token, answers, ticket = item
                await self.submit(conn, token, attempt_id, answers, ticket)

            await self.each(self.spec["attempts"], submit)
        elif kind == "flows":
            phones = list(range(*self.spec["phones"]))
            clients = self.spec["concurrency"]
            await asyncio.gather(*(self.flow(self.connect(), phones) for _ in range(clients)))
        elif kind == "quiz":
            attempts = self.spec["attempts"]
            clients = self.spec["concurrency"]
            slices = [attempts[i::clients] for i in range(clients)]
            await asyncio.gather(*(self.quiz_pages(self.connect(), s) for s in slices))
        elif kind == "floor":
            first = self.spec.get("first_id", 1)
            clients = self.spec["concurrency"]
            await asyncio.gather(*(self.floor(self.connect(), first + i) for i in range(clients)))
        elif kind != "readers":  # "readers": only the readers, until the duration is over
            raise ValueError(f"unknown phase kind {kind}")
        if kind != "readers":
            self.done.set()
        await asyncio.gather(*readers)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    driver = Driver(spec)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        async with asyncio.timeout(spec["deadline"]):
            await driver.run()
    except TimeoutError:
        driver.rec.fail("driver", "deadline")
    return {
        "endpoints": driver.rec.dump(),
        "out": dict(driver.out),
        "cpu_s": time.process_time() - cpu,
        "wall_s": time.perf_counter() - wall,
    }


def main() -> None:
    signal.signal(signal.SIGUSR1, lambda *_: STOP.set())
    spec = json.load(sys.stdin)
    result = uvloop.run(run(spec))
    json.dump(result, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
