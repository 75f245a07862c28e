"""The backup drill: dump, wipe, restore, and find every submission and organiser again."""

import asyncio

from sqlmodel import select
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.models import Attempt, Organiser, Participant
from tests.admin.helpers import create_organiser
from tests.conftest import reset_database
from tests.factories import make_contest, register, right_answers


async def snapshot(session):
    attempts = (
        await session.exec(
            select(Attempt.id, Attempt.receipt, Attempt.correct_count).order_by(Attempt.id)
        )
    ).all()
    people = (await session.exec(select(Participant.id, Participant.phone))).all()
    organisers = (await session.exec(select(Organiser.username, Organiser.password_hash))).all()
    return sorted(attempts), sorted(people), sorted(organisers)


async def test_dump_wipe_restore_finds_everything_again(client, session, clock, tmp_path):
    await make_contest(session)
    await create_organiser(session)
    for n in range(5):
        _, auth = await register(client, name=f"Người Sao Lưu {n}")
        body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
        await client.post(
            f"/api/v1/attempts/{body['attempt_id']}/submit",
            headers=auth,
            json={"answers": right_answers(body), "prediction": n},
        )
    before = await snapshot(session)
    assert len(before[0]) == 5 and all(receipt for _, receipt, _ in before[0])
    dump = tmp_path / "cuocthi.backup"
    runner = CliRunner()
    backed_up = await asyncio.to_thread(runner.invoke, cli, ["db", "backup", str(dump)])
    assert backed_up.exit_code == 0, backed_up.output
    await session.close()
    await asyncio.to_thread(asyncio.run, reset_database())  # the wipe: no tables at all
    restored = await asyncio.to_thread(runner.invoke, cli, ["db", "restore", str(dump), "--yes"])
    assert restored.exit_code == 0, restored.output
    engine = db.create_engine()
    async with db.session_factory(engine)() as fresh:
        assert await snapshot(fresh) == before
    await engine.dispose()
