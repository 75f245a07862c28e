"""The hot statements' database (app/hotdb.py) behaves alike on both backends: the same types
come back, a lost race on a unique index is the same exception, and on PostgreSQL a statement
that would need a column default is refused when compiled rather than run with a NULL."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from app.hotdb import UniqueViolation, _compile
from app.models import Attempt, Participant
from tests.conftest import BACKEND
from tests.factories import make_contest, register

ATTEMPTS = Attempt.__table__
INSERT = insert(ATTEMPTS).returning(ATTEMPTS.c.id)
READ = select(ATTEMPTS.c.questions, ATTEMPTS.c.answers, ATTEMPTS.c.deadline).where(
    ATTEMPTS.c.id == bindparam("attempt")
)
SAVE = update(ATTEMPTS).where(ATTEMPTS.c.id == bindparam("attempt"))


async def _attempt_values(client, session) -> dict:
    setup = await make_contest(session)
    participant = await session.get(Participant, (await register(client))[0])
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    return {
        "round_id": setup.rounds[0].id,
        "participant_id": participant.id,
        "unit_id": participant.unit_id,
        "group_id": participant.group_id,
        "period": "round",
        "number": 1,
        "status": "in_progress",
        "questions": [{"v": 1, "o": [3, 1, 2]}],
        "answers": {"1": 3},
        "started_at": now,
        "deadline": now + timedelta(minutes=15),
        "max_score": 1,
    }


async def test_rows_come_back_typed_and_a_lost_race_is_a_unique_violation(app, client, session):
    hot = app.state.hot
    values = await _attempt_values(client, session)
    [(attempt_id,)] = await hot.rows(INSERT, values)
    [(questions, answers, deadline)] = await hot.rows(READ, {"attempt": attempt_id})
    assert questions == [{"v": 1, "o": [3, 1, 2]}] and answers == {"1": 3}
    assert deadline == values["deadline"] and deadline.tzinfo is not None
    assert await hot.rowcount(SAVE, {"attempt": attempt_id, "answers": {"1": 2}}) == 1
    assert await hot.rowcount(SAVE, {"attempt": attempt_id + 1000, "answers": {}}) == 0
    with pytest.raises(UniqueViolation):  # the same (round, person, period, number)
        await hot.rows(INSERT, values)


def test_a_statement_needing_a_column_default_is_refused_when_compiled():
    with pytest.raises(ValueError, match="status"):
        _compile(INSERT, {"round_id": 1, "participant_id": 1, "period": "round"}, asyncpg_dialect())


@pytest.mark.skipif(BACKEND != "postgres", reason="asyncpg's connections: PostgreSQL only")
async def test_a_cancelled_statement_leaves_no_connection_in_an_unknown_state(app):
    hot = app.state.hot
    sleeping = asyncio.create_task(hot.rows(select(func.pg_sleep(5)), {}))
    await asyncio.sleep(0.3)
    sleeping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeping
    answers = await asyncio.gather(*(hot.rows(select(literal(n)), {"n": n}) for n in range(30)))
    assert [rows[0][0] for rows in answers] == list(range(30))
