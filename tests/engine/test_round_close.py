import pytest
from sqlmodel import select

from app.contests import closing
from app.errors import AppError
from app.models import Standing
from tests.factories import make_contest, register, right_answers, wrong_answers


async def play(client, clock, auth, correct, prediction, seconds, slug="thu"):
    body = (await client.post(f"/api/v1/contests/{slug}/attempts", headers=auth)).json()
    answers = right_answers(body)
    wrong = wrong_answers(body)
    for question_id in list(answers)[correct:]:
        answers[question_id] = wrong[question_id]
    clock.advance(seconds=seconds)
    result = await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": answers, "prediction": prediction},
    )
    return result.json()


async def close(session, app, contest, round_, clock):
    return await closing.close_round(
        session=session, redis=app.state.redis, contest=contest, round_=round_, now=clock()
    )


async def test_close_computes_true_count_standings_and_provisional_winners(
    client, app, session, clock
):
    setup = await make_contest(session, prizes={"nhat": 1, "nhi": 1, "ba": 1})
    people = {}
    for name, correct, prediction, seconds in [
        ("Lê Văn Một", 10, 3, 300),
        ("Phạm Thị Hai", 10, 2, 100),
        ("Đỗ Văn Ba", 10, 2, 200),
        ("Vũ Thị Bốn", 9, 2, 50),
    ]:
        pid, auth = await register(client, name=name)
        people[name] = pid
        await play(client, clock, auth, correct, prediction, seconds)
    with pytest.raises(AppError, match="chưa kết thúc"):
        await close(session, app, setup.contest, setup.rounds[0], clock)
    clock.advance(days=7)
    report = await close(session, app, setup.contest, setup.rounds[0], clock)
    assert report.true_count == 3  # three people answered every question right
    rows = await closing.standings(session=session, round_id=setup.rounds[0].id)
    order = [row.participant_id for row in rows]
    # All three full scores tie on right answers; Một predicted 3 (distance 0), Hai and Ba
    # predicted 2 (distance 1), so Hai's shorter working time puts her above Ba.
    assert order == [
        people["Lê Văn Một"],
        people["Phạm Thị Hai"],
        people["Đỗ Văn Ba"],
        people["Vũ Thị Bốn"],
    ]
    assert [row.prize for row in rows] == ["nhat", "nhi", "ba", None]
    assert rows[0].prediction_distance == 0 and rows[1].duration_ms == 100_000


async def test_closing_again_gives_the_same_result(client, app, session, clock):
    setup = await make_contest(session)
    for correct in (10, 8, 10, 5):
        _, auth = await register(client)
        await play(client, clock, auth, correct, 2, 100 + correct)
    clock.advance(days=7)
    first = await close(session, app, setup.contest, setup.rounds[0], clock)
    rows_first = [
        (r.participant_id, r.rank, r.prize)
        for r in await closing.standings(session=session, round_id=setup.rounds[0].id)
    ]
    clock.advance(hours=5)
    second = await close(session, app, setup.contest, setup.rounds[0], clock)
    rows_second = [
        (r.participant_id, r.rank, r.prize)
        for r in await closing.standings(session=session, round_id=setup.rounds[0].id)
    ]
    assert rows_first == rows_second and first.winners == second.winners
    assert first.round.closed_at == second.round.closed_at


async def test_attempts_left_open_are_finalised_at_close(client, app, session, clock):
    setup = await make_contest(session)
    _, auth = await register(client)
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers",
        headers=auth,
        json={"answers": right_answers(body)},
    )
    clock.advance(days=7)
    report = await close(session, app, setup.contest, setup.rounds[0], clock)
    assert report.ranked == 1 and report.true_count == 1


async def test_one_prize_per_person_per_contest(client, app, session, clock):
    setup = await make_contest(session, rounds=2, prizes={"nhat": 1}, one_prize_per_person=True)
    champion, champion_auth = await register(client)
    runner_up, runner_auth = await register(client)
    await play(client, clock, champion_auth, 10, 1, 100)
    await play(client, clock, runner_auth, 9, 1, 100)
    clock.advance(days=7)
    await close(session, app, setup.contest, setup.rounds[0], clock)
    await play(client, clock, champion_auth, 10, 1, 100)
    await play(client, clock, runner_auth, 9, 1, 100)
    clock.advance(days=7)
    report = await close(session, app, setup.contest, setup.rounds[1], clock)
    assert report.winners == {runner_up: "nhat"}
    rows = (await session.exec(select(Standing).where(Standing.prize.is_not(None)))).all()
    assert sorted(r.participant_id for r in rows) == sorted([champion, runner_up])


async def test_winners_are_published_only_after_the_appeals_window(client, app, session, clock):
    setup = await make_contest(session)
    _, auth = await register(client)
    await play(client, clock, auth, 10, 1, 60)
    round_ = setup.rounds[0]
    with pytest.raises(AppError, match="chưa được tổng kết"):
        await closing.publish_winners(session=session, round_=round_, now=clock())
    clock.advance(days=7)
    await close(session, app, setup.contest, round_, clock)
    clock.advance(days=2)
    with pytest.raises(AppError, match="thời gian khiếu nại"):
        await closing.publish_winners(session=session, round_=round_, now=clock())
    clock.advance(days=1)
    published = await closing.publish_winners(session=session, round_=round_, now=clock())
    assert published.winners_published_at == clock()
