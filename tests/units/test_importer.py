"""Importing the unit list with headcounts and hierarchy, as organisers keep it in Excel."""

import io

from openpyxl import Workbook
from sqlmodel import select

from app.models import Unit
from app.units import importer
from app.units import service as unit_service
from tests.admin.helpers import create_organiser, csrf, sign_in

CSV = (
    "\ufeffMã đơn vị;Tên đơn vị;Loại;Khối;Đơn vị cấp trên;Biên chế\n"
    "XH-VHXH;Phòng Văn hoá – Xã hội;phòng;cấp xã;XH;9\n"  # child before its parent
    "XH;UBND xã Xuân Hưng;xã;Cấp xã;;48\n"
    "SNV;Sở Nội vụ;sở;hành chính;;120\n"
)


async def test_csv_with_bom_semicolons_and_children_first(session):
    count, errors = await importer.import_file(
        session=session, data=CSV.encode(), filename="dv.csv"
    )
    await session.commit()
    assert (count, errors) == (3, [])
    child = await unit_service.get_by_code(session=session, code="XH-VHXH")
    parent = await unit_service.get_by_code(session=session, code="XH")
    assert child.parent_id == parent.id and child.headcount == 9 and parent.block == "cap-xa"
    assert await unit_service.subtree_ids(session=session, unit_id=parent.id) == {
        parent.id,
        child.id,
    }


async def test_xlsx_import_and_update_by_code(session):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Biên chế", "Tên đơn vị", "Mã đơn vị"])  # any column order
    sheet.append([55.0, "UBND xã Xuân Hưng (mới)", "XH"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    await importer.import_file(session=session, data=CSV.encode(), filename="dv.csv")
    count, errors = await importer.import_file(
        session=session, data=buffer.getvalue(), filename="dv.xlsx"
    )
    await session.commit()
    unit = await unit_service.get_by_code(session=session, code="XH")
    assert (count, errors) == (1, []) and unit.headcount == 55 and unit.name.endswith("(mới)")


async def test_a_file_with_errors_imports_nothing(session):
    bad = CSV + "SNV;Trùng mã;sở;hành chính;;x\n;;;;;\nMOI;Đơn vị mới;;sao hỏa;;1\n"
    count, errors = await importer.import_file(
        session=session, data=bad.encode(), filename="dv.csv"
    )
    assert count == 0
    assert any(e.startswith("Hàng 5:") and "bị lặp" in e and "Biên chế" in e for e in errors)
    assert any(e.startswith("Hàng 7:") and "Khối" in e for e in errors)
    assert (await session.exec(select(Unit))).all() == []


async def test_unknown_parent_is_reported(session):
    data = "Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nA,Đơn vị A,KHONG-CO\n".encode()
    count, errors = await importer.import_file(session=session, data=data, filename="dv.csv")
    assert count == 0 and errors == ["Đơn vị A: không có đơn vị cấp trên mã KHONG-CO."]


async def test_console_upload_and_unit_scoped_view(client, session):
    await create_organiser(session)
    await sign_in(client)
    response = await client.post(
        "/admin/don-vi",
        data={"csrf": await csrf(client)},
        files={"file": ("dv.csv", CSV.encode(), "text/csv")},
    )
    assert response.status_code == 200 and "Đã nhập 3 đơn vị" in response.text
    template = await client.get("/admin/don-vi/mau.xlsx")
    assert template.headers["content-type"].startswith("application/vnd.openxml")
    await create_organiser(session, username="xaxh", role="don-vi", unit_code="XH")
    await sign_in(client, username="xaxh")
    page = await client.get("/admin/don-vi")
    assert "Phòng Văn hoá – Xã hội" in page.text and "Sở Nội vụ" not in page.text
