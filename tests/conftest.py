"""Test set-up for both backends, chosen by CUOCTHI_TEST_BACKEND (embedded | postgres).

The schema is built by `alembic upgrade head`, so migrations are tested too; every test starts
from empty tables and an empty Redis.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

BACKEND = os.environ.get("CUOCTHI_TEST_BACKEND", "embedded")
_data_dir = Path(tempfile.mkdtemp(prefix="cuocthi-test-"))
os.environ["CUOCTHI_DATA_DIR"] = str(_data_dir)
os.environ["CUOCTHI_BASE_URL"] = "http://testserver"
# Most tests hammer one participant from one address; the rate-limit tests switch limits on.
os.environ["CUOCTHI_RATE_LIMITS"] = "off"
if BACKEND == "postgres":
    database_url = os.environ.get("CUOCTHI_TEST_DATABASE_URL")
    redis_url = os.environ.get("CUOCTHI_TEST_REDIS_URL")
    if not database_url or not redis_url:
        raise pytest.UsageError(
            "CUOCTHI_TEST_BACKEND=postgres needs CUOCTHI_TEST_DATABASE_URL and "
            "CUOCTHI_TEST_REDIS_URL: run the suite with `bash tests/run`."
        )
    os.environ["CUOCTHI_DATABASE_URL"] = database_url
    os.environ["CUOCTHI_REDIS_URL"] = redis_url
    os.environ["CUOCTHI_SECRET_KEY"] = "test-secret-key-for-postgres-runs-only"
elif BACKEND == "embedded":
    os.environ["CUOCTHI_DATABASE_URL"] = f"sqlite:///{_data_dir / 'test.db'}"
    os.environ["CUOCTHI_REDIS_URL"] = ""
else:
    raise pytest.UsageError(f"unknown CUOCTHI_TEST_BACKEND={BACKEND!r}")

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from app import db  # noqa: E402
from app.config import settings  # noqa: E402
from app.contests.api import boards  # noqa: E402
from app.contests.directory import directory  # noqa: E402
from app.contests.views import landing_pages  # noqa: E402
from app.main import create_app  # noqa: E402
from app.questions.catalog import catalog  # noqa: E402


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"cuocthi backend: {BACKEND} (database {settings.database_url.split('@')[-1]}, "
        f"redis {'embedded' if settings.embedded_redis else settings.redis_url})"
    ]


async def reset_database() -> None:
    """An empty schema at head, on either backend."""
    engine = db.create_engine()
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            await connection.run_sync(SQLModel.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def schema() -> None:
    # Synchronous: Alembic's env.py runs its own event loop.
    asyncio.run(reset_database())
    db.upgrade()


async def truncate_all(engine) -> None:  # noqa: ANN001
    async with engine.begin() as connection:
        tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def app(schema: None) -> AsyncIterator:
    catalog.clear()
    directory.forget()
    landing_pages.clear()
    boards.clear()
    application = create_app()
    async with application.router.lifespan_context(application):
        # Command-line tests write through their own engine: start every test from empty.
        await truncate_all(application.state.engine)
        await application.state.redis.flushdb()
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def session(app) -> AsyncIterator:  # noqa: ANN001
    async with app.state.sessions() as db_session:
        yield db_session


@pytest.fixture
def clock(app):  # noqa: ANN001, ANN201
    from tests.factories import FakeClock

    fake = FakeClock()
    app.state.clock = fake
    return fake


@pytest.fixture
def rate_limits(monkeypatch):  # noqa: ANN001, ANN201
    """Rate limits on, as in production, for the length of one test."""
    monkeypatch.setattr(settings, "rate_limits", True)
    return settings
