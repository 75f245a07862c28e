import pytest

from app.participants.identity import TokenClaims, issue_token
from tests.factories import make_contest, new_phone, register

VALID = {
    "full_name": "Trần Thị Bình",
    "phone": "0912 345 678",
    "birth_year": 1985,
    "unit_code": "XH",
    "group": "nguoi-dan",
    "consent": True,
}


async def post(client, body, slug="thu"):
    return await client.post(f"/api/v1/contests/{slug}/participants", json=body)


@pytest.fixture
async def contest(session, clock):
    return (await make_contest(session, min_age=10)).contest


async def test_registration_returns_a_token(client, contest):
    response = await post(client, VALID)
    assert response.status_code == 201
    assert set(response.json()) == {"participant_id", "token"}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("phone", "12345", "Số điện thoại không hợp lệ"),
        ("phone", "0212345678", "Số điện thoại không hợp lệ"),
        ("full_name", " ", "Vui lòng nhập họ và tên"),
        ("full_name", "x" * 10_000, "Vui lòng nhập họ và tên"),
        ("birth_year", 1800, "Năm sinh phải trong khoảng"),
        ("birth_year", 2030, "Năm sinh phải trong khoảng"),
        ("unit_code", "KHONG-CO", "Vui lòng chọn đơn vị"),
        ("group", "khong-co", "Vui lòng chọn đối tượng"),
        ("consent", False, "Bạn cần đồng ý"),
    ],
)
async def test_bad_registration_is_refused_next_to_the_field(
    client, contest, field, value, message
):
    response = await post(client, {**VALID, field: value})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert message in error["fields"][field]


async def test_below_sixteen_needs_a_parents_consent(client, contest):
    child = {**VALID, "birth_year": 2014}
    refused = await post(client, child)
    assert refused.status_code == 422 and "parent_consent" in refused.json()["error"]["fields"]
    accepted = await post(client, {**child, "parent_consent": True})
    assert accepted.status_code == 201


async def test_below_the_minimum_age_is_refused(client, contest):
    response = await post(client, {**VALID, "birth_year": 2020, "parent_consent": True})
    assert response.status_code == 422
    assert "từ 10 tuổi" in response.json()["error"]["fields"]["birth_year"]


async def test_one_registration_per_phone_whatever_its_spelling(client, contest):
    assert (await post(client, VALID)).status_code == 201
    again = await post(client, {**VALID, "phone": "+84 912.345.678"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "phone_registered"
    assert "Tiếp tục dự thi" in again.json()["error"]["message"]


async def test_returning_participant_recovers_the_token(client, contest):
    first = (await post(client, VALID)).json()
    recovered = await client.post(
        "/api/v1/contests/thu/participants/recover",
        json={"phone": "84912345678", "birth_year": 1985},
    )
    assert recovered.status_code == 200
    assert recovered.json() == first
    wrong_year = await client.post(
        "/api/v1/contests/thu/participants/recover",
        json={"phone": "0912345678", "birth_year": 1986},
    )
    assert wrong_year.status_code == 404


async def test_forged_and_foreign_tokens_are_401(client, session, contest):
    pid, auth = await register(client)
    forged = {"Authorization": auth["Authorization"][:-3] + "AAA"}
    assert (await client.post("/api/v1/contests/thu/attempts", headers=forged)).status_code == 401
    other_contest = issue_token("not-the-secret", TokenClaims(pid, contest.id))
    response = await client.post(
        "/api/v1/contests/thu/attempts", headers={"Authorization": f"Bearer {other_contest}"}
    )
    assert response.status_code == 401
    await make_contest(session, slug="khac")
    _, other_auth = await register(client, "khac", phone=new_phone())
    cross = await client.post("/api/v1/contests/thu/attempts", headers=other_auth)
    assert cross.status_code == 401
    assert (await client.post("/api/v1/contests/thu/attempts")).status_code == 401


async def test_tokens_expire_thirty_days_after_the_contest(client, contest, clock):
    _, auth = await register(client)
    clock.advance(days=7 + 29)
    assert (await client.get("/api/v1/attempts/999", headers=auth)).status_code == 404
    clock.advance(days=1, seconds=1)
    expired = await client.get("/api/v1/attempts/999", headers=auth)
    assert expired.status_code == 401
    assert "hết hạn" in expired.json()["error"]["message"]
