"""Biên bản xét giải: the record of one round's winners that the prize jury signs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF
from fpdf.fonts import FontFace

from app.documents.pdf import (
    BLACK,
    FAMILY,
    new_document,
    nfc,
    official_heading,
    place_date,
    signature_block,
)

HEADINGS = (
    "STT",
    "Họ và tên",
    "Đơn vị",
    "Giải",
    "Số câu đúng",
    "Chênh lệch dự đoán",
    "Thời gian làm bài (giây)",
    "Thời điểm nộp",
)
# Millimetres, summing to the 170 mm between the margins below.
COLUMN_WIDTHS = (8, 34, 37, 28, 12, 16, 16, 19)
ALIGNMENTS = ("CENTER", "LEFT", "LEFT", "LEFT", "CENTER", "CENTER", "RIGHT", "CENTER")
# Nghị định 30/2020/NĐ-CP asks 30-35 mm on the left for binding; 25 mm still binds and gives
# the eight columns room. Right 15, top and bottom 20, as it asks.
MARGINS = (25.0, 20.0, 15.0, 20.0)
SIGNERS = (("NGƯỜI LẬP BIỂU",), ("THƯ KÝ HỘI ĐỒNG",), ("CHỦ TỊCH HỘI ĐỒNG",))


@dataclass(frozen=True)
class WinnerRow:
    full_name: str
    unit_name: str
    prize: str  # "Giải Nhất" …
    correct: int
    max_score: int
    prediction_distance: int | None  # None: no prediction given
    duration_ms: int
    submitted_at: str  # local time, dd/mm/yyyy HH:MM:SS


@dataclass(frozen=True)
class WinnersData:
    organiser_name: str
    contest_title: str
    round_label: str  # "Đợt 1" or the round's title
    round_starts: str  # local, dd/mm/yyyy HH:MM
    round_ends: str
    true_count: int  # the count the predictions were measured against
    rows: list[WinnerRow]
    official: bool = False
    appeals_until: str = ""  # while provisional: the end of the appeals window, local time
    place: str = ""
    signed_on: date | None = None  # None leaves the date to be written by hand
    signers: tuple[str, str, str] = ("", "", "")  # names under the signatures, if known


def seconds_text(milliseconds: int) -> str:
    """95123 -> "95,123": seconds to the millisecond, with a decimal comma."""
    return f"{milliseconds / 1000:.3f}".replace(".", ",")


def status_line(data: WinnersData) -> str:
    if data.official:
        return "Kết quả chính thức"
    until = f" đến {data.appeals_until}" if data.appeals_until else ""
    return f"Kết quả tạm thời (đang trong thời gian khiếu nại{until})"


def winners_pdf(data: WinnersData) -> bytes:
    """The biên bản as an A4 PDF: heading, facts of the round, the table, signatures."""
    pdf = new_document(margins=MARGINS, title=f"Biên bản xét giải – {data.contest_title}")
    pdf.numbered_pages = True
    pdf.add_page()
    official_heading(pdf, issuer=data.organiser_name or "Ban Tổ chức cuộc thi")
    _title(pdf, data)
    _facts(pdf, data)
    _table(pdf, data.rows)
    _closing(pdf, data)
    return bytes(pdf.output())


def _title(pdf: FPDF, data: WinnersData) -> None:
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(0, 8, "BIÊN BẢN XÉT GIẢI", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(0, 6, nfc(data.contest_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 12)
    period = f"{nfc(data.round_label)} (từ {data.round_starts} đến {data.round_ends})"
    pdf.multi_cell(0, 6, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _facts(pdf: FPDF, data: WinnersData) -> None:
    pdf.set_font(FAMILY, "", 12)
    facts = (
        f"Số người trả lời đúng tất cả các câu hỏi: **{data.true_count}**\n"
        f"Số người đoạt giải: **{len(data.rows)}**\n"
        f"Tình trạng: **{status_line(data)}**"
    )
    pdf.multi_cell(0, 6, facts, markdown=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _table(pdf: FPDF, rows: list[WinnerRow]) -> None:
    pdf.set_font(FAMILY, "", 9.5)
    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        align="LEFT",
        text_align=ALIGNMENTS,
        line_height=4.4,
        padding=(1, 1),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        repeat_headings=1,  # the heading row again at the top of every page
    ) as table:
        heading = table.row()
        for text in HEADINGS:
            heading.cell(text, align="CENTER")
        for number, row in enumerate(rows, start=1):
            distance = "–" if row.prediction_distance is None else str(row.prediction_distance)
            cells = (
                str(number),
                nfc(row.full_name),
                nfc(row.unit_name),
                nfc(row.prize),
                f"{row.correct}/{row.max_score}",
                distance,
                seconds_text(row.duration_ms),
                row.submitted_at,
            )
            line = table.row()
            for text in cells:
                line.cell(text)
    pdf.ln(4)


def _closing(pdf: FPDF, data: WinnersData) -> None:
    # The date line and the signatures stay together; a page break between them reads badly.
    if pdf.get_y() + 50 > pdf.h - pdf.b_margin:
        pdf.add_page()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_font(FAMILY, "I", 12)
    pdf.set_x(pdf.l_margin + half)
    pdf.multi_cell(half, 6, place_date(data.place, data.signed_on), align="C")
    pdf.ln(2)
    signature_block(pdf, SIGNERS, names=data.signers)
