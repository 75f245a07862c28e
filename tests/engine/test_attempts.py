import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from app.attempts import service as attempt_service
from app.cli import cli
from app.leaderboard import events as board_events
from app.models import Attempt, utcnow
from tests.factories import make_contest, register, right_answers, wrong_answers


async def start(client, auth, slug="thu"):
    return await client.post(f"/api/v1/contests/{slug}/attempts", headers=auth)


async def submit(client, auth, attempt_id, answers=None, prediction=5, ticket=None):
    body = {"answers": answers or {}, "prediction": prediction}
    if ticket is not None:
        body["ticket"] = ticket
    return await client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=auth, json=body)


# Submits with the attempt's ticket skip reading the attempt (app.attempts.ticket): the rules
# of a submit hold with and without one.
with_and_without_ticket = pytest.mark.parametrize("ticketed", [False, True], ids=["read", "ticket"])


def ticket_of(started: dict, ticketed: bool) -> str | None:
    return started["ticket"] if ticketed else None


@pytest.fixture
def attempt_reads(monkeypatch) -> list[int]:
    """The attempts a submit read before finalising (by id)."""
    reads: list[int] = []
    get_owned = attempt_service.get_owned

    async def counted(**kwargs):
        reads.append(kwargs["attempt_id"])
        return await get_owned(**kwargs)

    monkeypatch.setattr(attempt_service, "get_owned", counted)
    return reads


async def count_rows(session, model, *where):
    return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_no_attempt_before_the_round_opens(client, session, clock):
    await make_contest(session)
    clock.advance(hours=-1)
    _, auth = await register(client)
    response = await start(client, auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "round_not_open"


async def test_questions_follow_the_blueprint_and_hide_the_key(client, session, clock):
    await make_contest(session, questions=12)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    ids = [q["id"] for q in body["questions"]]
    assert len(ids) == 12 and len(set(ids)) == 12
    attempt = await session.get(Attempt, body["attempt_id"])
    assert [str(q["v"]) for q in attempt.questions] == ids  # stored exactly as shown
    assert [q["o"] for q in attempt.questions] == [
        [o["id"] for o in q["options"]] for q in body["questions"]
    ]
    area0 = [q for q in body["questions"] if "lĩnh vực 0" in q["text"]]
    assert len(area0) >= 2
    assert "correct" not in str(body).lower() and "Giải thích" not in str(body)


async def test_options_are_shuffled_per_attempt(client, session, clock):
    await make_contest(session, questions=30)
    orders = set()
    for _ in range(3):
        _, auth = await register(client)
        body = (await start(client, auth)).json()
        orders.add(tuple(q["options"][0]["text"].split()[0] for q in body["questions"]))
    assert len(orders) > 1


async def test_starting_again_returns_the_attempt_in_progress(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    first = await start(client, auth)
    again = await start(client, auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["attempt_id"] == first.json()["attempt_id"]
    assert again.json()["questions"] == first.json()["questions"]


async def test_twenty_concurrent_starts_create_one_attempt(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    responses = await asyncio.gather(*(start(client, auth) for _ in range(20)))
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert len({r.json()["attempt_id"] for r in responses}) == 1
    assert await count_rows(session, Attempt) == 1


async def test_attempt_limit_per_round(client, session, clock):
    await make_contest(session, max_attempts=2)
    _, auth = await register(client)
    for _ in range(2):
        started = (await start(client, auth)).json()
        assert (await submit(client, auth, started["attempt_id"])).status_code == 200
    refused = await start(client, auth)
    assert refused.status_code == 429
    assert "hết 2 lượt thi" in refused.json()["error"]["message"]


async def test_attempt_limit_per_day_resets_at_local_midnight(client, session, clock):
    await make_contest(session, max_attempts=1, attempt_period="day")
    _, auth = await register(client)
    started = (await start(client, auth)).json()
    await submit(client, auth, started["attempt_id"])
    assert (await start(client, auth)).status_code == 429
    clock.advance(hours=16)  # 08:00 + 16 h = 00:00 the next day in Vietnam
    assert (await start(client, auth)).status_code == 201


async def test_autosave_refuses_foreign_questions_and_options(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    url = f"/api/v1/attempts/{body['attempt_id']}/answers"
    first = body["questions"][0]
    other_option = body["questions"][1]["options"][0]["id"]
    bad_option = await client.put(url, headers=auth, json={"answers": {first["id"]: other_option}})
    assert bad_option.status_code == 422 and bad_option.json()["error"]["code"] == "invalid_option"
    bad_question = await client.put(url, headers=auth, json={"answers": {"999999": 1}})
    assert bad_question.status_code == 422
    ok = await client.put(
        url, headers=auth, json={"answers": {first["id"]: first["options"][2]["id"]}}
    )
    assert ok.status_code == 200 and ok.json()["saved"] == 1
    attempt = await session.get(Attempt, body["attempt_id"])
    assert attempt.answers == {first["id"]: first["options"][2]["id"]}


@with_and_without_ticket
async def test_submit_counts_right_answers_and_time_to_the_millisecond(
    client, session, clock, ticketed, attempt_reads
):
    await make_contest(session)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    answers = right_answers(body)
    wrong = wrong_answers(body)
    first_three_wrong = {**answers, **{k: wrong[k] for k in list(wrong)[:3]}}
    clock.advance(seconds=123, milliseconds=456)
    ticket = ticket_of(body, ticketed)
    result = (await submit(client, auth, body["attempt_id"], first_three_wrong, 42, ticket)).json()
    assert result["correct_count"] == 7 and result["max_score"] == 10
    assert result["duration_seconds"] == 123.456
    assert result["prediction"] == 42
    assert re.fullmatch(r"[A-Z2-7]{4,}-[A-Z2-7]{6}", result["receipt"])
    assert attempt_reads == ([] if ticketed else [body["attempt_id"]])


@with_and_without_ticket
async def test_concurrent_and_repeated_submits_count_once(client, session, clock, ticketed):
    await make_contest(session)
    pid, auth = await register(client)
    body = (await start(client, auth)).json()
    answers, ticket = right_answers(body), ticket_of(body, ticketed)
    clock.advance(seconds=60)
    results = await asyncio.gather(
        *(submit(client, auth, body["attempt_id"], answers, ticket=ticket) for _ in range(10))
    )
    assert {r.status_code for r in results} == {200}
    assert len({r.text for r in results}) == 1  # the identical result every time
    clock.advance(seconds=60)
    repeat = await submit(client, auth, body["attempt_id"], wrong_answers(body), 999, ticket)
    assert repeat.text == results[0].text
    redis = client._transport.app.state.redis
    counters = await redis.hgetall(board_events.round_counters_key(1))
    assert counters["submissions"] == "1" and counters["participants"] == "1"


@with_and_without_ticket
async def test_submit_within_grace_counts_later_keeps_saved_answers(
    client, session, clock, ticketed
):
    await make_contest(session, time_limit=600)
    _, in_grace = await register(client)
    _, late = await register(client)
    a = (await start(client, in_grace)).json()
    b = (await start(client, late)).json()
    await client.put(
        f"/api/v1/attempts/{b['attempt_id']}/answers",
        headers=late,
        json={"answers": dict(list(right_answers(b).items())[:4])},
    )
    clock.advance(seconds=600 + 10)
    ticket = ticket_of(a, ticketed)
    on_time = (await submit(client, in_grace, a["attempt_id"], right_answers(a), 5, ticket)).json()
    assert on_time["status"] == "submitted" and on_time["correct_count"] == 10
    assert on_time["duration_seconds"] == 600  # never above the time limit
    clock.advance(seconds=10)
    ticket = ticket_of(b, ticketed)
    too_late = (await submit(client, late, b["attempt_id"], right_answers(b), 5, ticket)).json()
    assert too_late["status"] == "expired" and too_late["late"] is True
    assert too_late["correct_count"] == 4
    assert "đã lưu trước khi hết giờ" in too_late["message"]


async def test_autosave_after_the_deadline_is_refused(client, session, clock):
    await make_contest(session, time_limit=600)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    clock.advance(seconds=601)
    response = await client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers",
        headers=auth,
        json={"answers": right_answers(body)},
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "attempt_expired"


async def test_abandoned_attempts_are_finalised_by_the_sweep(client, app, session, clock):
    await make_contest(session, time_limit=600)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    await client.put(
        f"/api/v1/attempts/{body['attempt_id']}/answers",
        headers=auth,
        json={"answers": dict(list(right_answers(body).items())[:2])},
    )
    clock.advance(seconds=610)
    assert (
        await attempt_service.expire_overdue(db=app.state.hot, redis=app.state.redis, now=clock())
        == []
    )
    clock.advance(seconds=10)
    done = await attempt_service.expire_overdue(
        db=app.state.hot, redis=app.state.redis, now=clock()
    )
    assert [f.attempt.id for f in done] == [body["attempt_id"]]
    assert done[0].attempt.status == "expired" and done[0].attempt.correct_count == 2


async def test_the_sweep_command_finalises_overdue_attempts(client, session, clock):
    """`cuocthi attempts sweep` runs on the real clock: one attempt is past its deadline by
    that clock, the other not."""
    await make_contest(session, time_limit=600)
    overdue, current = [
        (await start(client, (await register(client, phone=phone))[1])).json()["attempt_id"]
        for phone in ("0912000001", "0912000002")
    ]
    attempt = await session.get(Attempt, overdue)
    attempt.deadline = utcnow() - timedelta(hours=1)
    await session.commit()
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["attempts", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đã kết thúc 1 lượt thi quá giờ." in result.output
    session.expire_all()
    assert (await session.get(Attempt, overdue)).status == "expired"
    assert (await session.get(Attempt, current)).status == "in_progress"


async def test_an_attempt_never_outlives_its_round(client, session, clock):
    await make_contest(session, time_limit=900)
    clock.advance(days=7, minutes=-5)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    assert body["deadline"].startswith("2026-12-08T01:00:00")


async def test_another_participants_attempt_is_not_found(client, session, clock):
    await make_contest(session)
    _, owner = await register(client)
    _, intruder = await register(client)
    body = (await start(client, owner)).json()
    for response in (
        await client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=intruder),
        await client.put(
            f"/api/v1/attempts/{body['attempt_id']}/answers", headers=intruder, json={"answers": {}}
        ),
        await submit(client, intruder, body["attempt_id"]),
        await submit(client, intruder, body["attempt_id"], right_answers(body), 5, body["ticket"]),
    ):
        assert response.status_code == 404


async def test_a_submit_leaving_a_question_blank_keeps_its_saved_answer(
    client, session, clock, attempt_reads
):
    """The ticket does not carry answers: a blank question's saved answer is read and counts."""
    await make_contest(session)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    right = right_answers(body)
    first = next(iter(right))
    path = f"/api/v1/attempts/{body['attempt_id']}/answers"
    await client.put(path, headers=auth, json={"answers": {first: right[first]}})
    attempt_reads.clear()
    rest = {question: option for question, option in right.items() if question != first}
    result = (await submit(client, auth, body["attempt_id"], rest, 5, body["ticket"])).json()
    assert result["status"] == "submitted" and result["correct_count"] == 10
    assert attempt_reads == [body["attempt_id"]]


async def test_a_ticket_counts_only_for_its_own_attempt(client, session, clock):
    """Another attempt's ticket, a forged one or garbage: the submit reads the attempt itself."""
    await make_contest(session, max_attempts=5)
    _, auth = await register(client)
    first = (await start(client, auth)).json()
    await submit(client, auth, first["attempt_id"], wrong_answers(first), 5, first["ticket"])
    payload, _, signature = first["ticket"].rpartition(".")
    forged = f"{payload}.{signature[::-1]}"
    for ticket in (first["ticket"], forged, "ÿ." + signature, "."):
        body = (await start(client, auth)).json()
        result = await submit(client, auth, body["attempt_id"], right_answers(body), 5, ticket)
        assert result.status_code == 200 and result.json()["correct_count"] == 10
        assert result.json()["attempt_id"] == body["attempt_id"]


async def test_review_opens_after_the_round_by_default(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    during = (await client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=auth)).json()
    assert during["review_open"] is False and during["questions"][0]["correct_option_id"] is None
    await submit(client, auth, body["attempt_id"], right_answers(body))
    after_submit = (await client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=auth)).json()
    assert after_submit["review_open"] is False
    assert all(
        q["correct_option_id"] is None and q["explanation"] is None
        for q in after_submit["questions"]
    )
    clock.advance(days=7)
    after_round = (await client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=auth)).json()
    assert after_round["review_open"] is True
    first = after_round["questions"][0]
    assert first["correct_option_id"] == right_answers(body)[first["id"]]
    assert first["explanation"].startswith("Giải thích")


async def test_review_right_after_submit_when_the_round_says_so(client, session, clock):
    await make_contest(session, review_policy="after_submit")
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    await submit(client, auth, body["attempt_id"])
    review = (await client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=auth)).json()
    assert review["review_open"] is True
    assert all(q["correct_option_id"] for q in review["questions"])


async def test_my_rank_is_live_and_o_log_n(client, session, clock):
    await make_contest(session)
    _, first = await register(client)
    _, second = await register(client)
    assert (await client.get("/api/v1/contests/thu/leaderboard/me", headers=first)).json() == {
        "round": 1,
        "rank": None,
        "total": 0,
    }
    for auth, good in ((first, False), (second, True)):
        body = (await start(client, auth)).json()
        answers = right_answers(body) if good else wrong_answers(body)
        await submit(client, auth, body["attempt_id"], answers)
    mine = (await client.get("/api/v1/contests/thu/leaderboard/me", headers=first)).json()
    assert mine == {"round": 1, "rank": 2, "total": 2}


async def test_concurrent_autosaves_from_two_tabs_keep_every_answer(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    body = (await start(client, auth)).json()
    answers = right_answers(body)
    url = f"/api/v1/attempts/{body['attempt_id']}/answers"

    async def save(question_id):
        clock.advance(milliseconds=1)
        return await client.put(
            url, headers=auth, json={"answers": {question_id: answers[question_id]}}
        )

    results = await asyncio.gather(*(save(q) for q in answers))
    assert {r.status_code for r in results} == {200}
    attempt = await session.get(Attempt, body["attempt_id"])
    await session.refresh(attempt)
    assert attempt.answers == answers
