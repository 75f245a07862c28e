"""The load driver's HTTP client keeps its connection, as wrk and browsers do.

A client that reconnected for every request would measure TCP set-up and the server's accept
queue instead of the endpoint (it did, until llhttp's keep-alive flag was read too late).
"""

from __future__ import annotations

import asyncio

from bench.http import Connection


async def _serve(replies: list[bytes]) -> tuple[asyncio.Server, list[int]]:
    """A loopback server answering each request with the next reply; counts connections."""
    opened: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(1)
        try:
            while replies and await reader.readuntil(b"\r\n\r\n"):
                writer.write(replies.pop(0))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass  # the client closed this connection
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, opened


def _reply(body: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Length: %d" % len(body), *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def test_one_connection_serves_many_requests():
    server, opened = await _serve([_reply(b"a"), _reply(b"bb"), _reply(b"ccc")])
    conn = Connection("127.0.0.1", server.sockets[0].getsockname()[1])
    bodies = [(await conn.request("GET", "/")).body for _ in range(3)]
    conn.close()
    server.close()
    assert bodies == [b"a", b"bb", b"ccc"]
    assert len(opened) == 1


async def test_reconnects_after_the_server_says_close():
    replies = [_reply(b"a", b"Connection: close"), _reply(b"b")]
    server, opened = await _serve(replies)
    conn = Connection("127.0.0.1", server.sockets[0].getsockname()[1])
    first = await conn.request("GET", "/")
    second = await conn.request("GET", "/")
    conn.close()
    server.close()
    assert (first.body, second.body) == (b"a", b"b")
    assert len(opened) == 2


async def test_open_connects_once_and_the_requests_use_that_connection():
    server, opened = await _serve([_reply(b"a"), _reply(b"b")])
    conn = Connection("127.0.0.1", server.sockets[0].getsockname()[1])
    await conn.open()
    await asyncio.sleep(0.05)  # the server has accepted it before any request
    assert len(opened) == 1
    await conn.open()
    bodies = [(await conn.request("GET", "/")).body for _ in range(2)]
    conn.close()
    server.close()
    assert bodies == [b"a", b"b"]
    assert len(opened) == 1
