"""Giấy chứng nhận: one landscape A4 certificate per winner, in a single PDF to print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from app.documents.pdf import (
    BLACK,
    FAMILY,
    RED,
    YELLOW,
    new_document,
    nfc,
    official_heading,
    place_date,
    signature_block,
)

MARGIN = 24.0  # inside the decorative border


@dataclass(frozen=True)
class CertificateData:
    organiser_name: str
    contest_title: str
    round_label: str  # "Đợt 1" or the round's title
    full_name: str
    unit_name: str
    prize: str  # "Giải Nhất" …
    place: str = ""
    signed_on: date | None = None  # None leaves the date to be written by hand
    signer_name: str = ""


def certificates_pdf(items: list[CertificateData]) -> bytes:
    """All the certificates, one page each."""
    pdf = new_document(
        landscape=True, margins=(MARGIN, MARGIN - 4, MARGIN, MARGIN), title="Giấy chứng nhận"
    )
    # One page per certificate, whatever its text: never let a long name push onto a next page.
    pdf.set_auto_page_break(False)
    for item in items:
        pdf.add_page()
        _border(pdf)
        _certificate(pdf, item)
    return bytes(pdf.output())


def _border(pdf: FPDF) -> None:
    """A thick red frame, a yellow band, a thin red line, and red corner squares."""
    outer, band = 8.0, 3.0
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.6)
    pdf.rect(outer, outer, pdf.w - 2 * outer, pdf.h - 2 * outer)
    pdf.set_draw_color(*YELLOW)
    pdf.set_line_width(band)
    inset = outer + 0.8 + band / 2 + 0.6
    pdf.rect(inset, inset, pdf.w - 2 * inset, pdf.h - 2 * inset)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.4)
    inner = inset + band / 2 + 1.2
    pdf.rect(inner, inner, pdf.w - 2 * inner, pdf.h - 2 * inner)
    pdf.set_fill_color(*RED)
    square = 6.0
    for x in (outer - square / 2, pdf.w - outer - square / 2):
        for y in (outer - square / 2, pdf.h - outer - square / 2):
            pdf.rect(x, y, square, square, style="F")


def _certificate(pdf: FPDF, item: CertificateData) -> None:
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    official_heading(pdf, issuer=item.organiser_name or "Ban Tổ chức cuộc thi")
    pdf.ln(8)
    pdf.set_text_color(*RED)
    pdf.set_font(FAMILY, "B", 40)
    pdf.cell(0, 18, "GIẤY CHỨNG NHẬN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    _centred_runs(pdf, [("Chứng nhận: Ông/Bà ", "", 18, BLACK), (item.full_name, "B", 28, RED)])
    pdf.ln(1)
    _centred_text(pdf, f"Đơn vị: {item.unit_name}", 17)
    pdf.ln(5)
    _centred_runs(pdf, [("Đã đạt ", "", 18, BLACK), (item.prize, "B", 24, RED)])
    pdf.ln(1)
    _centred_text(pdf, f"{item.contest_title} – {item.round_label}", 17)
    _signature(pdf, item)


def _centred_text(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_text_color(*BLACK)
    pdf.set_font(FAMILY, "", size)
    pdf.multi_cell(0, size * 0.5, nfc(text), align="C", new_x="LMARGIN", new_y="NEXT")


def _centred_runs(pdf: FPDF, runs: list[tuple[str, str, float, tuple[int, int, int]]]) -> None:
    """One centred line of differently set pieces (style, size, colour), on a shared baseline.

    A line too long for the page is set smaller as a whole rather than broken.
    """
    widths = []
    for text, style, size, _ in runs:
        pdf.set_font(FAMILY, style, size)
        widths.append(pdf.get_string_width(nfc(text)))
    scale = min(1.0, (pdf.w - pdf.l_margin - pdf.r_margin) / sum(widths))
    height = max(size for *_, size, _ in runs) * 0.5 * scale
    x = (pdf.w - sum(widths) * scale) / 2
    baseline = pdf.get_y() + height * 0.78
    for (text, style, size, color), width in zip(runs, widths, strict=True):
        pdf.set_font(FAMILY, style, size * scale)
        pdf.set_text_color(*color)
        pdf.text(x, baseline, nfc(text))
        x += width * scale
    pdf.set_y(pdf.get_y() + height)


def _signature(pdf: FPDF, item: CertificateData) -> None:
    """Date and signature in the lower right half, where a certificate is signed and stamped."""
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_y(max(pdf.get_y() + 4, pdf.h - MARGIN - 46))
    pdf.set_x(pdf.l_margin + half)
    pdf.set_font(FAMILY, "I", 13)
    pdf.set_text_color(*BLACK)
    pdf.multi_cell(half, 6, place_date(item.place, item.signed_on), align="C")
    signature_block(
        pdf,
        [("TM. BAN TỔ CHỨC", "TRƯỞNG BAN")],
        note="",
        names=[item.signer_name],
        x=pdf.l_margin + half,
        width=half,
        space=26,
    )
