"""Console downloads: scoped to the organiser's units, every export in the audit log."""

import csv
import io

from sqlmodel import select

from app.models import AuditEntry
from tests.admin.helpers import create_organiser, sign_in
from tests.factories import make_contest, register, right_answers


async def played(client, unit, name):
    _, auth = await register(client, unit=unit, name=name)
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": right_answers(body), "prediction": 1},
    )


async def test_admin_downloads_results_as_csv_with_bom(client, session, clock):
    await make_contest(session)
    await played(client, "XH", "Người Xã")
    await played(client, "SNV", "Người Sở")
    await create_organiser(session)
    await sign_in(client)
    response = await client.get("/admin/cuoc-thi/thu/xuat/results.csv", params={"dot": 1})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="ket-qua-thu-dot-1.csv"' in response.headers["content-disposition"]
    names = {row[1] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert {"Người Xã", "Người Sở"} <= names
    xlsx = await client.get("/admin/cuoc-thi/thu/xuat/units.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    audit = (await session.exec(select(AuditEntry).where(AuditEntry.action == "export"))).all()
    assert {entry.target for entry in audit} == {"thu/results.csv", "thu/units.xlsx"}


async def test_unit_organiser_exports_only_their_unit_and_gets_403_for_another(
    client, session, clock
):
    await make_contest(session)
    await played(client, "XH", "Người Xã")
    await played(client, "SNV", "Người Sở")
    await create_organiser(session, username="xaxh", role="don-vi", unit_code="XH")
    await sign_in(client, username="xaxh")
    own = await client.get("/admin/cuoc-thi/thu/xuat/results.csv")
    names = {row[1] for row in csv.reader(io.StringIO(own.content.decode("utf-8-sig")))}
    assert "Người Xã" in names and "Người Sở" not in names
    other = await client.get("/admin/cuoc-thi/thu/xuat/results.csv", params={"don_vi": "SNV"})
    assert other.status_code == 403
    assert "đơn vị mình" in other.text
