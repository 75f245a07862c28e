"""A participant's own data: see it, correct it, withdraw consent; purging old data."""

import asyncio
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import cli
from app.contests import closing
from app.models import Attempt, Participant
from tests.factories import make_contest, register, right_answers


async def play(client, auth):
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    return await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(body), "prediction": 1},
    )


async def test_see_and_correct_own_data(client, session, clock):
    await make_contest(session)
    _, auth = await register(client, name="Nguyễn Văn Sai Tên")
    me = (await client.get("/api/v1/me", headers=auth)).json()
    assert me["full_name"] == "Nguyễn Văn Sai Tên" and me["unit_code"] == "XH"
    fixed = await client.put(
        "/api/v1/me",
        headers=auth,
        json={
            "full_name": "Nguyễn Văn Đúng Tên",
            "birth_year": 1991,
            "unit_code": "SNV",
            "group": "nguoi-dan",
        },
    )
    assert fixed.status_code == 200 and fixed.json()["unit_code"] == "SNV"
    refused = await client.put(
        "/api/v1/me",
        headers=auth,
        json={"full_name": "x", "birth_year": 1991, "unit_code": "SNV", "group": "nguoi-dan"},
    )
    assert refused.status_code == 422 and "full_name" in refused.json()["error"]["fields"]


async def test_withdrawing_consent_leaves_the_boards_and_the_prizes(client, app, session, clock):
    setup = await make_contest(session, prizes={"nhat": 1})
    _, leaving = await register(client, name="Phan Văn Rút")
    _, staying = await register(client, name="Lê Thị Ở")
    await play(client, leaving)
    clock.advance(seconds=30)
    await play(client, staying)
    assert (await client.get("/api/v1/contests/thu/leaderboard")).json()["total"] == 2
    withdrawn = await client.post("/api/v1/me/withdraw", headers=leaving)
    assert withdrawn.json()["withdrawn_at"] is not None
    clock.advance(seconds=6)  # a board may be served up to 5 s old while it is recomputed
    board = (await client.get("/api/v1/contests/thu/leaderboard")).json()
    assert board["total"] == 1 and board["entries"][0]["name"] == "Lê T. Ở."
    clock.advance(days=7)
    report = await closing.close_round(
        session=session,
        redis=app.state.redis,
        contest=setup.contest,
        round_=setup.rounds[0],
        now=clock(),
    )
    stayer = (
        await session.exec(select(Participant).where(Participant.full_name == "Lê Thị Ở"))
    ).one()
    assert report.winners == {stayer.id: "nhat"}


async def test_the_self_service_page_without_javascript(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    client.cookies.set("cuocthi_thisinh", auth["Authorization"].split()[1])
    page = await client.get("/c/thu/thong-tin-ca-nhan")
    assert "Thông tin cá nhân của bạn" in page.text and "Rút lại sự đồng ý" in page.text
    saved = await client.post(
        "/c/thu/thong-tin-ca-nhan",
        data={
            "full_name": "Hà Văn Mới",
            "birth_year": "1990",
            "unit_code": "XH",
            "group": "can-bo",
        },
    )
    assert saved.status_code == 303
    await client.post("/c/thu/rut-dong-y")
    assert "Đã rút lại lúc" in (await client.get("/c/thu/thong-tin-ca-nhan")).text


async def test_purge_deletes_old_participants_and_their_attempts(client, session, clock):
    await make_contest(session)
    _, old = await register(client)
    await play(client, old)
    clock.advance(days=40)
    _, recent = await register(client)
    cutoff = (clock() - timedelta(days=1)).astimezone().strftime("%d/%m/%Y")
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["participants", "purge", "--before", cutoff, "--yes"]
    )
    assert result.exit_code == 0 and "Đã xoá 1 thí sinh" in result.output
    assert (await session.exec(select(func.count()).select_from(Participant))).one() == 1
    assert (await session.exec(select(func.count()).select_from(Attempt))).one() == 0
