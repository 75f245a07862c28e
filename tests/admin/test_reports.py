"""Item analysis and suspicious activity: computed out of the request path, then shown."""

from tests.admin.helpers import create_organiser, csrf, sign_in
from tests.factories import make_contest, register, right_answers


async def test_item_analysis_and_suspicious_pages(client, session, clock):
    await make_contest(session)
    for n in range(3):  # three people hand in the same full sheet in under a second
        _, auth = await register(client, name=f"Người Giống {n}")
        body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
        clock.advance(milliseconds=900)
        await client.post(
            f"/api/v1/attempts/{body['attempt_id']}/submit",
            headers=auth,
            json={"answers": right_answers(body), "prediction": 1},
        )
    await create_organiser(session)
    await sign_in(client)
    items = await client.get("/admin/cuoc-thi/thu/cau-hoi")
    assert items.status_code == 200 and "Độ phân biệt" in items.text and "Quá dễ" in items.text
    suspicious = (await client.get("/admin/cuoc-thi/thu/bat-thuong")).text
    assert suspicious.count("Người Giống") >= 3  # too fast, each of them
    assert "Thời gian làm bài khó tin" in suspicious
    again = await client.post(
        "/admin/cuoc-thi/thu/lam-moi-bao-cao", data={"csrf": await csrf(client)}
    )
    assert again.status_code == 303
