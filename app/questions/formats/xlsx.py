"""Excel workbooks for organisers: one question per row, columns found by their header."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.questions.formats.common import (
    DEFAULT_DIFFICULTY,
    LETTERS,
    ParseResult,
    clean_text,
    letter,
    new_question,
    slugify,
)

SHEET = "Câu hỏi"
GUIDE_SHEET = "Hướng dẫn"
# (header, field, width, what the guide says about it)
COLUMNS: list[tuple[str, str, int, str]] = [
    (
        "Mã câu hỏi",
        "id",
        12,
        "Không bắt buộc. Mã riêng của câu hỏi, ví dụ tthc-001; "
        "nhập lại cùng mã sẽ cập nhật câu đó.",
    ),
    ("Câu hỏi", "text", 60, "Bắt buộc. Nội dung câu hỏi."),
    *[
        (
            f"Phương án {ch}",
            ch,
            30,
            "Bắt buộc." if ch in "AB" else "Không bắt buộc; điền liên tiếp, không bỏ trống ở giữa.",
        )
        for ch in LETTERS
    ],
    ("Đáp án", "answer", 8, "Bắt buộc. Chữ cái của phương án đúng: A, B, C, D, E hoặc F."),
    (
        "Lĩnh vực",
        "area",
        24,
        "Không bắt buộc. Mã lĩnh vực (thu-tuc-hanh-chinh) hoặc tên lĩnh vực (Thủ tục hành chính).",
    ),
    ("Mức độ", "difficulty", 10, "Không bắt buộc (mặc định 1). 1, 2, 3 hoặc Dễ, Trung bình, Khó."),
    (
        "Thẻ",
        "tags",
        18,
        "Không bắt buộc. Các thẻ cách nhau bằng dấu phẩy, ví dụ: general, cao-bang.",
    ),
    ("Giải thích", "explanation", 50, "Không bắt buộc. Hiện cho thí sinh sau khi nộp bài."),
    ("Nguồn", "doc", 26, "Không bắt buộc. Tên tệp văn bản làm căn cứ."),
    ("Mục", "section", 10, "Không bắt buộc, cần có Nguồn. Mục trong văn bản, ví dụ II.1.đ."),
    (
        "Trích dẫn",
        "quote",
        50,
        "Không bắt buộc, cần có Nguồn. Câu trích nguyên văn từ văn bản làm căn cứ.",
    ),
]
HEADERS = [header for header, *_ in COLUMNS]
REQUIRED = ("text", "A", "B", "answer")
DIFFICULTY_WORDS = {"dễ": 1, "trung bình": 2, "khó": 3}
EXAMPLE = new_question(
    "Nghị định số 118/2025/NĐ-CP của Chính phủ quy định về nội dung nào?",
    [
        "Tinh giản biên chế trong hệ thống chính trị",
        "Thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa liên thông tại Bộ phận Một "
        "cửa và Cổng Dịch vụ công quốc gia",
        "Tổ chức các cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh",
        "Cắt giảm, đơn giản hóa thủ tục hành chính dựa trên dữ liệu",
    ],
    1,
    id="vd-001",
    difficulty=1,
    tags=["general"],
    explanation="Nghị định số 118/2025/NĐ-CP quy định về thực hiện thủ tục hành chính theo cơ "
    "chế một cửa, một cửa liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công quốc gia.",
    source={
        "doc": "000_3471b7d40470b9aa.txt",
        "section": "II.1.đ",
        "quote": "Nghị định số 118/2025/NĐ-CP về thực hiện thủ tục hành chính theo cơ chế một "
        "cửa, một cửa liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công quốc gia",
    },
    area="thu-tuc-hanh-chinh",
)


def _cell_text(value: Any) -> str:
    """A cell as text: Excel stores 2 as 2.0 and may turn "05/6/2025" into a date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return clean_text(str(value))


def _fold(header: object) -> str:
    """A header or a word as compared: case, spacing and Unicode form do not matter."""
    return " ".join(_cell_text(header).split()).casefold()


_FIELD_BY_HEADER = {_fold(header): name for header, name, *_ in COLUMNS}


# ---- reading -------------------------------------------------------------------------------


def parse_xlsx(data: bytes) -> ParseResult:
    """Reads the "Câu hỏi" sheet (or the first one); errors name the row and the column."""
    result = ParseResult()
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not xlsx
        result.error("tệp", "Không đọc được tệp: tệp hỏng hoặc không phải Excel .xlsx")
        return result
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    rows = [
        (number, [_cell_text(v) for v in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1)
    ]
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if not rows:
        result.error("tệp", f"Trang tính '{sheet.title}' không có dữ liệu")
        return result
    start = _header_index(rows)
    header_number, header = rows[start]
    columns = _columns(header, f"hàng {header_number}", result)
    if columns is None:
        return result
    for number, cells in rows[start + 1 :]:
        _parse_row({name: cells[index] for name, index in columns.items()}, number, result)
    return result


def _header_index(rows: list[tuple[int, list[str]]]) -> int:
    """The header is the first row naming "Câu hỏi": a title may stand above it."""
    for index, (_number, cells) in enumerate(rows[:10]):
        if any(_FIELD_BY_HEADER.get(_fold(cell)) == "text" for cell in cells):
            return index
    return 0


def _columns(header: list[str], location: str, result: ParseResult) -> dict[str, int] | None:
    """Field name -> column index, from the header row; None after reporting a problem."""
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _FIELD_BY_HEADER.get(_fold(title))
        if name in columns:
            result.error(location, f"Cột '{title}' xuất hiện hai lần")
        elif name is not None:
            columns[name] = index
    labels = {name: label for label, name, *_ in COLUMNS}
    for name in REQUIRED:
        if name not in columns:
            result.error(location, f"Thiếu cột '{labels[name]}' ở hàng tiêu đề")
    return None if result.errors else columns


def _parse_row(cells: dict[str, str], number: int, result: ParseResult) -> None:
    location = f"hàng {number}"
    problems: list[str] = []
    options = _options(cells, problems)
    answer = _answer(cells.get("answer", ""), problems)
    difficulty = _difficulty(cells.get("difficulty", ""), problems)
    source = _source(cells, problems)
    for problem in problems:
        result.error(location, problem)
    if problems:
        return
    tags = [tag.strip() for tag in cells.get("tags", "").split(",") if tag.strip()]
    question = new_question(
        cells["text"],
        options,
        answer,
        id=cells.get("id") or None,
        difficulty=difficulty,
        tags=tags,
        explanation=cells.get("explanation", ""),
        source=source,
        area=slugify(cells.get("area", "")) or None,
    )
    result.accept(question, location)


def _options(cells: dict[str, str], problems: list[str]) -> list[str]:
    values = [cells.get(ch, "") for ch in LETTERS]
    while values and not values[-1]:
        values.pop()
    for index, value in enumerate(values):
        if not value:
            problems.append(f"Cột 'Phương án {letter(index)}' để trống nhưng có phương án sau nó")
    return values


def _answer(value: str, problems: list[str]) -> int:
    choice = value.strip().upper()
    if len(choice) != 1 or choice not in LETTERS:
        shown = f"'{value}'" if value else "để trống"
        problems.append(f"Cột 'Đáp án' {shown}: cần một chữ cái từ A đến F")
        return 0
    return LETTERS.index(choice)


def _difficulty(value: str, problems: list[str]) -> int:
    if not value:
        return DEFAULT_DIFFICULTY
    word = DIFFICULTY_WORDS.get(_fold(value))
    if word is not None:
        return word
    try:
        number = float(value)
    except ValueError:
        number = 0
    if number in (1, 2, 3):
        return int(number)
    problems.append(f"Cột 'Mức độ' '{value}': cần 1, 2, 3 hoặc Dễ, Trung bình, Khó")
    return DEFAULT_DIFFICULTY


def _source(cells: dict[str, str], problems: list[str]) -> dict[str, str] | None:
    doc, section, quote = (cells.get(name, "") for name in ("doc", "section", "quote"))
    if not doc:
        if section or quote:
            # Without its document a section or a quote would be lost silently.
            problems.append("Cột 'Nguồn' để trống trong khi có 'Mục' hoặc 'Trích dẫn'")
        return None
    return {"doc": doc, "section": section, "quote": quote}


# ---- writing -------------------------------------------------------------------------------


def write_xlsx(questions: list[dict]) -> bytes:
    """A workbook with the sheet "Câu hỏi", one question per row."""
    return _save(_workbook(questions))


def template_xlsx() -> bytes:
    """An empty-to-fill workbook: headers, one example row and a sheet explaining each column."""
    workbook = _workbook([EXAMPLE])
    _add_validation(workbook[SHEET])
    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append(["Cột", "Cách ghi"])
    for header, _name, _width, help_text in COLUMNS:
        guide.append([header, help_text])
    guide.append([])
    guide.append(
        [
            "Lưu ý",
            "Mỗi hàng là một câu hỏi; hàng trống được bỏ qua. Xóa hàng ví dụ "
            "trước khi nhập. Có thể bỏ các cột không bắt buộc.",
        ]
    )
    for cell in guide[1]:
        cell.font = Font(bold=True)
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 100
    return _save(workbook)


def _workbook(questions: list[dict]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    for column, (header, _name, width, _help) in enumerate(COLUMNS, 1):
        cell = sheet.cell(1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="DDEBF7")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, question in enumerate(questions, 2):
        for column, value in enumerate(_row(question), 1):
            _put(sheet, row, column, value).alignment = wrap
    return workbook


def _row(question: dict) -> list[str | int | None]:
    options = list(question["options"]) + [""] * (len(LETTERS) - len(question["options"]))
    source = question.get("source") or {}
    return [
        question.get("id"),
        question["text"],
        *options,
        letter(question["answer"]),
        question.get("area"),
        question.get("difficulty", DEFAULT_DIFFICULTY),
        ", ".join(question.get("tags") or []),
        question.get("explanation", ""),
        source.get("doc"),
        source.get("section"),
        source.get("quote"),
    ]


def _put(sheet: Worksheet, row: int, column: int, value: str | int | None) -> Any:
    cell = sheet.cell(row, column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
    cell.value = value
    if isinstance(value, str):
        # openpyxl would store "=…" as a formula; a question text is never one.
        cell.data_type = "s"
    return cell


def _add_validation(sheet: Worksheet) -> None:
    """Drop-down lists for the two coded columns, so that typing mistakes show at once."""
    for header, choices in (("Đáp án", "A,B,C,D,E,F"), ("Mức độ", "1,2,3,Dễ,Trung bình,Khó")):
        column = get_column_letter(HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.add(f"{column}2:{column}1000")
        sheet.add_data_validation(validation)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
