"""Importing the unit list with headcounts (biên chế) from the organisers' Excel or CSV.

Columns (Vietnamese headers, any order): Mã đơn vị, Tên đơn vị, Loại, Khối, Đơn vị cấp trên
(the parent's code), Biên chế. A file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Unit, UnitBlock
from app.units.service import fold, upsert_many

COLUMNS = {
    "ma don vi": "code",
    "ten don vi": "name",
    "loai": "kind",
    "khoi": "block",
    "don vi cap tren": "parent",
    "bien che": "headcount",
}
REQUIRED = ("code", "name")
BLOCKS = {
    "hanh chinh": UnitBlock.ADMINISTRATIVE,
    "khoi hanh chinh": UnitBlock.ADMINISTRATIVE,
    "su nghiep": UnitBlock.PUBLIC_SERVICE,
    "khoi su nghiep": UnitBlock.PUBLIC_SERVICE,
    "cap xa": UnitBlock.COMMUNE,
    "khac": UnitBlock.OTHER,
    "": UnitBlock.OTHER,
}
HEADERS = ["Mã đơn vị", "Tên đơn vị", "Loại", "Khối", "Đơn vị cấp trên", "Biên chế"]


@dataclass
class UnitRows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value if value is not None else "")).strip()


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells: .xlsx (first sheet) or .csv (UTF-8, with or without BOM)."""
    if filename.lower().endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    text = data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
    return [[_cell(value) for value in row] for row in csv.reader(io.StringIO(text), dialect)]


def parse(table: list[list[str]]) -> UnitRows:
    """Rows with the header found and checked; problems named by row number."""
    result = UnitRows()
    if not table:
        result.errors.append("Tệp không có dữ liệu.")
        return result
    columns = {COLUMNS[fold(h)]: i for i, h in enumerate(table[0]) if fold(h) in COLUMNS}
    missing = [
        h
        for h, key in zip(HEADERS, COLUMNS.values(), strict=True)
        if key in REQUIRED and key not in columns
    ]
    if missing:
        result.errors.append(f"Thiếu cột: {', '.join(missing)}.")
        return result
    seen: set[str] = set()
    for number, row in enumerate(table[1:], start=2):
        cells = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        if not any(cells.values()):
            continue
        _check_row(number, cells, seen, result)
    return result


def _check_row(number: int, cells: dict[str, str], seen: set[str], result: UnitRows) -> None:
    problems = []
    code = cells.get("code", "")
    if not code or len(code) > 40 or " " in code:
        problems.append("Mã đơn vị trống, có khoảng trắng hoặc dài quá 40 ký tự")
    elif code in seen:
        problems.append(f"Mã {code} bị lặp")
    if not cells.get("name"):
        problems.append("Tên đơn vị trống")
    headcount = cells.get("headcount", "") or "0"
    if not headcount.isdigit():
        problems.append("Biên chế phải là số nguyên không âm")
    block = BLOCKS.get(fold(cells.get("block", "")))
    if block is None:
        problems.append("Khối phải là: hành chính, sự nghiệp, cấp xã hoặc khác")
    if problems:
        result.errors.append(f"Hàng {number}: " + "; ".join(problems) + ".")
        return
    seen.add(code)
    result.rows.append(
        {
            "code": code,
            "name": cells["name"],
            "kind": cells.get("kind", ""),
            "block": block,
            "parent": cells.get("parent") or None,
            "headcount": int(headcount),
        }
    )


def parents_first(
    rows: list[dict[str, Any]], known_codes: set[str]
) -> tuple[list[dict], list[str]]:
    """Rows ordered so that every parent is saved before its children; unknown parents reported."""
    by_code = {row["code"]: row for row in rows}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    errors: list[str] = []

    def place(row: dict[str, Any], trail: tuple[str, ...]) -> None:
        if row["code"] in placed:
            return
        parent = row["parent"]
        if parent in trail:
            errors.append(f"Đơn vị {row['code']}: cấp trên tạo thành vòng lặp.")
            return
        if parent and parent in by_code:
            place(by_code[parent], (*trail, row["code"]))
        elif parent and parent not in known_codes:
            errors.append(f"Đơn vị {row['code']}: không có đơn vị cấp trên mã {parent}.")
            return
        placed.add(row["code"])
        ordered.append(row)

    for row in rows:
        place(row, ())
    return ordered, errors


def template_xlsx() -> bytes:
    """The file organisers fill in, with two example rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append(HEADERS)
    sheet.append(["XH", "UBND xã Xuân Hưng", "xã", "cấp xã", "", 48])
    sheet.append(["XH-VHXH", "Phòng Văn hóa – Xã hội xã Xuân Hưng", "phòng", "cấp xã", "XH", 9])
    for column, width in zip("ABCDEF", (14, 50, 16, 14, 18, 10), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def import_file(
    *, session: AsyncSession, data: bytes, filename: str
) -> tuple[int, list[str]]:
    """Upserts every unit of the file, or none when it has a problem (flushes, no commit)."""
    try:
        parsed = parse(read_table(data, filename))
    except (ValueError, UnicodeDecodeError, OSError, KeyError) as error:
        return 0, [f"Không đọc được tệp {filename}: hãy dùng .xlsx hoặc .csv UTF-8 ({error})."]
    if parsed.errors:
        return 0, parsed.errors
    known = set((await session.exec(select(Unit.code))).all())
    ordered, errors = parents_first(parsed.rows, known)
    if errors:
        return 0, errors
    return await upsert_many(session=session, rows=ordered), []
