"""Where everything goes on a poster, in millimetres, for both the PDF and the PNG renderer.

One layout drawn by two backends keeps the printed and the on-screen poster identical. Text is
measured with the same TTF files both backends draw with (advance widths, no kerning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Literal

import qrcode
from PIL import ImageFont
from qrcode.constants import ERROR_CORRECT_Q

from app.documents.pdf import BLACK, PAGE_SIZES_MM, RED, WHITE, YELLOW, font_path, nfc

RGB = tuple[int, int, int]
PaperSize = Literal["A4", "A3"]
MM_PER_PT = 25.4 / 72
LINE_SPACING = 1.2
# Lengths below are for A4; A3 is A4 scaled by √2, so every length is multiplied by k.
FRAME = 8.0  # inset of the red frame: inside what office printers can reach
PAD = 15.0  # text never comes closer than this to the page edge
# A large code reads from a couple of metres away, or in poor light, with an old phone.
QR_SYMBOL_MIN = 90.0  # the symbol itself, quiet zone excluded, as long as the text allows
QR_MAX = 130.0  # quiet zone included
TITLE, SLOGAN, HEADING, ROUND, STEP, CALL, PLACE, UNIT = 30, 16, 14, 14, 16, 18, 17, 14  # pt
# Q restores a quarter of the code: posters get creased, stained and taped over.
ERROR_CORRECTION = ERROR_CORRECT_Q
QUIET_ZONE = 4  # modules of white around the symbol, as the standard requires


@dataclass(frozen=True)
class PosterData:
    """What a poster says; plain values, so rendering needs no database."""

    contest_title: str
    slogan: str
    rounds: list[tuple[str, str, str]]  # (label, starts dd/mm/yyyy HH:MM, ends), local time
    url: str
    questions: int = 20
    minutes: int = 15
    location_label: str = ""
    unit_name: str = ""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: RGB | None
    stroke: RGB | None = None
    line: float = 0.0


@dataclass(frozen=True)
class Disc:
    cx: float
    cy: float
    r: float
    fill: RGB


@dataclass(frozen=True)
class Label:
    x: float
    baseline: float
    text: str
    size: float  # points
    bold: bool
    color: RGB


@dataclass(frozen=True)
class Code:
    """A QR code; `matrix` includes the quiet zone, drawn white."""

    x: float
    y: float
    size: float
    matrix: tuple[tuple[bool, ...], ...]


Element = Box | Disc | Label | Code


@cache
def _measuring_font(bold: bool) -> ImageFont.FreeTypeFont:
    style = "B" if bold else ""
    return ImageFont.truetype(str(font_path(style)), 1000, layout_engine=ImageFont.Layout.BASIC)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in mm of `text` set at `size` points."""
    return _measuring_font(bold).getlength(text) / 1000 * size * MM_PER_PT


def wrap(text: str, size: float, bold: bool, width: float) -> list[str]:
    """Greedy word wrap to `width` mm; a word longer than the line stays whole."""
    lines: list[str] = []
    for word in nfc(text).split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def balanced_wrap(text: str, size: float, bold: bool, width: float) -> list[str]:
    """As few lines as `wrap` gives, but of even length: no lone word on a title's last line."""
    lines = wrap(text, size, bold, width)
    if len(lines) < 2:
        return lines
    narrow, wide = 0.0, width  # the narrowest width that still needs no more lines
    for _ in range(12):
        middle = (narrow + wide) / 2
        if len(wrap(text, size, bold, middle)) <= len(lines):
            wide = middle
        else:
            narrow = middle
    return wrap(text, size, bold, wide)


def steps(data: PosterData) -> list[str]:
    """The three steps to join, with the round's own numbers."""
    return [
        "Quét mã QR bằng camera điện thoại hoặc Zalo",
        "Đăng ký: họ tên, số điện thoại, đơn vị",
        f"Làm bài {data.questions} câu trong {data.minutes} phút và nộp bài",
    ]


@lru_cache(maxsize=8)  # the A4, A3 and PNG of one poster share their code
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code for `url`, quiet zone included (True = dark)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def layout(data: PosterData, size: PaperSize = "A4") -> tuple[float, float, list[Element]]:
    """The page size in mm and everything drawn on it, back to front."""
    width, height = PAGE_SIZES_MM[size]
    sheet = _Sheet(width, height)
    inset = sheet.mm(FRAME)
    frame = Box(inset, inset, width - 2 * inset, height - 2 * inset, None, RED, sheet.mm(0.8))
    sheet.elements.append(frame)
    sheet.y = inset
    sheet.band(RED, lambda: sheet.centred(data.contest_title, TITLE, True, WHITE), 6, 5)
    if data.slogan.strip():
        sheet.band(YELLOW, lambda: sheet.centred(data.slogan, SLOGAN, True, RED), 2.5, 3.5)
    if data.rounds:
        _rounds(sheet, data.rounds)
    _steps(sheet, steps(data))
    _code(sheet, data.url, bottom=_footer(sheet, data))
    return width, height, sheet.elements


class _Sheet:
    """A top-down cursor over one page that collects elements."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.k = width / PAGE_SIZES_MM["A4"][0]
        self.y = 0.0
        self.elements: list[Element] = []

    def mm(self, a4_length: float) -> float:
        return a4_length * self.k

    def line_height(self, size: float) -> float:
        return size * self.k * MM_PER_PT * LINE_SPACING

    def text_area(self) -> float:
        return self.width - 2 * self.mm(PAD)

    def label(self, x: float, text: str, size: float, bold: bool, color: RGB) -> None:
        """One line of text whose line box starts at the cursor; moves the cursor below it."""
        height = self.line_height(size)
        # The baseline sits a little above the bottom of the line box, leaving the descenders
        # room below and the stacked Vietnamese marks (Ế, Ộ) room above.
        self.elements.append(Label(x, self.y + height * 0.76, text, size * self.k, bold, color))
        self.y += height

    def centred(self, text: str, size: float, bold: bool, color: RGB) -> None:
        """Wrapped lines centred on the page."""
        for line in balanced_wrap(text, size * self.k, bold, self.text_area()):
            self.label(
                (self.width - text_width(line, size * self.k, bold)) / 2, line, size, bold, color
            )

    def band(self, fill: RGB, build: Callable[[], None], pad_top: float, pad_bottom: float) -> None:
        """A coloured band across the frame, as tall as what `build` draws in it."""
        index, top = len(self.elements), self.y
        self.y += self.mm(pad_top)
        build()
        self.y += self.mm(pad_bottom)
        inset = self.mm(FRAME)
        self.elements.insert(index, Box(inset, top, self.width - 2 * inset, self.y - top, fill))


def _rounds(sheet: _Sheet, rounds: list[tuple[str, str, str]]) -> None:
    sheet.y += sheet.mm(5)
    sheet.centred("THỜI GIAN THI", HEADING, True, RED)
    # Beyond three rounds the lines get smaller, to leave the code its room.
    size = ROUND if len(rounds) <= 3 else ROUND - 2
    points = size * sheet.k
    for label, starts, ends in rounds:
        head, tail = f"{nfc(label)}: ", f"từ {starts} đến {ends}"
        head_width = text_width(head, points, True)
        total = head_width + text_width(tail, points, False)
        if total > sheet.text_area():  # a long round title: plain wrapped text instead
            sheet.centred(head + tail, size, False, BLACK)
            continue
        left = (sheet.width - total) / 2
        top = sheet.y
        sheet.label(left, head, size, True, BLACK)
        sheet.y = top
        sheet.label(left + head_width, tail, size, False, BLACK)


def _steps(sheet: _Sheet, texts: list[str]) -> None:
    """Numbered steps in red discs, as a left-aligned block centred on the page."""
    sheet.y += sheet.mm(5)
    sheet.centred("CÁCH THAM GIA", HEADING, True, RED)
    points, indent, radius = STEP * sheet.k, sheet.mm(11), sheet.mm(4.2)
    wrapped = [wrap(text, points, False, sheet.text_area() - indent) for text in texts]
    block = indent + max(text_width(line, points, False) for lines in wrapped for line in lines)
    left = (sheet.width - block) / 2
    for number, lines in enumerate(wrapped, start=1):
        sheet.y += sheet.mm(2)
        centre_y = sheet.y + sheet.line_height(STEP) / 2
        sheet.elements.append(Disc(left + radius, centre_y, radius, RED))
        digit = str(number)
        digit_x = left + radius - text_width(digit, points * 0.85, True) / 2
        # Figures are about 0.65 em tall: half of that below the centre puts them in the middle.
        digit_baseline = centre_y + 0.33 * points * 0.85 * MM_PER_PT
        sheet.elements.append(Label(digit_x, digit_baseline, digit, points * 0.85, True, WHITE))
        for line in lines:
            sheet.label(left + indent, line, STEP, False, BLACK)


def _footer(sheet: _Sheet, data: PosterData) -> float:
    """The place and unit in a red band at the bottom; returns the top of what it drew."""
    location, unit = nfc(data.location_label.strip()), nfc(data.unit_name.strip())
    inset = sheet.mm(FRAME)
    if not location and not unit:
        return sheet.height - inset
    probe = _Sheet(sheet.width, sheet.height)
    probe.band(RED, lambda: _footer_text(probe, location, unit), 4, 4)
    top = sheet.height - inset - probe.y
    sheet.elements.extend(_moved_down(element, top) for element in probe.elements)
    return top


def _footer_text(sheet: _Sheet, location: str, unit: str) -> None:
    if location:
        sheet.centred(location, PLACE, True, WHITE)
    if unit and unit != location:
        sheet.centred(unit, UNIT, True, YELLOW)


def _moved_down(element: Element, offset: float) -> Element:
    if isinstance(element, Label):
        return replace(element, baseline=element.baseline + offset)
    return replace(element, y=element.y + offset)


def _code(sheet: _Sheet, url: str, *, bottom: float) -> None:
    """A call to scan, the QR code as large as the space left allows, the link under it."""
    matrix = qr_matrix(url)
    smallest = sheet.mm(QR_SYMBOL_MIN) * len(matrix) / (len(matrix) - 2 * QUIET_ZONE)
    points = 12.0
    while points > 7 and text_width(url, points * sheet.k, False) > sheet.text_area():
        points -= 0.5
    gap = sheet.mm(4)
    available = bottom - sheet.y - gap - sheet.mm(6) - gap - gap - sheet.line_height(points)
    # The call to scan repeats step 1: it is the first thing to go when the code needs the room.
    call = available - sheet.line_height(CALL) >= smallest
    if call:
        available -= sheet.line_height(CALL)
    # A crowded poster shrinks the code rather than cover the footer.
    size = min(sheet.mm(QR_MAX), available)
    sheet.y += sheet.mm(6) + max(0.0, (available - size) / 2)  # what is left, above and below
    if call:
        sheet.centred("QUÉT MÃ ĐỂ DỰ THI", CALL, True, RED)
    top, x, border = sheet.y + gap, (sheet.width - size) / 2, sheet.mm(1.2)
    frame = Box(
        x - border, top - border, size + 2 * border, size + 2 * border, WHITE, RED, border / 2
    )
    sheet.elements.extend([frame, Code(x, top, size, matrix)])
    sheet.y = top + size + gap
    url_x = (sheet.width - text_width(url, points * sheet.k, False)) / 2
    sheet.label(url_x, url, points, False, BLACK)
