"""What every question-bank format shares: the result of a parse, problems, slugs, checks."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from app.questions.validation import collapse_whitespace

MIN_OPTIONS, MAX_OPTIONS = 2, 6
LETTERS = string.ascii_uppercase[:MAX_OPTIONS]
# Formats without a difficulty field (GIFT, Aiken) import as easy, as the bank loader assumes.
DEFAULT_DIFFICULTY = 1
AREA_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Issue:
    """One problem or skipped item, located in the input ("dòng 12", "hàng 5")."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class ParseResult:
    """Questions read from one file; when `errors` is not empty the caller imports nothing."""

    questions: list[dict] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    _id_locations: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def error(self, location: str, message: str) -> None:
        self.errors.append(Issue(location, message))

    def skip(self, location: str, message: str) -> None:
        self.skipped.append(Issue(location, message))

    def accept(self, question: dict, location: str) -> None:
        """Keeps the question if it passes `check_question`, else records why not."""
        problems = check_question(question)
        qid = question.get("id")
        if qid is not None and qid in self._id_locations:
            # Two rows with one id would silently overwrite each other on import.
            problems.append(f"Mã câu hỏi '{qid}' đã dùng ở {self._id_locations[qid]}")
        for problem in problems:
            self.error(location, problem)
        if not problems:
            self.questions.append(question)
            if qid is not None:
                self._id_locations[qid] = location


def clean_text(text: str) -> str:
    """NFC text without surrounding whitespace: the form every stored text takes."""
    return unicodedata.normalize("NFC", text).strip()


def split_lines(text: str) -> list[str]:
    """The lines of a text file as an editor numbers them, a leading BOM dropped."""
    # str.splitlines would also break at form feeds and U+2028, shifting the numbers.
    return _LINE_BREAK.split(text.removeprefix("\ufeff"))


def slugify(title: str) -> str:
    """The slug of a title: "Cải cách thủ tục" -> "cai-cach-thu-tuc"."""
    # 'đ' has no decomposition, so NFD alone would keep it.
    text = title.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def letter(index: int) -> str:
    """The letter of option `index` (0 -> "A"), or the number itself when out of range."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else str(index + 1)


def new_question(
    text: str,
    options: list[str],
    answer: int,
    *,
    id: str | None = None,
    difficulty: int = DEFAULT_DIFFICULTY,
    tags: list[str] | None = None,
    explanation: str = "",
    source: dict[str, str] | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """A question in the bank's own shape, keys in the bank's order."""
    return {
        "id": id,
        "text": text,
        "options": options,
        "answer": answer,
        "difficulty": difficulty,
        "tags": tags or [],
        "explanation": explanation,
        "source": source,
        "area": area,
    }


def check_question(q: dict) -> list[str]:
    """Problems of one question, in Vietnamese; an empty list means it can be imported."""
    problems = []
    if not str(q.get("text") or "").strip():
        problems.append("Nội dung câu hỏi để trống")
    problems += _option_problems(q.get("options") or [])
    answer, count = q.get("answer"), len(q.get("options") or [])
    if not isinstance(answer, int) or isinstance(answer, bool):
        problems.append("Đáp án phải là số thứ tự của một phương án")
    elif not 0 <= answer < count:
        problems.append(f"Đáp án {letter(answer)} không ứng với phương án nào (có {count})")
    difficulty = q.get("difficulty")
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        problems.append(f"Mức độ phải là 1, 2 hoặc 3 (đang là '{difficulty}')")
    area = q.get("area")
    if area is not None and not AREA_PATTERN.fullmatch(str(area)):
        problems.append(
            f"Lĩnh vực '{area}' không phải mã hợp lệ (chữ thường không dấu, nối bằng dấu '-')"
        )
    return problems


def _option_problems(options: list[str]) -> list[str]:
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        return [f"Cần từ {MIN_OPTIONS} đến {MAX_OPTIONS} phương án (đang có {len(options)})"]
    problems = []
    first_seen: dict[str, int] = {}
    for index, option in enumerate(options):
        key = collapse_whitespace(str(option)).casefold()
        if not key:
            problems.append(f"Phương án {letter(index)} để trống")
        elif key in first_seen:
            problems.append(f"Phương án {letter(first_seen[key])} và {letter(index)} trùng nhau")
        else:
            first_seen[key] = index
    return problems
