"""The one way to start a printable PDF: fpdf2 with Source Sans Pro, which covers Vietnamese.

Shared by the organisers' documents (biên bản, giấy chứng nhận) and the QR posters.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

import font_source_sans_pro
from fontTools.ttLib import TTFont
from fpdf import FPDF

FONT_DIR = Path(font_source_sans_pro.__file__).resolve().parent / "files"
FAMILY = "SourceSans"
# The civic palette: dark enough red that white text on it stays legible in black and white.
RED = (164, 22, 26)  # #a4161a
YELLOW = (255, 213, 79)  # #ffd54f
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
_FONT_FILES = {"": "SourceSansPro-Regular.ttf", "B": "SourceSansPro-Bold.ttf"}
_ITALIC_FILE = "SourceSansPro-It.ttf"
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "DSIG")


def font_path(style: str = "") -> Path:
    """The TTF file of a style: "" regular, "B" bold, "I" italic."""
    return FONT_DIR / (_ITALIC_FILE if style == "I" else _FONT_FILES[style])


@cache
def _lean_font(style: str) -> str:
    """A copy of the font without the OpenType layout tables, in a temporary file.

    fpdf2 parses those tables each time a document adds the font, then leaves them out of the
    PDF (it shapes no text here): without them each PDF takes about a third less time, which
    counts when a print run makes a thousand of them. Widths and outlines are untouched.
    """
    font = TTFont(font_path(style))
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    with tempfile.NamedTemporaryFile(prefix="cuocthi-", suffix=".ttf", delete=False) as handle:
        font.save(handle)
    atexit.register(_remove, handle.name)
    return handle.name


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def nfc(text: str) -> str:
    """Text as it should be drawn: composed (NFC), so every letter maps to one glyph."""
    return unicodedata.normalize("NFC", text)


class Document(FPDF):
    """An FPDF with the fonts registered and, optionally, "Trang x/y" in the footer."""

    numbered_pages = False

    def footer(self) -> None:
        if not self.numbered_pages:
            return
        self.set_y(-12)
        self.set_font(FAMILY, "", 9)
        self.set_text_color(*BLACK)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


def new_document(
    *,
    size: str = "A4",
    landscape: bool = False,
    margins: tuple[float, float, float, float] = (15, 15, 15, 15),
    italic: bool = True,
    title: str = "",
) -> Document:
    """A document in mm with margins (left, top, right, bottom) and the fonts registered."""
    pdf = Document(orientation="L" if landscape else "P", unit="mm", format=size)
    left, top, right, bottom = margins
    pdf.set_margins(left, top, right)
    pdf.set_auto_page_break(True, bottom)
    # Posters skip the italic face: one font file fewer to parse for each of hundreds of files.
    for style in ("", "B", "I") if italic else ("", "B"):
        pdf.add_font(FAMILY, style, _lean_font(style))
    pdf.set_font(FAMILY, "", 12)
    pdf.set_lang("vi")
    pdf.set_creator("Cuộc thi CCHC")
    if title:
        pdf.set_title(nfc(title))
    return pdf


def place_date(place: str, day: date | None) -> str:
    """ "Xuân Hưng, ngày 05 tháng 12 năm 2026"; dotted blanks when the date is written by hand."""
    place = nfc(place.strip()) or "…………"
    if day is None:
        return f"{place}, ngày …… tháng …… năm ………"
    # Nghị định 30/2020: days below 10 and the months 1 and 2 take a leading zero.
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def official_heading(pdf: FPDF, *, issuer: str) -> None:
    """The two-column heading of an administrative document: issuer left, national motto right."""
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    _heading_column(pdf, pdf.l_margin, top, width * 0.9, [(issuer.upper(), "B")])
    right_lines = [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B"),
        ("Độc lập - Tự do - Hạnh phúc", "B"),
    ]
    bottom = _heading_column(pdf, pdf.l_margin + width * 0.9, top, width * 1.1, right_lines)
    pdf.set_y(bottom + 4)


def _heading_column(
    pdf: FPDF, x: float, top: float, width: float, lines: Sequence[tuple[str, str]]
) -> float:
    """Centred lines with a short rule under the last one; returns the y below it."""
    pdf.set_text_color(*BLACK)
    pdf.set_xy(x, top)
    for text, style in lines:
        pdf.set_font(FAMILY, style, 12 if style else 11)
        pdf.set_x(x)
        pdf.multi_cell(width, 5.5, nfc(text), align="C", new_x="LMARGIN", new_y="NEXT")
    rule = min(pdf.get_string_width(nfc(lines[-1][0])), width * 0.6)
    y = pdf.get_y() + 0.8
    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(0.3)
    pdf.line(x + (width - rule) / 2, y, x + (width + rule) / 2, y)
    return y


def signature_block(
    pdf: FPDF,
    titles: Sequence[Sequence[str]],
    *,
    note: str = "(Ký, ghi rõ họ tên)",
    names: Sequence[str] = (),
    x: float | None = None,
    width: float | None = None,
    space: float = 24,
) -> None:
    """Side-by-side signature columns: bold title lines, the italic note, room, then the name."""
    x = pdf.l_margin if x is None else x
    width = (pdf.w - pdf.r_margin - x) if width is None else width
    column = width / len(titles)
    # Keep the titles and the room to sign together on one page.
    if pdf.get_y() + 12 + 5 * max(len(t) for t in titles) + space > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    bottom = top
    for index, lines in enumerate(titles):
        left = x + index * column
        pdf.set_xy(left, top)
        pdf.set_font(FAMILY, "B", 12)
        for line in lines:
            pdf.set_x(left)
            pdf.multi_cell(column, 5.5, nfc(line), align="C", new_x="LEFT", new_y="NEXT")
        if note:
            pdf.set_font(FAMILY, "I", 11)
            pdf.multi_cell(column, 5, nfc(note), align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_y(pdf.get_y() + space)
        name = names[index] if index < len(names) else ""
        if name:
            pdf.set_x(left)
            pdf.set_font(FAMILY, "B", 12)
            pdf.multi_cell(column, 5.5, nfc(name), align="C", new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom)
