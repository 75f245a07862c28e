"""The demo contest, with the real question bank, played end to end through the API."""

import asyncio

from typer.testing import CliRunner

from app.cli import cli
from app.demo import load_demo


async def test_the_demo_contest_plays_end_to_end(client, session):
    await load_demo(session=session)
    contest = (await client.get("/api/v1/contests/demo")).json()
    assert contest["current_round"] == 1
    assert {g["code"] for g in contest["groups"]} == {"can-bo", "nguoi-dan", "hoc-sinh"}
    units = (await client.get("/api/v1/contests/demo/units", params={"q": "xuan hung"})).json()
    assert units and all("Xuân Hưng" in unit["name"] for unit in units)
    registered = await client.post(
        "/api/v1/contests/demo/participants",
        json={
            "full_name": "Hoàng Thị Lan",
            "phone": "0987654321",
            "birth_year": 1995,
            "unit_code": units[0]["code"],
            "group": "nguoi-dan",
            "consent": True,
        },
    )
    auth = {"Authorization": f"Bearer {registered.json()['token']}"}
    started = (await client.post("/api/v1/contests/demo/attempts", headers=auth)).json()
    assert len(started["questions"]) == 20
    answers = {q["id"]: q["options"][0]["id"] for q in started["questions"]}
    result = await client.post(
        f"/api/v1/attempts/{started['attempt_id']}/submit",
        headers=auth,
        json={"answers": answers, "prediction": 150},
    )
    assert result.status_code == 200
    body = result.json()
    assert 0 <= body["correct_count"] <= 20 and body["max_score"] == 20
    board = (await client.get("/api/v1/contests/demo/leaderboard")).json()
    assert board["total"] == 1 and board["entries"][0]["name"] == "Hoàng T. L."
    assert "0987654321" not in str(board)
    # The command runs its own event loop, so it goes to a thread of its own.
    verified = await asyncio.to_thread(CliRunner().invoke, cli, ["receipt", body["receipt"]])
    assert verified.exit_code == 0 and "Hoàng Thị Lan" in verified.output
    forged = await asyncio.to_thread(CliRunner().invoke, cli, ["receipt", "AAAA-AAAA"])
    assert forged.exit_code == 1 and "không hợp lệ" in forged.output
