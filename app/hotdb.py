"""The participants' hot statements, run on the database driver with the least in between.

At the peak, start, autosave and submit are most of what the server does, and through
SQLAlchemy's AsyncConnection each statement costs about 0.2 ms of CPU beyond the driver
(pool events, greenlet hand-offs, result objects): as much as the rest of a submit. So the hot
statements are still written as SQLAlchemy Core, compiled once per set of parameters with
SQLAlchemy's own type processing of parameters and results, but on PostgreSQL they run on a
few asyncpg connections of their own. SQLite (the embedded default: one process, one writer)
runs them through the engine as before.

Every connection here commits each statement by itself: the hot paths' writes are single
statements that settle their races themselves (a unique index, or a compare-and-set).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from app.config import settings
from app.db import autocommit

Row = Sequence[Any]
Processor = Callable[[Any], Any] | None


class UniqueViolation(Exception):
    """An INSERT or UPDATE lost a race on a unique index (another request got there first)."""


class HotDatabase:
    """Runs Core statements and hands back plain tuples (rows) or a row count."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine  # for everything that is not a hot statement

    async def rows(self, statement: Executable, params: dict[str, Any]) -> list[Row]:
        raise NotImplementedError

    async def rowcount(self, statement: Executable, params: dict[str, Any]) -> int:
        raise NotImplementedError

    async def close(self) -> None:
        """Releases what the database holds open (the engine is closed by its owner)."""


class EngineDatabase(HotDatabase):
    """Through the engine's autocommit connections (SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._autocommit = autocommit(engine)

    async def rows(self, statement: Executable, params: dict[str, Any]) -> list[Row]:
        return await self._run(statement, params, lambda result: list(result.all()))

    async def rowcount(self, statement: Executable, params: dict[str, Any]) -> int:
        return await self._run(statement, params, lambda result: result.rowcount)

    async def _run(
        self, statement: Executable, params: dict[str, Any], take: Callable[[Result], Any]
    ) -> Any:
        async with self._autocommit.connect() as connection:
            try:
                return take(await connection.execute(statement, params))
            except IntegrityError as error:
                raise UniqueViolation() from error


@dataclass(frozen=True)
class _Compiled:
    # Held so that the statement lives as long as its entry: the cache is keyed by its id.
    statement: Executable
    sql: str
    names: tuple[str, ...]  # the positional parameters, in order
    fixed: dict[str, Any]  # values the statement carries itself (literals in its WHERE)
    binders: tuple[Processor, ...]
    readers: tuple[Processor, ...]  # per result column
    converts: bool  # whether any result column needs its reader


class _Connections:
    """A few asyncpg connections, each running one statement at a time.

    asyncpg.Pool's bookkeeping per use (a task shielding each release, a reset, timeouts)
    costs about 25 µs a statement, as much as a short statement itself; single autocommit
    statements need none of it. A connection whose statement ended in anything but an error
    reported by PostgreSQL (cancelled, connection lost) is closed rather than reused, so no
    connection in an unknown state is handed out again.
    """

    def __init__(self, dsn: str, size: int) -> None:
        self._dsn = dsn
        self._idle: list[asyncpg.Connection] = []
        self._slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._slots:
            connection = await self._take()
            try:
                yield connection
            except asyncpg.PostgresError:
                self._idle.append(connection)
                raise
            except BaseException:
                connection.terminate()
                raise
            self._idle.append(connection)

    async def _take(self) -> asyncpg.Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.is_closed():
                return connection
        connection = await asyncpg.connect(self._dsn)
        await _json_codecs(connection)
        return connection

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(c.close() for c in idle), return_exceptions=True)


class AsyncpgDatabase(HotDatabase):
    """On asyncpg connections of its own (PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connections = _Connections(dsn, settings.hot_pool_size)
        self._compiled: dict[tuple[int, tuple[str, ...]], _Compiled] = {}

    async def rows(self, statement: Executable, params: dict[str, Any]) -> list[Row]:
        compiled, records = await self._run("fetch", statement, params)
        if not compiled.converts:
            return records
        return [_read(compiled.readers, record) for record in records]

    async def rowcount(self, statement: Executable, params: dict[str, Any]) -> int:
        _, status = await self._run("execute", statement, params)
        return int(status.rpartition(" ")[2])  # "UPDATE 1"

    async def _run(
        self, method: str, statement: Executable, params: dict[str, Any]
    ) -> tuple[_Compiled, Any]:
        """`method` of asyncpg's Connection (fetch, execute) on the compiled statement."""
        compiled = self._compile(statement, params)
        try:
            async with self._connections.connection() as connection:
                run = getattr(connection, method)
                return compiled, await run(compiled.sql, *_arguments(compiled, params))
        except asyncpg.UniqueViolationError as error:
            raise UniqueViolation() from error

    async def close(self) -> None:
        await self._connections.close()

    def _compile(self, statement: Executable, params: dict[str, Any]) -> _Compiled:
        key = (id(statement), tuple(params))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(statement, params, self.engine.dialect)
        return compiled


def _compile(statement: Executable, params: dict[str, Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(params))
    names = tuple(compiled.positiontup or ())
    fixed = {}
    for name in names:
        if name in params:
            continue
        bind = compiled.binds[name]
        if bind.value is None:  # a column default would be needed: hot statements say all
            raise ValueError(f"hot statement needs a value for {name!r}")
        fixed[name] = bind.value
    readers = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in getattr(statement, "selected_columns", ())
    )
    binders = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return _Compiled(
        statement,
        compiled.string,
        names,
        fixed,
        binders,
        readers,
        any(r is not None for r in readers),
    )


def _read(readers: tuple[Processor, ...], record: Row) -> Row:
    return tuple(
        value if read is None else read(value) for read, value in zip(readers, record, strict=True)
    )


def _arguments(compiled: _Compiled, params: dict[str, Any]) -> list[Any]:
    values = params | compiled.fixed if compiled.fixed else params
    return [
        values[name] if bind is None else bind(values[name])
        for name, bind in zip(compiled.names, compiled.binders, strict=True)
    ]


async def _json_codecs(connection: asyncpg.Connection) -> None:
    """JSON as SQLAlchemy's asyncpg dialect sets it up: text in, parsed on the way out (the
    JSON types' bind processors serialise the values)."""
    await connection.set_type_codec(
        "json",
        encoder=str.encode,
        decoder=lambda data: json.loads(data.decode()),
        schema="pg_catalog",
        format="binary",
    )


def hot_database(engine: AsyncEngine) -> HotDatabase:
    if engine.dialect.name == "postgresql":
        return AsyncpgDatabase(engine)
    return EngineDatabase(engine)


async def get_hot_database(request: Request) -> HotDatabase:
    """The process's hot database, opened in the lifespan."""
    return request.app.state.hot


HotDep = Annotated[HotDatabase, Depends(get_hot_database)]
