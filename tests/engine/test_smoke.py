from tests.factories import make_contest, register, right_answers


async def test_play_one_attempt_end_to_end(client, session, clock):
    await make_contest(session)
    clock.advance(hours=1)
    _, auth = await register(client)
    started = await client.post("/api/v1/contests/thu/attempts", headers=auth)
    assert started.status_code == 201, started.text
    body = started.json()
    assert len(body["questions"]) == 10
    answers = right_answers(body)
    saved = await client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers", headers=auth, json={"answers": answers}
    )
    assert saved.status_code == 200, saved.text
    clock.advance(seconds=95.5)
    result = await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": {}, "prediction": 12},
    )
    assert result.status_code == 200, result.text
    assert result.json()["correct_count"] == 10
    assert result.json()["duration_seconds"] == 95.5
    board = await client.get("/api/v1/contests/thu/leaderboard")
    assert board.json()["entries"][0]["name"] == "Nguyễn V. A."
