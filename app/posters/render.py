"""QR posters as files: the link, the QR image, the print PDF (A4, A3) and the PNG.

Pure functions, no database: the service hands them a `PosterData`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlencode

import qrcode
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from app.documents.pdf import BLACK, FAMILY, WHITE, font_path, new_document
from app.posters.layout import (
    ERROR_CORRECTION,
    MM_PER_PT,
    QUIET_ZONE,
    Box,
    Code,
    Disc,
    Element,
    Label,
    PaperSize,
    PosterData,
    layout,
)

__all__ = [
    "FORMATS",
    "PosterData",
    "poster_pdf",
    "poster_png",
    "poster_url",
    "qr_png",
    "write_files",
]

# The files of one poster: print PDFs, the A4 picture, and the bare code for websites and Zalo.
FORMATS = ("A4", "A3", "png", "qr")


def poster_url(base_url: str, slug: str, unit_code: str | None, poster_code: str) -> str:
    """The contest page, remembering the unit (`u`) and the poster that was scanned (`src`)."""
    query = {"u": unit_code, "src": poster_code} if unit_code else {"src": poster_code}
    return f"{base_url.rstrip('/')}/c/{quote(slug, safe='')}?{urlencode(query)}"


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A QR code alone, as a PNG for websites and Zalo messages (quiet zone included)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer)
    return buffer.getvalue()


def poster_pdf(data: PosterData, size: PaperSize = "A4") -> bytes:
    """The poster as a print-ready PDF, A4 or A3 portrait, fonts embedded."""
    _, _, elements = layout(data, size)
    pdf = new_document(size=size, margins=(0, 0, 0, 0), italic=False, title=data.contest_title)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    for element in elements:
        _draw_pdf(pdf, element)
    return bytes(pdf.output())


def poster_png(data: PosterData, dpi: int = 150) -> bytes:
    """The A4 poster as a PNG, drawn with Pillow from the same layout and fonts as the PDF."""
    width, height, elements = layout(data, "A4")
    scale = dpi / 25.4  # pixels per mm
    image = Image.new("RGB", (round(width * scale), round(height * scale)), WHITE)
    draw = ImageDraw.Draw(image)
    for element in elements:
        _draw_png(draw, element, scale)
    buffer = io.BytesIO()
    # Level 3: a file a quarter larger than the default level's, written in two thirds the time.
    image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=3)
    return buffer.getvalue()


def write_files(
    data: PosterData, out_dir: Path, code: str, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Writes the chosen files: `{code}-A4.pdf`, `-A3.pdf`, `{code}.png`, `{code}-qr.png`."""
    makers = {
        "A4": (f"{code}-A4.pdf", lambda: poster_pdf(data, "A4")),
        "A3": (f"{code}-A3.pdf", lambda: poster_pdf(data, "A3")),
        "png": (f"{code}.png", lambda: poster_png(data)),
        "qr": (f"{code}-qr.png", lambda: qr_png(data.url)),
    }
    paths = []
    for kind in formats:
        name, make = makers[kind]
        path = out_dir / name
        path.write_bytes(make())
        paths.append(path)
    return paths


def _draw_pdf(pdf: FPDF, element: Element) -> None:
    match element:
        case Box(x, y, w, h, fill, stroke, line):
            if fill:
                pdf.set_fill_color(*fill)
            if stroke:
                pdf.set_draw_color(*stroke)
                pdf.set_line_width(line)
            style = ("D" if stroke else "") + ("F" if fill else "")
            pdf.rect(x, y, w, h, style=style)
        case Disc(cx, cy, r, fill):
            pdf.set_fill_color(*fill)
            pdf.circle(cx, cy, r, style="F")
        case Label(x, baseline, text, size, bold, color):
            pdf.set_font(FAMILY, "B" if bold else "", size)
            pdf.set_text_color(*color)
            pdf.text(x, baseline, text)
        case Code(x, y, size, matrix):
            module = size / len(matrix)
            pdf.set_fill_color(*WHITE)
            pdf.rect(x, y, size, size, style="F")
            pdf.set_fill_color(*BLACK)
            # One rectangle per run of dark modules: a tenth of the objects, the same picture.
            for row, cells in enumerate(matrix):
                for start, length in _dark_runs(cells):
                    top = y + row * module
                    pdf.rect(x + start * module, top, length * module, module, style="F")


def _draw_png(draw: ImageDraw.ImageDraw, element: Element, scale: float) -> None:
    match element:
        case Box(x, y, w, h, fill, stroke, line):
            box = [round(x * scale), round(y * scale), round((x + w) * scale) - 1]
            box.append(round((y + h) * scale) - 1)
            draw.rectangle(box, fill=fill, outline=stroke, width=max(1, round(line * scale)))
        case Disc(cx, cy, r, fill):
            draw.ellipse(
                [(cx - r) * scale, (cy - r) * scale, (cx + r) * scale, (cy + r) * scale], fill
            )
        case Label(x, baseline, text, size, bold, color):
            font = _png_font(bold, round(size * MM_PER_PT * scale, 1))
            draw.text((x * scale, baseline * scale), text, fill=color, font=font, anchor="ls")
        case Code(x, y, size, matrix):
            module = size * scale / len(matrix)
            left, top = x * scale, y * scale
            draw.rectangle(
                [
                    round(left),
                    round(top),
                    round(left + size * scale) - 1,
                    round(top + size * scale) - 1,
                ],
                fill=WHITE,
            )
            # Edges rounded to whole pixels: modules differ by a pixel at most, never blur.
            for row, cells in enumerate(matrix):
                y0, y1 = round(top + row * module), round(top + (row + 1) * module) - 1
                for start, length in _dark_runs(cells):
                    x0 = round(left + start * module)
                    x1 = round(left + (start + length) * module) - 1
                    draw.rectangle([x0, y0, x1, y1], fill=BLACK)


def _dark_runs(cells: tuple[bool, ...]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, dark in enumerate((*cells, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


@cache
def _png_font(bold: bool, pixels: float) -> ImageFont.FreeTypeFont:
    # Basic layout (no kerning) matches the widths the layout measured and fpdf2 draws.
    path = str(font_path("B" if bold else ""))
    return ImageFont.truetype(path, pixels, layout_engine=ImageFont.Layout.BASIC)
