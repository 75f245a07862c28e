"""A lean HTTP/1.1 keep-alive client for the load driver: asyncio streams + httptools.

httpx costs several times more CPU per request than this, and on a 2-core machine every cycle
the load generator burns is a cycle the servers under test do not get. One `Connection` is one
simulated client: it sends a request, reads the whole response, and reuses the socket.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httptools


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Message:
    """httptools callbacks for one response."""

    __slots__ = ("chunks", "done", "keep_alive", "parser")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.done = False
        self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        # Asked here, not after the message: llhttp clears the flags it answers from once
        # a message is complete, and would then say "close" of every response.
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class Connection:
    """One keep-alive connection to 127.0.0.1; reconnects after an error or a `close`."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the load driver only talks to loopback")
        self.host, self.port, self.timeout = host, port, timeout
        self._head = f"Host: {host}:{port}\r\nUser-Agent: cuocthi-bench\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Sends one request (a `body` is sent as JSON) and returns the whole response."""
        head = f"{method} {path} HTTP/1.1\r\n{self._head}"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        payload = b""
        if body is not None:
            payload = json.dumps(body, separators=(",", ":")).encode()
            head += "Content-Type: application/json\r\n"
        if body is not None or method in ("POST", "PUT"):
            head += f"Content-Length: {len(payload)}\r\n"
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(head.encode() + b"\r\n" + payload)
        except BaseException:
            self.close()  # the socket may hold half a response: never reuse it
            raise

    async def open(self) -> None:
        """Connects now rather than in the first request (a no-op when connected)."""
        if self._writer is None:
            async with asyncio.timeout(self.timeout):
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def _exchange(self, data: bytes) -> Reply:
        await self.open()
        assert self._reader is not None
        self._writer.write(data)
        message = _Message()
        while not message.done:
            chunk = await self._reader.read(65536)
            if not chunk:
                raise ConnectionResetError("the server closed the connection")
            message.parser.feed_data(chunk)
        if not message.keep_alive:
            self.close()
        return Reply(message.parser.get_status_code(), b"".join(message.chunks))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
