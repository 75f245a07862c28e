"""Where a plan's headings are (I., 1., 1.1., a)) and which section holds a given offset."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from app.questions.derive.text import _fold, is_clean_text

_ROMAN_RE = re.compile(r"([IVX]{1,4})\s*\.\s*(?=[^\W\d_])")
_ARABIC_RE = re.compile(r"(\d{1,2})(?:\.(\d{1,2}))?\.\s+(?=\S)")
_LETTER_RE = re.compile(r"([a-zA-ZđĐ@])(?:\)|\.(?=\s))\s*(?=\S)")
_LETTERS = "abcdđefghiklmnopqrstuvxy"


@dataclass(frozen=True)
class _Heading:
    offset: int
    section: str
    title: str
    level: int  # 0 roman, 1 arabic, 2 letter


def _roman_value(numeral: str) -> int:
    values = [{"I": 1, "V": 5, "X": 10}[c] for c in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))


def _letter_index(char: str, previous: int) -> int | None:
    """The letter's place if it can follow `previous`; OCR's "@)" is taken as the next one."""
    if char == "@":
        return previous + 1 if previous >= 0 else None
    index = _LETTERS.find(char.lower())
    if previous < 0:
        return index if index == 0 else None
    return index if previous < index <= previous + 3 else None


def _headings(text: str) -> list[_Heading]:
    """Headings in reading order; numbering must run on, so wrapped lines are not mistaken."""
    headings = [_Heading(0, "Mở đầu", "", -1)]
    roman, arabic, sub, letter = 0, 0, 0, -1
    names = ["", "", ""]
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" \t*")
        at, offset = offset + len(line) - len(body), offset + len(line)
        if (m := _ROMAN_RE.match(body)) and _roman_value(m[1]) == roman + 1:
            roman, arabic, sub, letter, level = roman + 1, 0, 0, -1, 0
            names = [m[1], "", ""]
        elif (m := _ARABIC_RE.match(body)) and (
            (m[2] is None and int(m[1]) == arabic + 1)
            or (m[2] is not None and int(m[1]) == arabic and int(m[2]) == sub + 1)
        ):
            arabic, sub, letter, level = int(m[1]), int(m[2] or 0), -1, 1
            names = [names[0], f"{arabic}.{sub}" if sub else str(arabic), ""]
        elif (m := _LETTER_RE.match(body)) and (index := _letter_index(m[1], letter)) is not None:
            letter, level = index, 2
            names[2] = _LETTERS[index]
        else:
            continue
        title = body[m.end() :].strip().strip("*: ")
        headings.append(_Heading(at, ".".join(n for n in names if n), title, level))
    return headings


@dataclass(frozen=True)
class _Page:
    """A plan's text with what every reader below needs: its folded copy and its headings."""

    text: str
    folded: str
    clean: bool
    headings: tuple[_Heading, ...]

    @classmethod
    def read(cls, text: str) -> _Page:
        text = unicodedata.normalize("NFC", text)
        return cls(text, _fold(text), is_clean_text(text), tuple(_headings(text)))

    def heading_at(self, pos: int) -> _Heading:
        """The heading whose part of the plan holds `pos`."""
        index = bisect_right(self.headings, pos, key=lambda heading: heading.offset)
        return self.headings[max(0, index - 1)]
