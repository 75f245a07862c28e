"""Folding, OCR repair and the checks on a plan's text that every reader of it shares."""

from __future__ import annotations

import re
import unicodedata

_OCR_CHAR = r"[^\s,;:.()/]"  # one letter as OCR may have read it ("é", "6", "¢" ...)


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    return unicodedata.normalize("NFD", char)[0]


def _fold(text: str) -> str:
    """The text without diacritics, character for character, so offsets stay valid."""
    return "".join(_fold_char(char) for char in text)


def _pattern(source: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """A pattern over folded text, where `~` stands for one letter as OCR may have read it."""
    return re.compile(source.replace("~", _OCR_CHAR), flags)


_COMMON_WORDS = {_fold(w): w for w in ("của", "các", "được", "ngày", "những", "về", "và", "số")}


def _lower_first(text: str) -> str:
    """Lower-case a sentence's first letter, leaving acronyms such as "CCHC" alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def is_clean_text(text: str) -> bool:
    """Whether the text has its diacritics, i.e. whether its prose may be quoted in a question."""
    words = [w for w in re.findall(r"\w+", text.lower()) if _fold(w) in _COMMON_WORDS]
    right = sum(w == _COMMON_WORDS[_fold(w)] for w in words)
    return not words or right / len(words) >= 0.8


# OCR read Đ without its stroke, or as B ("NB-CP"); plans write these codes with Đ.
_STROKED_CODES = {"ND": "NĐ", "NB": "NĐ", "QD": "QĐ", "HDND": "HĐND", "BCD": "BCĐ"}
# Digit confusions seen in the scanned plan: "I" for "1", a stray "S" or "I" in a code.
_OCR_CODE_FIXES = (("QHIS5", "QH15"), ("QHI5", "QH15"), ("NQI18", "NQ18"))


def _normalize_code(part: str) -> str:
    for wrong, right in _OCR_CODE_FIXES:
        part = part.replace(wrong, right)
    for plain, stroked in _STROKED_CODES.items():
        if part == plain or (len(plain) > 2 and part.startswith(plain)):
            return stroked + part[len(plain) :]
    return part


def normalize_number(raw: str) -> str:
    """A symbol as it should read: wraps joined, "ND-CP" -> "NĐ-CP", "QHIS5" -> "QH15"."""
    text = re.sub(r"-+", "-", re.sub(r"\s+", "", raw))
    return "".join(_normalize_code(part) for part in re.split(r"([-/])", text))
