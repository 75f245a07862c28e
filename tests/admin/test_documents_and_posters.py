"""Console downloads of the winners record, certificates and QR posters; poster attribution."""

import re
import subprocess

from tests.admin.helpers import create_organiser, csrf, sign_in
from tests.factories import make_contest, register, right_answers


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "tai-ve.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


async def test_winners_record_and_certificates(client, app, session, clock, tmp_path):
    await make_contest(session, prizes={"nhat": 1, "nhi": 1})
    for name in ("Phạm Minh Đức", "Lương Thị Ánh"):
        _, auth = await register(client, name=name)
        body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
        await client.post(
            f"/api/v1/attempts/{body['attempt_id']}/submit",
            headers=auth,
            json={"answers": right_answers(body), "prediction": 2},
        )
    await create_organiser(session)
    await sign_in(client)
    assert (await client.get("/admin/cuoc-thi/thu/dot/1/bien-ban.pdf")).status_code == 409
    clock.advance(days=7)
    await client.post("/admin/cuoc-thi/thu/dot/1/tong-ket", data={"csrf": await csrf(client)})
    record = await client.get("/admin/cuoc-thi/thu/dot/1/bien-ban.pdf")
    assert record.headers["content-type"] == "application/pdf"
    text = pdf_text(record.content, tmp_path)
    assert "BIÊN BẢN XÉT GIẢI" in text and "Phạm Minh Đức" in text and "Giải Nhì" in text
    assert "Kết quả tạm thời" in text and "CHỦ TỊCH HỘI ĐỒNG" in text
    certificates = await client.get("/admin/cuoc-thi/thu/dot/1/chung-nhan.pdf")
    text = pdf_text(certificates.content, tmp_path)
    assert text.count("GIẤY CHỨNG NHẬN") == 2 and "Lương Thị Ánh" in text


async def test_posters_downloads_and_attribution(client, session, clock):
    await make_contest(session)
    await create_organiser(session)
    await sign_in(client)
    created = await client.post(
        "/admin/cuoc-thi/thu/ap-phich",
        data={
            "csrf": await csrf(client),
            "unit_code": "XH",
            "location": "Trung tâm Phục vụ hành chính công xã Xuân Hưng",
        },
    )
    assert created.status_code == 303
    page = (await client.get("/admin/cuoc-thi/thu/ap-phich")).text
    code = re.search(r"<td><code>([^<]+)</code></td>", page)[1]
    assert code.startswith("xh-")
    for kind, media in (
        ("a4.pdf", "application/pdf"),
        ("png", "image/png"),
        ("qr.png", "image/png"),
    ):
        response = await client.get(f"/admin/cuoc-thi/thu/ap-phich/{code}/{kind}")
        assert response.status_code == 200 and response.headers["content-type"] == media
    # Two people scan it, one registers: the console says which poster brought them in.
    client.cookies.clear()
    await client.get("/c/thu", params={"u": "XH", "src": code})
    await client.get("/c/thu", params={"u": "XH", "src": code})
    await client.post(
        "/c/thu/dang-ky",
        data={
            "full_name": "Người Quét Mã",
            "phone": "0944111222",
            "birth_year": "1990",
            "unit_code": "XH",
            "group": "nguoi-dan",
            "consent": "1",
        },
    )
    await sign_in(client)
    page = (await client.get("/admin/cuoc-thi/thu/ap-phich")).text
    row = page.split(f"<code>{code}</code>")[1].split("</tr>")[0]
    assert "<td>2</td><td>1</td>" in row  # 2 visits, 1 registration
