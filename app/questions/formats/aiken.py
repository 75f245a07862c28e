"""Aiken (Moodle's plain-text multiple choice): question, `A. …` options, `ANSWER: X`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.questions.formats.common import (
    MAX_OPTIONS,
    ParseResult,
    clean_text,
    letter,
    new_question,
    split_lines,
)

_OPTION = re.compile(r"([A-Z])[.)](?:\s+(.*))?")
_ANSWER = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)


@dataclass
class _Draft:
    """A question being read: where it starts, its text lines and its options so far."""

    start: int
    text: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    broken: bool = False  # already reported; later lines must not pile up more errors

    @property
    def location(self) -> str:
        return f"dòng {self.start}"


def parse_aiken(text: str) -> ParseResult:
    """Reads an Aiken file; every question must end with its `ANSWER:` line."""
    result = ParseResult()
    draft: _Draft | None = None
    for number, raw in enumerate(split_lines(text), 1):
        line = clean_text(raw)
        answer = _ANSWER.fullmatch(line)
        if not line or answer:
            if answer and draft is None:
                result.error(f"dòng {number}", "Dòng ANSWER không thuộc câu hỏi nào")
            elif answer and draft is not None:
                _finish(draft, answer.group(1), number, result)
            elif draft is not None:
                _missing_answer(draft, result)
            draft = None
            continue
        if draft is None:
            draft = _Draft(number)
        draft = _read_line(draft, line, number, result)
    if draft is not None:
        _missing_answer(draft, result)
    return result


def _read_line(draft: _Draft, line: str, number: int, result: ParseResult) -> _Draft:
    """Adds a text or option line to the draft; returns the draft the next line belongs to."""
    option = _OPTION.fullmatch(line)
    expected = letter(len(draft.options))
    # Before any option, a line such as "C. Mác…" is still question text.
    if option and draft.text and (draft.options or option.group(1) == "A"):
        if len(draft.options) == MAX_OPTIONS and not draft.broken:
            result.error(f"dòng {number}", f"Mỗi câu có tối đa {MAX_OPTIONS} phương án (A–F)")
            draft.broken = True
        elif option.group(1) != expected and not draft.broken:
            result.error(
                f"dòng {number}",
                f"Phương án {option.group(1)} sai thứ tự: phương án tiếp theo phải là {expected}",
            )
            draft.broken = True
        draft.options.append(clean_text(option.group(2) or ""))
        return draft
    if draft.options:
        # Text after the options: the previous question lacks ANSWER and a new one begins.
        _missing_answer(draft, result)
        return _Draft(number, [line])
    draft.text.append(line)
    return draft


def _missing_answer(draft: _Draft, result: ParseResult) -> None:
    if not draft.broken:
        result.error(draft.location, "Câu hỏi thiếu dòng 'ANSWER: <chữ cái>' sau các phương án")


def _finish(draft: _Draft, given: str, number: int, result: ParseResult) -> None:
    if draft.broken:
        return
    if len(draft.options) < 2:
        result.error(
            draft.location, f"Câu hỏi cần ít nhất 2 phương án 'A. …' (đang có {len(draft.options)})"
        )
        return
    letters = [letter(index) for index in range(len(draft.options))]
    choice = given.strip().upper()
    if choice not in letters:
        result.error(
            f"dòng {number}",
            f"Đáp án '{given.strip()}' không phải một trong các "
            f"phương án {letters[0]}–{letters[-1]}",
        )
        return
    question = new_question(" ".join(draft.text), draft.options, letters.index(choice))
    result.accept(question, draft.location)
