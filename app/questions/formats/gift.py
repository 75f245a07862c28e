"""Moodle GIFT: single-answer multiple choice in and out; other question types are skipped."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from app.questions.formats.common import (
    ParseResult,
    clean_text,
    new_question,
    slugify,
    split_lines,
)

# Like Moodle, escaped characters become placeholders (private-use code points) before the
# structure is read, so that `\{` or `\=` can never open a brace or mark an answer.
_ESCAPABLE = "\\:#={}~n"
_PLACEHOLDERS = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = {ph: ("\n" if char == "n" else char) for char, ph in _PLACEHOLDERS.items()}
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_FORMAT_PREFIX = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"<(br|/?p|/?div|/?li)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_WEIGHT = re.compile(r"\s*%-?[0-9]+(\.[0-9]+)?%")
_TITLE_AS_ID = re.compile(r"[A-Za-z0-9_.-]+")
_TRUE_FALSE = {"T", "F", "TRUE", "FALSE"}
_ONLY_SINGLE_CHOICE = "hệ thống chỉ nhận câu trắc nghiệm có đúng một đáp án đúng"


@dataclass
class _Block:
    """One question's lines, escapes already replaced, with their line numbers in the file."""

    text: str
    numbers: list[int]

    def line(self, position: int = 0) -> str:
        index = self.text.count("\n", 0, position)
        return f"dòng {self.numbers[index]}"


def _protect(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _PLACEHOLDERS[match.group(1)], text)


def _field(text: str) -> str:
    """A text field: line breaks of the file are layout, escaped `\\n` is a real break."""
    folded = re.sub(r"\s+", " ", text)
    return clean_text("".join(_RESTORE.get(char, char) for char in folded))


def _html_to_text(text: str) -> str:
    """Moodle exports `[html]<p>…</p>`; the platform shows plain text."""
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", text))
    return clean_text(re.sub(r"[ \t\xa0]+", " ", html.unescape(text)))


def _blocks(text: str) -> list[_Block]:
    """Questions are separated by blank lines; comment lines neither count nor separate."""
    blocks: list[_Block] = []
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(split_lines(text), 1):
        if line.strip().startswith("//"):
            continue
        if line.strip():
            lines.append((number, _protect(line)))
            continue
        if lines:
            blocks.append(_Block("\n".join(ln for _, ln in lines), [n for n, _ in lines]))
            lines = []
    if lines:
        blocks.append(_Block("\n".join(ln for _, ln in lines), [n for n, _ in lines]))
    return blocks


def _split_category(block: _Block) -> tuple[str | None, _Block | None]:
    """The `$CATEGORY:` path of a block, if it starts with one, and what follows it."""
    first, _, rest = block.text.partition("\n")
    if not first.strip().upper().startswith("$CATEGORY:"):
        return None, block
    path = _field(first.strip()[len("$CATEGORY:") :])
    remainder = _Block(rest, block.numbers[1:]) if rest.strip() else None
    return path, remainder


def parse_gift(text: str) -> ParseResult:
    """Reads a GIFT file: its single-answer multiple-choice questions, the rest reported."""
    result = ParseResult()
    area: str | None = None
    for block in _blocks(text):
        category, question = _split_category(block)
        if category is not None:
            # Moodle categories are paths ("top/Thủ tục hành chính"); the leaf names the area.
            area = slugify(category.split("/")[-1]) or None
        if question is not None:
            _parse_question(question, area, result)
    return result


def _parse_question(block: _Block, area: str | None, result: ParseResult) -> None:
    text, title = block.text, None
    if text.lstrip().startswith("::"):
        start = text.index("::") + 2
        end = text.find("::", start)
        if end < 0:
            result.error(block.line(), "Tiêu đề '::…' chưa có '::' đóng")
            return
        title, text = _field(text[start:end]), " " * (end + 2) + text[end + 2 :]
    prefix = _FORMAT_PREFIX.match(text)
    if prefix:
        text = " " * prefix.end() + text[prefix.end() :]
    body = _split_braces(block, text, result)
    if body is None:
        return
    head, answers = body
    qid = title if title and _TITLE_AS_ID.fullmatch(title) else None
    question = _parse_answers(block, head, answers, result)
    if question is None:
        return
    if prefix and prefix.group(1).lower() == "html":
        # Answers and feedback share the question's format in Moodle exports.
        for key in ("text", "explanation"):
            question[key] = _html_to_text(question[key])
        question["options"] = [_html_to_text(option) for option in question["options"]]
    question.update(id=qid, area=area)
    result.accept(question, block.line())


def _split_braces(block: _Block, text: str, result: ParseResult) -> tuple[str, str] | None:
    """Question text and the inside of its `{…}`, or None when reported as error or skipped."""
    opening = text.find("{")
    stray = text.find("}", 0, opening if opening >= 0 else len(text))
    if stray >= 0:
        result.error(block.line(stray), "Dấu '}' không có '{' mở tương ứng (viết '\\}' nếu là chữ)")
        return None
    if opening < 0:
        _skip(result, block, "đoạn mô tả (không có phần đáp án '{…}')")
        return None
    closing = text.find("}", opening)
    nested = text.find("{", opening + 1, closing if closing >= 0 else len(text))
    if nested >= 0:
        result.error(block.line(nested), "Dấu '{' nằm trong phần đáp án chưa đóng")
        return None
    if closing < 0:
        result.error(
            block.line(opening),
            "Phần đáp án mở bằng '{' nhưng không có '}' đóng trước dòng trống kế tiếp",
        )
        return None
    after = text[closing + 1 :]
    if "{" in after or "}" in after:
        result.error(block.line(closing + 1), "Một câu hỏi chỉ được có một phần đáp án '{…}'")
        return None
    if after.strip():
        _skip(result, block, "câu điền từ (có chữ sau dấu '}')")
        return None
    return text[:opening], text[opening + 1 : closing]


def _parse_answers(block: _Block, head: str, inside: str, result: ParseResult) -> dict | None:
    """The question of a single-answer multiple choice; None when reported instead."""
    inside, _, general_feedback = inside.partition("####")
    body = inside.strip()
    kind = _other_kind(body)
    if kind:
        _skip(result, block, kind)
        return None
    if "~" not in body:
        result.error(block.line(), "Phần đáp án phải có các dòng '=đúng' và '~sai'")
        return None
    leading, *pieces = re.split(r"([=~])", body)
    if leading.strip():
        result.error(block.line(), f"Có chữ '{_field(leading)}' trước đáp án đầu tiên")
        return None
    marks, contents = pieces[0::2], pieces[1::2]
    if any(_WEIGHT.match(content) for content in contents):
        _skip(result, block, "câu có trọng số điểm (~%50%…)")
        return None
    if marks.count("=") > 1:
        _skip(result, block, "câu có nhiều đáp án đúng")
        return None
    if "=" not in marks:
        result.error(block.line(), "Không có đáp án đúng (dòng bắt đầu bằng '=')")
        return None
    # Per-answer feedback follows '#'; the platform has nowhere to show it.
    options = [_field(content.partition("#")[0]) for content in contents]
    return new_question(
        _field(head), options, marks.index("="), explanation=_field(general_feedback)
    )


def _skip(result: ParseResult, block: _Block, kind: str) -> None:
    result.skip(block.line(), f"Bỏ qua {kind}: {_ONLY_SINGLE_CHOICE}")


def _other_kind(body: str) -> str | None:
    """The name of another GIFT question type, in Moodle's order of recognition."""
    if not body:
        return "câu tự luận ({})"
    if body.startswith("#"):
        return "câu trả lời dạng số ({#…})"
    if "~" in body:
        return None
    if "->" in body:
        return "câu ghép đôi ('->')"
    if body.partition("#")[0].strip().upper() in _TRUE_FALSE:
        return "câu đúng/sai ({T}/{F})"
    if body.startswith("="):
        return "câu trả lời ngắn (chỉ có đáp án '=')"
    return None


def escape(text: str) -> str:
    """GIFT text as Moodle writes it: special characters and line breaks escaped."""
    escaped = text.replace("\\", "\\\\").replace("\r", "")
    for char in "~=#{}:":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\n", "\\n")


def write_gift(questions: list[dict]) -> str:
    """GIFT for Moodle; difficulty, tags and sources have no place in GIFT and are left out."""
    parts: list[str] = []
    area: str | None = None
    for question in questions:
        if question.get("area") != area:
            area = question.get("area")
            # An empty category puts area-less questions back outside any area on import.
            parts.append(f"$CATEGORY: {area}\n" if area else "$CATEGORY:\n")
        parts.append(_gift_question(question))
    return "\n".join(parts)


def _gift_question(question: dict) -> str:
    title = f"::{escape(question['id'])}:: " if question.get("id") else ""
    lines = [f"{title}{escape(question['text'])} {{"]
    for index, option in enumerate(question["options"]):
        mark = "=" if index == question["answer"] else "~"
        lines.append(f"\t{mark}{escape(option)}")
    if question.get("explanation"):
        lines.append(f"\t####{escape(question['explanation'])}")
    lines.append("}")
    return "\n".join(lines) + "\n"
