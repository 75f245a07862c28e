import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app import db


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
