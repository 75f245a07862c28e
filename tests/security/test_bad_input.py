"""Bad input of every kind gets a clear 4xx in Vietnamese, and nothing is partly stored."""

import json
import logging
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from app.models import Attempt, Participant
from app.units import service as unit_service
from tests.factories import make_contest, register, right_answers

REGISTER = "/api/v1/contests/thu/participants"
VALID = {
    "full_name": "Trịnh Văn Thử",
    "phone": "0977 123 456",
    "birth_year": 1988,
    "unit_code": "XH",
    "group": "nguoi-dan",
    "consent": True,
}


async def count(session, model):
    return (await session.exec(select(func.count()).select_from(model))).one()


def is_vietnamese_error(response, status=None) -> bool:
    body = response.json()
    ok = 400 <= response.status_code < 500 and (status is None or response.status_code == status)
    return (
        ok
        and re.search(
            r"[ạảãáàâấầẩẫậăắằẳẵặđẹẻẽéèêếềểễệịỉĩíìọỏõóòôốồổỗộơớờởỡợụủũúùưứừửữự]",
            body["error"]["message"],
        )
        is not None
    )


@pytest.fixture
async def contest(session, clock):
    return await make_contest(session)


async def test_bodies_over_the_limit_are_413(client, contest):
    huge = json.dumps({**VALID, "full_name": "x" * 300_000})
    response = await client.post(
        REGISTER, content=huge, headers={"content-type": "application/json"}
    )
    assert is_vietnamese_error(response, 413)


@pytest.mark.parametrize("body", [b"{not json", b'{"full_name": "\xff\xfe"}', b"", b"[]", b"null"])
async def test_broken_json_and_utf8_are_4xx(client, contest, session, body):
    response = await client.post(
        REGISTER, content=body, headers={"content-type": "application/json"}
    )
    assert is_vietnamese_error(response)
    assert await count(session, Participant) == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "a" * 10_000),
        ("phone", "'; DROP TABLE participant; --"),
        ("phone", "0912345678901234"),
        ("birth_year", -5),
        ("birth_year", 99999),
        ("birth_year", "1990"),
        ("unit_code", "XH' OR '1'='1"),
        ("group", "<b>x</b>"),
        ("consent", "yes"),
    ],
)
async def test_invalid_fields_are_refused_and_nothing_stored(
    client, contest, session, field, value
):
    response = await client.post(REGISTER, json={**VALID, field: value})
    assert is_vietnamese_error(response, 422)
    assert field in response.json()["error"]["fields"]
    assert await count(session, Participant) == 0


async def test_sql_metacharacters_in_names_are_just_text(client, contest, session):
    name = "O'Brien\"; DELETE FROM attempt; -- Nguyễn"
    response = await client.post(REGISTER, json={**VALID, "full_name": name})
    assert response.status_code == 201
    stored = (await session.exec(select(Participant))).one()
    assert stored.full_name == name
    units = await client.get("/api/v1/contests/thu/units", params={"q": "x' OR 1=1 --"})
    assert units.status_code == 200 and units.json() == []


async def test_html_in_names_and_unit_names_is_escaped_everywhere(client, contest, session):
    await unit_service.upsert_many(
        session=session,
        rows=[{"code": "XSS", "name": "<img src=x onerror=alert(1)> Đơn vị", "kind": "x"}],
    )
    await session.commit()
    _, auth = await register(client, name="<script>alert('x')</script> Lan", unit="XSS")
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(body), "prediction": 3},
    )
    board = (await client.get("/c/thu/bang-xep-hang")).text
    assert "<script>alert" not in board and "<img src=x" not in board
    assert "&lt;img src=x onerror=alert(1)&gt; Đơn vị" in board


@pytest.mark.parametrize("prediction", [-1, 10**12, 1.5, "12", True])
async def test_negative_huge_or_non_integer_predictions(client, contest, session, prediction):
    _, auth = await register(client)
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    response = await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(body), "prediction": prediction},
    )
    assert is_vietnamese_error(response, 422)
    attempt = await session.get(Attempt, body["attempt_id"])
    await session.refresh(attempt)
    assert attempt.status == "in_progress" and attempt.answers == {}


@pytest.mark.parametrize("method, action", [("POST", "submit"), ("PUT", "answers")])
async def test_the_hot_endpoints_refuse_broken_bodies_and_ids_in_vietnamese(
    client, contest, session, method, action
):
    """Submit and autosave are served by HotRoute (app/hotroute.py), not FastAPI's solver:
    the same 401 first, then 422 with the field at fault."""
    _, auth = await register(client)
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    path = f"/api/v1/attempts/{body['attempt_id']}/{action}"
    json_type = {"content-type": "application/json"}
    for content in (b"{not json", b"", b"[]", b'{"answers": {"1": "2"}}'):
        response = await client.request(method, path, content=content, headers=auth | json_type)
        assert is_vietnamese_error(response, 422), content
    for attempt_id in ("0", "2147483648", "abc"):
        response = await client.request(
            method, f"/api/v1/attempts/{attempt_id}/{action}", json={"answers": {}}, headers=auth
        )
        assert is_vietnamese_error(response, 422)
        assert "attempt_id" in response.json()["error"]["fields"]
    unsigned = await client.request(method, path, content=b"{not json", headers=json_type)
    assert is_vietnamese_error(unsigned, 401)
    attempt = await session.get(Attempt, body["attempt_id"])
    assert attempt.status == "in_progress" and attempt.answers == {}


async def test_the_board_checks_its_query_like_any_endpoint(client, contest):
    """The board API is served by HotRoute too: query parameters keep their bounds."""
    board = "/api/v1/contests/thu/leaderboard"
    assert (await client.get(board, params={"limit": 5, "offset": 0})).status_code == 200
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"round": "một"}, "round"),
        ({"unit": "x" * 41}, "unit"),
    ):
        response = await client.get(board, params=params)
        assert is_vietnamese_error(response, 422)
        assert list(response.json()["error"]["fields"]) == [field]


async def test_wrong_options_and_foreign_questions_store_nothing(client, contest, session):
    _, auth = await register(client)
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    first, second = body["questions"][0], body["questions"][1]
    mixed = {first["id"]: first["options"][0]["id"], second["id"]: first["options"][1]["id"]}
    for answers in (mixed, {"999999": 1}, {first["id"]: -1}):
        response = await client.post(
            f"/api/v1/attempts/{body['attempt_id']}/submit",
            headers=auth,
            json={"answers": answers, "prediction": 1},
        )
        assert is_vietnamese_error(response, 422)
    attempt = await session.get(Attempt, body["attempt_id"])
    assert attempt.status == "in_progress" and attempt.answers == {}


async def test_no_stack_trace_or_sql_in_any_error(app, contest, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM participant -- boom")

    monkeypatch.setattr("app.contests.directory.Directory._load", broken)
    # As a real server does: the error is answered, not raised into the client.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = [await client.get(path) for path in ("/api/v1/contests/thu", "/c/thu")]
    for response in responses:
        assert response.status_code == 500
        assert "Traceback" not in response.text and "SELECT" not in response.text
        assert "Hệ thống đang gặp sự cố" in response.text


async def test_secrets_never_reach_the_logs(client, contest, caplog):
    caplog.set_level(logging.INFO)  # what the server logs in production
    phone = "0966000777"
    response = await client.post(REGISTER, json={**VALID, "phone": phone})
    token = response.json()["token"]
    await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    await client.post("/admin/dang-nhap", data={"username": "x", "password": "mat-khau-bi-mat"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and "mat-khau-bi-mat" not in logged and phone not in logged


def test_templates_have_no_inline_scripts_or_styles():
    for template in Path("templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert " style=" not in text and " on" + "click=" not in text, template
