"""Participant pages through HTTP: forms, cookies, challenge, review, leaderboard."""

import re

from app import redis as redis_module
from app.models import Participant
from app.participants import challenge
from app.redis import key
from tests.factories import make_contest, register, right_answers

FORM = {
    "full_name": "Bùi Thị Thu",
    "phone": "0988 777 666",
    "birth_year": "1992",
    "unit_code": "XH",
    "group": "nguoi-dan",
    "consent": "1",
}


async def test_registration_form_signs_in_with_a_strict_httponly_cookie(client, session, clock):
    await make_contest(session)
    response = await client.post("/c/thu/dang-ky", data=FORM)
    assert response.status_code == 303 and response.headers["location"] == "/c/thu/vao-thi"
    cookie = response.headers["set-cookie"]
    assert "cuocthi_thisinh=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    lobby = await client.get("/c/thu/vao-thi")
    assert "Xin chào Bùi Thị Thu" in lobby.text and "Bắt đầu làm bài" in lobby.text


async def test_form_errors_keep_values_and_sit_next_to_fields(client, session, clock):
    await make_contest(session)
    response = await client.post("/c/thu/dang-ky", data={**FORM, "phone": "123", "consent": ""})
    assert response.status_code == 400
    assert 'value="Bùi Thị Thu"' in response.text
    assert 'id="f-phone-error"' in response.text or 'id="f-consent-error"' in response.text


async def test_the_poster_source_is_recorded_on_registration(client, session, clock):
    await make_contest(session)
    landing = await client.get("/c/thu", params={"u": "XH", "src": "poster-42"})
    assert "UBND xã Xuân Hưng" in landing.text
    await client.post("/c/thu/dang-ky", data=FORM)
    participant = (await session.exec(Participant.__table__.select())).first()
    assert participant.source_poster == "poster-42"


async def test_a_burst_of_registrations_brings_a_challenge(
    client, app, session, clock, rate_limits
):
    await make_contest(session)
    await app.state.redis.set(key("burst", "register", "127.0.0.1"), 50)
    asked = await client.post("/c/thu/dang-ky", data=FORM)
    assert asked.status_code == 400 and "Xác nhận bạn không phải máy" in asked.text
    token = re.search(r'name="challenge_token" value="([^"]+)"', asked.text)[1]
    a, b = (int(part) for part in token.split(".")[:2])
    wrong = await client.post(
        "/c/thu/dang-ky",
        data={**FORM, "challenge_token": token, "challenge_answer": str(a + b + 1)},
    )
    assert "Câu trả lời chưa đúng" in wrong.text
    right = await client.post(
        "/c/thu/dang-ky", data={**FORM, "challenge_token": token, "challenge_answer": str(a + b)}
    )
    assert right.status_code == 303


def test_challenge_tokens_cannot_be_forged():
    issued = challenge.new_challenge()
    a, b, expires, _ = issued.token.split(".")
    assert challenge.solved(issued.token, str(int(a) + int(b)))
    assert not challenge.solved(f"1.1.{expires}.{'0' * 32}", "2")
    assert not challenge.solved(issued.token, "x")


async def test_review_after_the_round_shows_explanations_and_the_cited_plan(client, session, clock):
    await make_contest(session)
    _, auth = await register(client)
    started = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{started['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(started), "prediction": 1},
    )
    client.cookies.set("cuocthi_thisinh", auth["Authorization"].split()[1])
    result = await client.get(f"/c/thu/ket-qua/{started['attempt_id']}")
    assert "10/10" in result.text and "Đáp án và giải thích sẽ được mở" in result.text
    clock.advance(days=7)
    review = await client.get(f"/c/thu/ket-qua/{started['attempt_id']}")
    assert "Xem lại bài thi và đáp án" in review.text and "(đáp án đúng)" in review.text
    assert "Giải thích câu" in review.text


async def test_source_page_marks_the_quote(client):
    response = await client.get(
        "/van-ban/000_3471b7d40470b9aa.txt", params={"q": "Nghị quyết số 76/NQ-CP   ngày 15/7/2021"}
    )
    assert '<mark id="trich-dan">Nghị quyết số 76/NQ-CP ngày 15/7/2021</mark>' in response.text
    assert (await client.get("/van-ban/khong-co.txt")).status_code == 404


async def test_leaderboard_page_masks_names_and_survives_redis_outage(client, app, session, clock):
    await make_contest(session)
    _, auth = await register(client, name="Ngô Bảo Châu")
    started = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{started['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(started), "prediction": 1},
    )
    board = await client.get("/c/thu/bang-xep-hang")
    assert "Ngô B. C." in board.text and "Ngô Bảo Châu" not in board.text
    real = app.state.redis
    app.state.redis = redis_module.create_client("redis://127.0.0.1:1/0")
    try:
        down = await client.get("/c/thu/bang-xep-hang")
    finally:
        app.state.redis = real
    assert down.status_code == 200 and "Bảng xếp hạng đang cập nhật" in down.text


async def test_pages_escape_html_in_names(client, session, clock):
    await make_contest(session)
    _, auth = await register(client, name="<script>alert(1)</script> Hà")
    started = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{started['attempt_id']}/submit",
        headers=auth,
        json={"answers": {}, "prediction": 1},
    )
    board = await client.get("/c/thu/bang-xep-hang")
    assert "<script>alert" not in board.text and "&lt;script&gt;" in board.text


async def test_shared_links_show_the_contest_title_and_image(client, session, clock):
    await make_contest(session)
    landing = (await client.get("/c/thu")).text
    assert '<meta property="og:title" content="Cuộc thi thu">' in landing
    assert re.search(
        r'<meta property="og:image" content="http://testserver/static/img/og-cchc\.png', landing
    )
