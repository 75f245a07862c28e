"""Import and export of question banks: Excel, Moodle GIFT and Aiken, the bank's own YAML.

Parsers are pure: they take the file's content and return a `ParseResult` of questions in the
bank's own shape (see `common.new_question`), the items skipped as another question type, and
errors. When errors is not empty the caller imports nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.questions.formats.aiken import parse_aiken
from app.questions.formats.common import Issue, ParseResult, check_question, slugify
from app.questions.formats.gift import parse_gift, write_gift
from app.questions.formats.xlsx import parse_xlsx, template_xlsx, write_xlsx
from app.questions.formats.yaml_bank import parse_yaml, write_yaml

__all__ = [
    "FORMATS",
    "Issue",
    "ParseResult",
    "check_question",
    "detect_format",
    "parse_file",
    "slugify",
    "template_xlsx",
    "write",
]

FORMATS = ("xlsx", "gift", "aiken", "yaml")
_BY_SUFFIX = {".xlsx": "xlsx", ".gift": "gift", ".aiken": "aiken", ".yaml": "yaml", ".yml": "yaml"}
# An unescaped '{' followed later by '}': what tells a GIFT .txt from an Aiken one.
_GIFT_BRACES = re.compile(r"(?<!\\)\{.*?(?<!\\)\}", re.DOTALL)
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:", re.IGNORECASE | re.MULTILINE)
_SUPPORTED = ".xlsx, .gift, .yaml, .yml, hoặc .txt theo định dạng GIFT hay Aiken"


def detect_format(path: Path) -> str:
    """The format of a file, from its extension (and, for .txt, its content)."""
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".xls":
        raise ValueError(f"Tệp {path.name} là Excel đời cũ (.xls): hãy lưu lại thành .xlsx")
    if suffix == ".txt":
        text = path.read_text(encoding="utf-8", errors="replace")
        if _AIKEN_ANSWER.search(text):
            return "aiken"
        if _GIFT_BRACES.search(text):
            return "gift"
        raise ValueError(
            f"Không nhận ra định dạng của {path.name}: không thấy phần đáp án '{{…}}' của GIFT "
            "hay dòng 'ANSWER:' của Aiken"
        )
    raise ValueError(f"Không hỗ trợ tệp {path.name}: chỉ nhận {_SUPPORTED}")


def parse_file(path: Path, fmt: str | None = None) -> ParseResult:
    """Reads the questions of a file, in the given format or the one its name tells."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"Định dạng '{fmt}' không hỗ trợ; chọn một trong: {', '.join(FORMATS)}")
    data = path.read_bytes()
    if fmt == "xlsx":
        return parse_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result = ParseResult()
        result.error(
            "tệp",
            f"Tệp không ở bảng mã UTF-8 (byte thứ {error.start + 1}): "
            "hãy lưu lại với bảng mã UTF-8",
        )
        return result
    parse = {"gift": parse_gift, "aiken": parse_aiken, "yaml": parse_yaml}[fmt]
    return parse(text)


def write(questions: list[dict], fmt: str) -> bytes:
    """The questions as a file of the format ("xlsx", "gift" or "yaml"); text in UTF-8."""
    if fmt == "xlsx":
        return write_xlsx(questions)
    if fmt == "gift":
        return write_gift(questions).encode("utf-8")
    if fmt == "yaml":
        return write_yaml(questions).encode("utf-8")
    raise ValueError(f"Không ghi được định dạng '{fmt}'; chọn một trong: xlsx, gift, yaml")
