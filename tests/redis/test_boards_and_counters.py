"""Boards and counters equal what SQL computes: live, after a flush and rebuild, after an outage."""

import random

from app import maintenance
from app import redis as redis_module
from app.leaderboard import events, service, sync
from tests.factories import make_contest, register, right_answers, wrong_answers
from tests.redis.reference import expected_board, expected_counters


async def fill_round(client, clock, people: int = 12, seed: int = 7) -> None:
    """People in two units and two groups, some with two attempts, one abandoned."""
    rng = random.Random(seed)
    for n in range(people):
        _, auth = await register(
            client,
            name=f"Người Thử {n}",
            unit=("XH", "SNV")[n % 2],
            group=("can-bo", "nguoi-dan")[n % 3 == 0],
        )
        for _ in range(rng.choice((1, 2))):
            body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
            right, wrong = right_answers(body), wrong_answers(body)
            correct = rng.randint(5, 10)
            answers = {q: (right[q] if i < correct else wrong[q]) for i, q in enumerate(right)}
            clock.advance(seconds=rng.randint(30, 300), milliseconds=rng.randint(0, 999))
            if n == people - 1:  # walks away: finalised later by the sweep
                await client.put(
                    f"/api/v1/attempts/{body['attempt_id']}/answers",
                    headers=auth,
                    json={"answers": answers},
                )
                break
            await client.post(
                f"/api/v1/attempts/{body['attempt_id']}/submit",
                headers=auth,
                json={"answers": answers, "prediction": n},
            )
    clock.advance(minutes=20)


async def assert_redis_matches_sql(app, session, setup) -> None:
    redis = app.state.redis
    round_ = setup.rounds[0]
    contest_counts, round_counts = await service.counters(
        redis=redis, contest_id=setup.contest.id, round_id=round_.id
    )
    expected_contest, expected_round = await expected_counters(session, setup.contest.id, round_.id)
    assert contest_counts == expected_contest
    assert round_counts == expected_round
    for unit_id in (None, 1, 2):
        for group_id in (None, setup.groups[0].id, setup.groups[1].id):
            if unit_id and group_id:
                continue
            entries, total = await service.top(
                redis=redis, round_id=round_.id, unit_id=unit_id, group_id=group_id, limit=100
            )
            expected = await expected_board(session, round_.id, unit_id, group_id)
            assert [e.participant_id for e in entries] == expected
            assert total == len(expected)


async def test_live_boards_and_counters_equal_sql(client, app, session, clock):
    setup = await make_contest(session)
    await fill_round(client, clock)
    from app.attempts import service as attempt_service

    await attempt_service.expire_overdue(db=app.state.hot, redis=app.state.redis, now=clock())
    await assert_redis_matches_sql(app, session, setup)


async def test_flush_then_rebuild_gives_back_every_board_and_counter(client, app, session, clock):
    setup = await make_contest(session)
    await fill_round(client, clock)
    await app.state.redis.flushdb()
    assert (await service.top(redis=app.state.redis, round_id=setup.rounds[0].id))[1] == 0
    await sync.rebuild(session=session, redis=app.state.redis)
    await assert_redis_matches_sql(app, session, setup)
    await sync.replay(session=session, redis=app.state.redis)  # replaying again changes nothing
    await assert_redis_matches_sql(app, session, setup)


async def test_redis_down_loses_nothing_and_catches_up_when_back_empty(client, app, session, clock):
    setup = await make_contest(session)
    await fill_round(client, clock, people=4)
    real = app.state.redis
    app.state.redis = redis_module.create_client("redis://127.0.0.1:1/0")
    try:
        await fill_round(client, clock, people=5, seed=11)  # registrations and submits still work
        board = await client.get("/api/v1/contests/thu/leaderboard")
        assert board.status_code == 503
        assert board.json()["error"]["message"] == "Bảng xếp hạng đang cập nhật."
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert events.sync_state.dirty
    finally:
        app.state.redis = real
    await real.flushdb()  # Redis came back empty
    await maintenance.catch_up(app)
    assert not events.sync_state.dirty
    await assert_redis_matches_sql(app, session, setup)
    board = (await client.get("/api/v1/contests/thu/leaderboard")).json()
    assert board["total"] == 7  # nine people, two of whom walked away without submitting


async def test_a_worse_later_attempt_never_lowers_the_rank(client, app, session, clock):
    await make_contest(session)
    _, auth = await register(client, name="Tô Văn Giỏi")
    first = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    clock.advance(seconds=100)
    await client.post(
        f"/api/v1/attempts/{first['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(first), "prediction": 1},
    )
    second = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    clock.advance(seconds=10)
    await client.post(
        f"/api/v1/attempts/{second['attempt_id']}/submit",
        headers=auth,
        json={"answers": wrong_answers(second), "prediction": 1},
    )
    entry = (await client.get("/api/v1/contests/thu/leaderboard")).json()["entries"][0]
    assert entry["score"] == 10 and entry["duration_seconds"] == 100


async def test_marker_makes_catch_up_a_no_op_until_redis_is_emptied(app, session):
    redis = app.state.redis
    await sync.catch_up(session=session, redis=redis)
    assert await redis.exists(sync.MARKER)
    assert not await sync.catch_up(session=session, redis=redis)
    await redis.flushdb()
    assert await sync.catch_up(session=session, redis=redis)


async def test_drift_left_by_a_dead_worker_is_found_and_replayed(client, app, session, clock):
    setup = await make_contest(session)
    await fill_round(client, clock, people=3)
    # A worker killed between its commit and its Redis update: the database has one more.
    _, auth = await register(client, name="Người Bị Ngắt")
    redis = app.state.redis
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    with_redis_gone = app.state.redis
    app.state.redis = redis_module.create_client("redis://127.0.0.1:1/0")
    try:
        await client.post(
            f"/api/v1/attempts/{body['attempt_id']}/submit",
            headers=auth,
            json={"answers": right_answers(body), "prediction": 1},
        )
    finally:
        app.state.redis = with_redis_gone
    events.sync_state.dirty = False  # the process that knew about it is gone
    assert await sync.verify(session=session, redis=redis, settle_seconds=0)
    await assert_redis_matches_sql(app, session, setup)
    assert not await sync.verify(session=session, redis=redis, settle_seconds=0)
