"""XLSX and CSV writers that stream: rows arrive from an async iterator and leave at once.

Pure (no database): a report is a `Sheet` (title and columns) and an async iterator of tuples
in column order. Times arrive as aware UTC datetimes and are written in local time, because
Excel has no time zones and organisers read Vietnamese time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.config import settings

Kind = Literal["text", "int", "decimal", "datetime", "date"]
Progress = Callable[[int], None]

XLSX_DATETIME = "dd/mm/yyyy hh:mm:ss"
XLSX_DATE = "dd/mm/yyyy"
XLSX_DECIMAL = "0.0##"
CSV_DATETIME = "%d/%m/%Y %H:%M:%S"
CSV_DATE = "%d/%m/%Y"
PROGRESS_EVERY = 100_000
# A spreadsheet runs text that starts like this as a formula (a participant may type a name
# such as "=HYPERLINK(…)"): XLSX keeps such text a string, CSV gets a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Column(NamedTuple):
    header: str
    width: float
    kind: Kind = "text"


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters, Excel's limit
    columns: list[Column]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


def local_naive(value: datetime, tz: tzinfo | None = None) -> datetime:
    """An aware time as a naive local one; a naive time is taken to be UTC already converted."""
    if value.tzinfo is None:
        return value
    return value.astimezone(tz or settings.tz).replace(tzinfo=None)


class _Counter:
    """Counts rows across sheets and reports every PROGRESS_EVERY of them."""

    def __init__(self, progress: Progress | None) -> None:
        self.rows = 0
        self.progress = progress

    def tick(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
            self.progress(self.rows)


# --- XLSX -------------------------------------------------------------------------------------


async def write_xlsx(
    sheets: list[tuple[Sheet, AsyncIterator[tuple]]],
    out: BinaryIO | Path,
    *,
    progress: Progress | None = None,
) -> int:
    """Writes one worksheet per report; returns the number of data rows written."""
    # Write-only mode spools every row to a temporary file: memory stays flat at any size.
    workbook = Workbook(write_only=True)
    counter = _Counter(progress)
    for sheet, rows in sheets:
        worksheet = workbook.create_sheet(sheet.title[:31])
        _start_sheet(worksheet, sheet)
        convert = [_xlsx_converter(worksheet, column.kind) for column in sheet.columns]
        async for row in rows:
            worksheet.append([to_cell(value) for to_cell, value in zip(convert, row, strict=True)])
            counter.tick()
    if not sheets:
        workbook.create_sheet("Trống")  # a workbook needs at least one sheet
    workbook.save(out)
    return counter.rows


def _start_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> None:
    """Widths and the frozen header row: both must be set before the first row is written."""
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(worksheet, value=_clean_text(column.header))
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    worksheet.append(header)


def _xlsx_converter(worksheet: WriteOnlyWorksheet, kind: Kind) -> Callable[[Any], Any]:
    """How a value of this kind becomes a cell value (or a styled cell)."""

    def styled(value: Any, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = number_format
        return cell

    def as_text(value: Any) -> Any:
        if value is None:
            return None
        text = _clean_text(str(value))
        if text.startswith("="):
            cell = WriteOnlyCell(worksheet, value=text)
            cell.data_type = "s"  # openpyxl would otherwise store it as a formula
            return cell
        return text

    def as_datetime(value: datetime | None) -> Any:
        return None if value is None else styled(local_naive(value), XLSX_DATETIME)

    def as_date(value: date | None) -> Any:
        if isinstance(value, datetime):
            value = local_naive(value).date()
        return None if value is None else styled(value, XLSX_DATE)

    def as_decimal(value: float | None) -> Any:
        return None if value is None else styled(value, XLSX_DECIMAL)

    converters: dict[Kind, Callable[[Any], Any]] = {
        "text": as_text,
        "int": lambda value: value,
        "decimal": as_decimal,
        "datetime": as_datetime,
        "date": as_date,
    }
    return converters[kind]


def _clean_text(text: str) -> str:
    # XML forbids most control characters; openpyxl would refuse the whole row.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# --- CSV --------------------------------------------------------------------------------------


async def write_csv(
    sheet: Sheet,
    rows: AsyncIterator[tuple],
    out: BinaryIO | Path,
    *,
    progress: Progress | None = None,
) -> int:
    """Writes UTF-8 with a BOM, so that Excel shows the diacritics; returns the rows written."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8-sig", newline="") as text:
            return await _write_csv_text(sheet, rows, text, progress)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        return await _write_csv_text(sheet, rows, text, progress)
    finally:
        text.flush()
        text.detach()  # the caller owns the binary stream: leave it open


async def _write_csv_text(
    sheet: Sheet, rows: AsyncIterator[tuple], text: io.TextIOBase, progress: Progress | None
) -> int:
    writer = csv.writer(text)
    writer.writerow(sheet.headers)
    convert = [_CSV_CONVERTERS[column.kind] for column in sheet.columns]
    counter = _Counter(progress)
    async for row in rows:
        writer.writerow([to_text(value) for to_text, value in zip(convert, row, strict=True)])
        counter.tick()
    return counter.rows


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_datetime(value: datetime | None) -> str:
    return "" if value is None else local_naive(value).strftime(CSV_DATETIME)


def _csv_date(value: date | None) -> str:
    if isinstance(value, datetime):
        value = local_naive(value).date()
    return "" if value is None else value.strftime(CSV_DATE)


_CSV_CONVERTERS: dict[Kind, Callable[[Any], str]] = {
    "text": _csv_text,
    "int": lambda value: "" if value is None else str(value),
    "decimal": lambda value: "" if value is None else str(value),
    "datetime": _csv_datetime,
    "date": _csv_date,
}
