"""The bank's own YAML: one area file, or an export mixing areas with `area` per question."""

from __future__ import annotations

from typing import Any

import yaml

from app.questions.formats.common import DEFAULT_DIFFICULTY, ParseResult, clean_text, new_question

MIXED_AREA = "tong-hop"
DEFAULT_TITLE = "Ngân hàng câu hỏi"
# `status` (active | draft) is the bank's own optional key: kept as is, written back if present.
_KEYS = (
    "id",
    "text",
    "options",
    "answer",
    "difficulty",
    "tags",
    "explanation",
    "source",
    "status",
    "area",
)
_SOURCE_KEYS = ("doc", "section", "quote")


def parse_yaml(text: str) -> ParseResult:
    """Reads a bank file or an export; questions without `area` take the file's area."""
    result = ParseResult()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        detail = getattr(error, "problem", None) or error
        location = f"dòng {mark.line + 1}" if mark else "tệp"
        result.error(location, f"Lỗi cú pháp YAML (chi tiết: {detail})")
        return result
    questions = document.get("questions") if isinstance(document, dict) else None
    if not isinstance(questions, list):
        result.error(
            "tệp", "Tệp YAML phải có dạng 'area: …', 'title: …', 'questions: [danh sách câu hỏi]'"
        )
        return result
    area = document.get("area")
    if area is not None and not isinstance(area, str):
        result.error("tệp", "Khóa 'area' của tệp phải là một chuỗi")
        return result
    locations = _question_locations(root, len(questions))
    for raw, location in zip(questions, locations, strict=True):
        problems: list[str] = []
        question = _question(raw, area, problems)
        for problem in problems:
            result.error(location, problem)
        if question is not None and not problems:
            result.accept(question, location)
    return result


def _question_locations(root: yaml.Node | None, count: int) -> list[str]:
    """Where each question starts ("dòng N"), read from the composed node tree."""
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "questions" and isinstance(value, yaml.SequenceNode):
                return [f"dòng {item.start_mark.line + 1}" for item in value.value]
    return [f"câu thứ {number}" for number in range(1, count + 1)]


def _question(raw: object, area: str | None, problems: list[str]) -> dict | None:
    if not isinstance(raw, dict):
        problems.append("Câu hỏi phải là một ánh xạ 'khóa: giá trị'")
        return None
    unknown = [str(key) for key in raw if key not in _KEYS]
    if unknown:
        problems.append(f"Khóa không hợp lệ: {', '.join(unknown)}")
    options = raw.get("options")
    if not isinstance(options, list):
        problems.append("'options' phải là danh sách các phương án")
        options = []
    question = new_question(
        _text(raw.get("text"), "text", problems),
        [_text(option, "options", problems) for option in options],
        _integer(raw.get("answer"), "answer", problems),
        id=_text(raw.get("id"), "id", problems) or None,
        difficulty=_integer(raw.get("difficulty", DEFAULT_DIFFICULTY), "difficulty", problems),
        tags=[_text(tag, "tags", problems) for tag in _list(raw.get("tags"), "tags", problems)],
        explanation=_text(raw.get("explanation"), "explanation", problems),
        source=_source(raw.get("source"), problems),
        area=raw["area"] if "area" in raw else area,
    )
    if "status" in raw:
        if raw["status"] not in ("active", "draft"):
            problems.append("'status' phải là active hoặc draft")
        question["status"] = raw["status"]
    return question


def _text(value: object, key: str, problems: list[str]) -> str:
    # YAML reads an unquoted 2025 or 1.5 as a number; as an option it is still text.
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean_text(str(value))
    problems.append(f"'{key}' phải là chuỗi ký tự")
    return ""


def _integer(value: object, key: str, problems: list[str]) -> int:
    if value is None:
        problems.append(f"Thiếu khóa '{key}'")
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.append(f"'{key}' phải là số nguyên (đang là '{value}')")
    return 0


def _list(value: object, key: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    problems.append(f"'{key}' phải là danh sách")
    return []


def _source(value: object, problems: list[str]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value.get("doc"):
        problems.append("'source' phải có dạng {doc: …, section: …, quote: …}")
        return None
    unknown = [str(key) for key in value if key not in _SOURCE_KEYS]
    if unknown:
        problems.append(f"Khóa không hợp lệ trong 'source': {', '.join(unknown)}")
    return {key: _text(value.get(key), f"source.{key}", problems) for key in _SOURCE_KEYS}


class _BankDumper(yaml.SafeDumper):
    """Writes lists indented under their key, as the bank files are written by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # A text with line breaks reads best as a literal block.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BankDumper.add_representer(str, _represent_text)


def write_yaml(questions: list[dict], *, title: str | None = None) -> str:
    """A bank file when all questions share one area, else a `tong-hop` export."""
    areas = {question.get("area") for question in questions}
    shared = next(iter(areas)) if len(areas) == 1 else None
    document = {
        "area": shared or MIXED_AREA,
        "title": title or DEFAULT_TITLE,
        "questions": [_yaml_question(question, keep_area=shared is None) for question in questions],
    }
    return yaml.dump(
        document,
        Dumper=_BankDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
    )


def _yaml_question(question: dict, *, keep_area: bool) -> dict:
    """The question with the bank's keys in order; empty id and source are left out."""
    written = {key: question[key] for key in _KEYS if key in question}
    for key in ("id", "source"):
        if written.get(key) is None:
            written.pop(key, None)
    written.pop("area", None)
    if keep_area:
        written["area"] = question.get("area")
    return written
