import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

from app import db
from app.models import Attempt, Standing
from tests.factories import close_first_round, make_contest, register, right_answers


def _inspect(work):
    async def run():
        engine = db.create_engine()
        async with engine.connect() as connection:
            result = await connection.run_sync(work)
        await engine.dispose()
        return result

    return asyncio.run(run())


def test_downgrade_to_empty_and_upgrade_again():
    db.downgrade("base")
    assert _inspect(lambda c: set(inspect(c).get_table_names())) <= {"alembic_version"}
    db.upgrade()
    tables = _inspect(lambda c: set(inspect(c).get_table_names()))
    assert set(SQLModel.metadata.tables) <= tables


def test_migrations_match_the_models():
    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    assert _inspect(differences) == []


def test_hot_queries_have_indexes():
    def indexes(connection):
        inspector = inspect(connection)
        return {
            tuple(index["column_names"])
            for table in ("attempt", "standing")
            for index in inspector.get_indexes(table)
        }

    found = _inspect(indexes)
    assert ("round_id", "unit_id") in found  # results by round and unit
    assert ("round_id", "participant_id") in found  # attempts by round and participant
    assert ("round_id", "rank") in found  # official standings in order
    assert ("deadline",) in found  # the sweep: attempts in progress past their deadline


async def test_downgrade_and_upgrade_keep_the_results(client, app, session, clock):
    """On SQLite, altering `attempt` copies the table: it must work while standings and other
    rows refer to it (foreign keys), and nothing may be lost on the way down and up again."""
    setup = await make_contest(session, time_limit=600)
    for _ in range(3):
        _, auth = await register(client)
        body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
        url = f"/api/v1/attempts/{body['attempt_id']}/submit"
        await client.post(url, headers=auth, json={"answers": right_answers(body)})
    await close_first_round(session, app, setup, clock)
    before = await _results(session)
    await session.close()
    await asyncio.to_thread(db.downgrade, "5b2d8f0c9a41")
    await asyncio.to_thread(db.upgrade)
    assert await _results(session) == before and len(before) == 3


async def _results(session) -> list:
    statement = select(Attempt.id, Attempt.correct_count, Standing.rank).join(
        Standing, Standing.attempt_id == Attempt.id
    )
    return sorted((await session.exec(statement)).all())
