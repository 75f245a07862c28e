"""Setting a contest up through the console, as an organiser would."""

from sqlmodel import select

from app.contests import setup
from app.models import Contest, ParticipantGroup, Round
from tests.admin.helpers import create_organiser, csrf, sign_in
from tests.factories import make_contest, register, right_answers


async def signed_in_admin(client, session):
    await create_organiser(session)
    await sign_in(client)


CONTEST_FORM = {
    "slug": "cchc-2027",
    "title": "Cuộc thi tìm hiểu CCHC năm 2027",
    "slogan": "Vì nhân dân",
    "organiser_name": "Sở Nội vụ",
    "rules_summary": "Tóm tắt",
    "rules_full": "Đầy đủ",
    "min_age": "12",
    "prediction_target": "full_score_count",
    "ranking_keys": "correct_desc\nprediction_distance_asc\nduration_asc\nsubmitted_asc",
    "collective_rule": "rate",
    "groups": "can-bo | Cán bộ\nnguoi-dan | Người dân | linh-vuc-1:4",
}


async def test_create_a_contest_with_groups(client, session, clock):
    await make_contest(session)  # the bank and units
    await signed_in_admin(client, session)
    response = await client.post(
        "/admin/cuoc-thi/moi", data={**CONTEST_FORM, "csrf": await csrf(client)}
    )
    assert response.status_code == 303
    contest = (await session.exec(select(Contest).where(Contest.slug == "cchc-2027"))).one()
    assert contest.min_age == 12 and contest.ranking_keys[0] == "correct_desc"
    groups = (
        await session.exec(
            select(ParticipantGroup).where(ParticipantGroup.contest_id == contest.id)
        )
    ).all()
    assert {g.code: g.blueprint for g in groups} == {
        "can-bo": None,
        "nguoi-dan": [{"area": "linh-vuc-1", "count": 4}],
    }


async def test_contest_form_errors_are_shown_by_field(client, session, clock):
    await make_contest(session)
    await signed_in_admin(client, session)
    bad = {**CONTEST_FORM, "slug": "Có Dấu", "ranking_keys": "luck", "csrf": await csrf(client)}
    response = await client.post("/admin/cuoc-thi/moi", data=bad)
    assert response.status_code == 422
    assert "Địa chỉ chỉ gồm chữ thường" in response.text and "Chọn các tiêu chí" in response.text


async def test_add_a_round_with_a_checked_blueprint(client, session, clock):
    await make_contest(session)
    await signed_in_admin(client, session)
    form = {
        "title": "Tuần 2",
        "starts_at": "08/12/2026 08:00",
        "ends_at": "2026-12-15T08:00",
        "questions_per_attempt": "20",
        "time_limit_minutes": "15",
        "max_attempts": "2",
        "attempt_period": "round",
        "review_policy": "after_close",
        "blueprint": "linh-vuc-0:11",
        "prize_nhat": "1",
        "prize_nhi": "2",
        "prize_ba": "3",
        "prize_khuyen_khich": "5",
        "csrf": await csrf(client),
    }
    refused = await client.post("/admin/cuoc-thi/thu/dot/moi", data=form)
    assert refused.status_code == 422 and "Chỉ có 10 câu phù hợp" in refused.text
    accepted = await client.post(
        "/admin/cuoc-thi/thu/dot/moi",
        data={**form, "blueprint": "linh-vuc-0:5\ntag=general&difficulty=2:3"},
    )
    assert accepted.status_code == 303
    round_ = (await session.exec(select(Round).where(Round.number == 2))).one()
    assert round_.blueprint == [
        {"count": 5, "area": "linh-vuc-0"},
        {"count": 3, "tag": "general", "difficulty": 2},
    ]
    assert round_.starts_at.isoformat() == "2026-12-08T01:00:00+00:00"  # 08:00 in Vietnam
    assert round_.prizes == {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 5}
    preview = await client.get("/admin/cuoc-thi/thu/dot/2/xem-truoc")
    assert preview.text.count('class="review-item"') == 20


async def test_close_and_publish_through_the_console(client, session, clock):
    await make_contest(session)
    _, auth = await register(client, name="Đoàn Văn Thắng")
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(body), "prediction": 1},
    )
    await signed_in_admin(client, session)
    token = await csrf(client)
    early = await client.post("/admin/cuoc-thi/thu/dot/1/tong-ket", data={"csrf": token})
    assert early.status_code == 409
    clock.advance(days=7)
    closed = await client.post("/admin/cuoc-thi/thu/dot/1/tong-ket", data={"csrf": token})
    assert closed.status_code == 303
    page = await client.get("/admin/cuoc-thi/thu/dot/1/giai")
    assert "Đoàn Văn Thắng" in page.text and "Kết quả tạm thời" in page.text
    assert "Công bố kết quả chính thức" not in page.text
    clock.advance(days=3)
    page = await client.get("/admin/cuoc-thi/thu/dot/1/giai")
    assert "Công bố kết quả chính thức" in page.text
    published = await client.post("/admin/cuoc-thi/thu/dot/1/cong-bo", data={"csrf": token})
    assert published.status_code == 303
    assert "Kết quả chính thức" in (await client.get("/admin/cuoc-thi/thu/dot/1/giai")).text


def test_blueprint_text_round_trips():
    text = "thu-tuc-hanh-chinh:3\ntag=cao-bang:2\nchi-so-danh-gia&difficulty=1:1"
    assert setup.blueprint_text(setup.parse_blueprint(text)) == text
