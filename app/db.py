"""Database engine, sessions and migrations. The database is the source of truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import settings

PROJECT_DIR = Path(__file__).resolve().parents[1]


def async_url(url: str) -> str:
    """Plain postgresql:// and sqlite:/// URLs, mapped to the async drivers we ship."""
    parsed = make_url(url)
    if parsed.drivername in {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str | None = None) -> AsyncEngine:
    """The engine for the configured database; SQLite gets WAL and a busy timeout."""
    target = async_url(url or settings.database_url)
    if target.startswith("sqlite"):
        engine = create_async_engine(target, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs three round trips per checkout. A connection that died with a
    # PostgreSQL restart fails one request (a clear 500/503), and the pool then starts afresh.
    return create_async_engine(target, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the engine made in the lifespan."""
    async with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, each statement committing by itself: no BEGIN and COMMIT round trips.

    For the participants' hot paths, where every write is a single statement that settles a
    race by itself (a unique index, or a compare-and-set on the status).
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def alembic_config():  # noqa: ANN201 - alembic.config.Config, imported lazily
    from alembic.config import Config

    return Config(toml_file=str(PROJECT_DIR / "pyproject.toml"))


def upgrade(revision: str = "head") -> None:
    """Brings the schema to `revision` (run by `cuocthi db upgrade`)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(), revision)


# Ids and numbers in URLs: bounded like the database's integers, so a huge one is a 422.
RowId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
