"""Import and export of question banks: GIFT, Aiken, Excel and the bank's own YAML."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.questions.formats import FORMATS, detect_format, parse_file, write
from app.questions.formats.aiken import parse_aiken
from app.questions.formats.common import check_question, new_question, slugify
from app.questions.formats.gift import parse_gift, write_gift
from app.questions.formats.xlsx import HEADERS, parse_xlsx, template_xlsx, write_xlsx
from app.questions.formats.yaml_bank import parse_yaml, write_yaml
from app.questions.validation import BANK_DIR, load_area_files


def question(**changes: object) -> dict:
    base = new_question(
        "Bộ phận Một cửa cấp xã tiếp nhận hồ sơ gì?",
        ["Hồ sơ thủ tục hành chính", "Đơn thư khiếu nại", "Hồ sơ tuyển dụng"],
        0,
        id="tthc-900",
        explanation="Bộ phận Một cửa tiếp nhận hồ sơ thủ tục hành chính.",
        area="thu-tuc-hanh-chinh",
    )
    return {**base, **changes}


def bank_questions() -> list[dict]:
    """Every question of the real bank, each with the area of its file."""
    documents: dict[str, dict] = load_area_files()  # type: ignore[assignment]
    return [
        {**item, "area": Path(file).stem}
        for file, document in documents.items()
        for item in document["questions"]
    ]


def sheet_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def locations(issues: list) -> list[str]:
    return [issue.location for issue in issues]


# ---- common ---------------------------------------------------------------------------------


def test_slugify_drops_diacritics_and_joins_words_with_hyphens():
    assert slugify("Cải cách thủ tục hành chính") == "cai-cach-thu-tuc-hanh-chinh"
    assert slugify("  Đắk Lắk / Điện Biên ") == "dak-lak-dien-bien"
    assert slugify("thu-tuc-hanh-chinh") == "thu-tuc-hanh-chinh"


def test_a_well_formed_question_has_no_problems():
    assert check_question(question()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"text": "  "}, "Nội dung câu hỏi để trống"),
        ({"options": ["Một"]}, "Cần từ 2 đến 6 phương án (đang có 1)"),
        ({"options": list("abcdefg")}, "Cần từ 2 đến 6 phương án (đang có 7)"),
        ({"answer": 3}, "Đáp án D không ứng với phương án nào (có 3)"),
        ({"difficulty": 4}, "Mức độ phải là 1, 2 hoặc 3 (đang là '4')"),
        ({"area": "Thủ tục"}, "Lĩnh vực 'Thủ tục' không phải mã hợp lệ"),
    ],
)
def test_check_question_names_each_problem(changes, expected):
    problems = check_question(question(**changes))
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_options_differing_only_in_case_spaces_or_unicode_form_are_duplicates():
    decomposed = unicodedata.normalize("NFD", "Hồ sơ")
    problems = check_question(question(options=["Hồ sơ", f" {decomposed.upper()}  ", "Khác"]))
    assert problems == ["Phương án A và B trùng nhau"]


# ---- GIFT -----------------------------------------------------------------------------------

GIFT = r"""// Ngân hàng mẫu
$CATEGORY: $course$/top/Thủ tục hành chính

::tthc-001:: [html]Nghị định số 118/2025/NĐ-CP quy định về
nội dung nào? {
    =Cơ chế một cửa, một cửa liên thông #Đúng
    ~Tinh giản biên chế
    ~Tổ chức bộ máy
    ####Nghị định số 118/2025/NĐ-CP quy định về cơ chế một cửa.
}

::Câu hai:: Dịch vụ công trực tuyến toàn trình là gì? {~Nộp hồ sơ giấy =Thực hiện toàn bộ trên
mạng ~Chỉ tra cứu thông tin}
"""


def test_gift_multiple_choice_is_imported_with_area_id_and_explanation():
    result = parse_gift(GIFT)
    assert result.errors == [] and result.skipped == []
    first, second = result.questions
    assert first == new_question(
        "Nghị định số 118/2025/NĐ-CP quy định về nội dung nào?",
        ["Cơ chế một cửa, một cửa liên thông", "Tinh giản biên chế", "Tổ chức bộ máy"],
        0,
        id="tthc-001",
        explanation="Nghị định số 118/2025/NĐ-CP quy định về cơ chế một cửa.",
        area="thu-tuc-hanh-chinh",
    )
    assert second["id"] is None  # a title that is not an id is dropped
    assert second["options"][1] == "Thực hiện toàn bộ trên mạng"
    assert second["answer"] == 1


def test_gift_escapes_are_decoded_on_parse():
    text = r"Tỷ lệ 1\:2 \{x\} \= y\~z \#1 dòng\nmới \\ hết {=a\=b ~c\}d ####giải\: thích}"
    [parsed] = parse_gift(text).questions
    assert parsed["text"] == "Tỷ lệ 1:2 {x} = y~z #1 dòng\nmới \\ hết"
    assert parsed["options"] == ["a=b", "c}d"]
    assert parsed["explanation"] == "giải: thích"


def test_gift_escapes_are_encoded_on_write():
    special = question(
        text="Tỷ lệ 1:2 {x} = y~z #1\nmới \\ hết",
        options=["a=b", "c}d", "~e"],
        explanation="giải: thích",
    )
    written = write_gift([special])
    assert r"Tỷ lệ 1\:2 \{x\} \= y\~z \#1\nmới \\ hết {" in written
    assert "\t=a\\=b\n\t~c\\}d\n\t~\\~e\n\t####giải\\: thích\n}" in written
    assert parse_gift(written).questions == [special]


def test_gift_write_puts_a_category_before_each_run_of_an_area():
    questions = [
        question(id="a-001"),
        question(id="a-002", text="Câu hỏi thứ hai?"),
        question(id="b-001", text="Câu hỏi thứ ba?", area="to-chuc-bo-may"),
    ]
    written = write_gift(questions)
    assert written.count("$CATEGORY:") == 2
    assert written.index("$CATEGORY: to-chuc-bo-may") > written.index("::a-002::")


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("{T}", "đúng/sai"),
        ("{FALSE #Sai rồi}", "đúng/sai"),
        ("{=Hà Nội =Thủ đô}", "trả lời ngắn"),
        ("{=Một -> 1 =Hai -> 2 =Ba -> 3}", "ghép đôi"),
        ("{#2025:0}", "dạng số"),
        ("{}", "tự luận"),
        ("{~%50%Một ~%50%Hai ~%-100%Ba}", "trọng số"),
        ("{=Một ~Hai} là đúng.", "điền từ"),
        ("{=Một =Hai ~Ba}", "nhiều đáp án đúng"),
    ],
    ids=[
        "true-false",
        "true-false-word",
        "short-answer",
        "matching",
        "numerical",
        "essay",
        "weighted",
        "missing-word",
        "several-right",
    ],
)
def test_gift_other_question_types_are_skipped_with_their_line(body, kind):
    text = f"// mở đầu\n\n::x::Câu hỏi đúng {{=Một ~Hai}}\n\n::y::Câu hỏi\nkhác {body}\n"
    result = parse_gift(text)
    assert result.errors == []
    assert len(result.questions) == 1
    [skipped] = result.skipped
    assert skipped.location == "dòng 5"
    assert kind in skipped.message


def test_gift_true_false_is_skipped_with_its_line():
    result = parse_gift("Thủ đô là Hà Nội. {TRUE}\n\n\nĐúng không? {F}")
    assert [(i.location, "đúng/sai" in i.message) for i in result.skipped] == [
        ("dòng 1", True),
        ("dòng 4", True),
    ]


def test_gift_unclosed_brace_is_an_error_with_its_line():
    result = parse_gift("Câu một {=a ~b}\n\nCâu hai\nvẫn là câu hai {=a\n~b\n\nCâu ba {=a ~b}")
    assert locations(result.errors) == ["dòng 4"]
    assert "'}'" in result.errors[0].message


def test_gift_stray_closing_brace_and_missing_right_answer_are_errors():
    result = parse_gift("Câu } một {=a ~b}\n\nCâu hai {~a ~b}\n\n::t Câu ba {=a ~b}")
    assert locations(result.errors) == ["dòng 1", "dòng 3", "dòng 5"]
    assert "đáp án đúng" in result.errors[1].message


def test_gift_answers_beyond_six_options_are_an_error():
    result = parse_gift("Câu hỏi? {=a ~b ~c ~d ~e ~f ~g}")
    assert result.questions == []
    assert result.errors[0].message == "Cần từ 2 đến 6 phương án (đang có 7)"


def test_gift_duplicate_ids_in_one_file_are_an_error():
    result = parse_gift("::q-001:: Một? {=a ~b}\n\n::q-001:: Hai? {=a ~b}")
    assert locations(result.errors) == ["dòng 3"]
    assert "dòng 1" in result.errors[0].message


# ---- Aiken ----------------------------------------------------------------------------------

AIKEN = """Cơ quan nào tiếp nhận hồ sơ
thủ tục hành chính của người dân?
A. Bộ phận Một cửa
B) Nhà văn hóa
C. Trường học
ANSWER: A

Dịch vụ công trực tuyến được nộp ở đâu?
A. Cổng Dịch vụ công quốc gia
B. Bưu điện
ANSWER: A
"""


def test_aiken_valid_file_is_imported():
    result = parse_aiken(AIKEN)
    assert result.errors == []
    assert [q["text"] for q in result.questions] == [
        "Cơ quan nào tiếp nhận hồ sơ thủ tục hành chính của người dân?",
        "Dịch vụ công trực tuyến được nộp ở đâu?",
    ]
    assert result.questions[0]["options"] == ["Bộ phận Một cửa", "Nhà văn hóa", "Trường học"]
    assert result.questions[0]["answer"] == 0
    assert result.questions[0]["difficulty"] == 1


def test_aiken_text_is_nfc_normalised():
    [parsed] = parse_aiken(unicodedata.normalize("NFD", AIKEN.split("\n\n")[1])).questions
    assert parsed["text"] == "Dịch vụ công trực tuyến được nộp ở đâu?"


def test_aiken_missing_answer_is_an_error_with_its_line():
    result = parse_aiken("Câu một?\nA. x\nB. y\n\nCâu hai?\nA. x\nB. y\nANSWER: B")
    assert locations(result.errors) == ["dòng 1"]
    assert "ANSWER" in result.errors[0].message
    assert len(result.questions) == 1


def test_aiken_answer_letter_must_be_among_the_options():
    result = parse_aiken("Câu một?\nA. x\nB. y\nANSWER: C")
    assert locations(result.errors) == ["dòng 4"]
    assert "A–B" in result.errors[0].message


def test_aiken_needs_at_least_two_options():
    result = parse_aiken("Câu một?\nA. x\nANSWER: A")
    assert locations(result.errors) == ["dòng 1"]


def test_aiken_option_letters_out_of_order_are_an_error():
    result = parse_aiken("Câu một?\nA. x\nC. y\nB. z\nANSWER: A")
    assert locations(result.errors) == ["dòng 3"]
    assert "thứ tự" in result.errors[0].message


# ---- Excel ----------------------------------------------------------------------------------


def test_xlsx_template_has_the_headers_and_its_example_row_parses():
    data = template_xlsx()
    sheet = load_workbook(io.BytesIO(data))["Câu hỏi"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    result = parse_xlsx(data)
    assert result.errors == []
    [example] = result.questions
    assert example["area"] == "thu-tuc-hanh-chinh"
    assert example["source"]["section"] == "II.1.đ"


def test_xlsx_template_explains_every_column():
    guide = load_workbook(io.BytesIO(template_xlsx()))["Hướng dẫn"]
    explained = {row[0].value for row in guide.iter_rows(min_row=2)}
    assert set(HEADERS) <= explained


def test_xlsx_header_is_bold_and_frozen():
    sheet = load_workbook(io.BytesIO(write_xlsx([question()])))["Câu hỏi"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["I2"].value == "A" and sheet["K2"].value == 1


def test_xlsx_columns_are_found_by_name_in_any_order_case_and_spacing():
    data = sheet_bytes(
        [
            ["DANH SÁCH CÂU HỎI"],
            [
                "  đáp ÁN ",
                "Câu hỏi",
                "Phương án A",
                "Phương án B",
                "Phương án C",
                "Phương án D",
                "Lĩnh vực",
                "Mức độ",
                "Giải thích",
                "Nguồn",
                "Ghi chú",
            ],
            ["c", "Ai ký?", "Một", 2025, "Ba", None, "Tổ chức bộ máy", 2.0, "Vì thế.", None, "x"],
            [None] * 11,
            ["A", "Ai duyệt?", "Một", "Hai", None, None, "to-chuc-bo-may", "Khó", None, None, None],
        ]
    )
    result = parse_xlsx(data)
    assert result.errors == []
    first, second = result.questions
    assert first["options"] == ["Một", "2025", "Ba"] and first["answer"] == 2
    assert first["area"] == "to-chuc-bo-may" and first["difficulty"] == 2
    assert first["source"] is None and first["id"] is None
    assert second["difficulty"] == 3 and second["explanation"] == ""


def test_xlsx_bad_cells_are_errors_naming_row_and_column():
    data = sheet_bytes(
        [
            ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Đáp án", "Mức độ"],
            ["Đúng?", "Một", "Hai", None, "A", 1],
            ["Sai đáp án?", "Một", "Hai", None, "G", 1],
            ["Sai mức?", "Một", "Hai", None, "B", "rất khó"],
            ["Thiếu giữa?", "Một", None, "Ba", "A", 1],
        ]
    )
    result = parse_xlsx(data)
    assert [(i.location, i.message.split("'")[1]) for i in result.errors] == [
        ("hàng 3", "Đáp án"),
        ("hàng 4", "Mức độ"),
        ("hàng 5", "Phương án B"),
    ]


def test_xlsx_missing_required_column_is_an_error():
    result = parse_xlsx(sheet_bytes([["Câu hỏi", "Phương án A", "Phương án B"], ["?", "a", "b"]]))
    assert [str(issue) for issue in result.errors] == ["hàng 1: Thiếu cột 'Đáp án' ở hàng tiêu đề"]


def test_xlsx_that_is_not_a_workbook_is_an_error():
    assert locations(parse_xlsx(b"not a workbook").errors) == ["tệp"]


def test_xlsx_text_starting_with_an_equals_sign_stays_text():
    tricky = question(options=["=1+1", "=SUM(A1:A2)", "Ba"])
    assert parse_xlsx(write_xlsx([tricky])).questions == [tricky]


def test_bank_survives_an_xlsx_round_trip():
    bank = bank_questions()
    result = parse_xlsx(write_xlsx(bank))
    assert result.errors == [] and result.skipped == []
    assert result.questions == bank


# ---- YAML -----------------------------------------------------------------------------------


def test_yaml_bank_file_questions_inherit_the_file_area():
    text = (BANK_DIR / "tai-chinh-cong.yaml").read_text(encoding="utf-8")
    result = parse_yaml(text)
    assert result.errors == []
    assert {q["area"] for q in result.questions} == {"tai-chinh-cong"}


def test_yaml_export_of_mixed_areas_keeps_each_question_area():
    bank = bank_questions()
    written = write_yaml(bank)
    assert written.startswith("area: tong-hop\ntitle: Ngân hàng câu hỏi\n")
    assert parse_yaml(written).questions == bank


def test_yaml_export_of_one_area_is_a_bank_file():
    one_area = [q for q in bank_questions() if q["area"] == "to-chuc-bo-may"]
    written = write_yaml(one_area, title="Tổ chức bộ máy")
    assert written.startswith("area: to-chuc-bo-may\ntitle: Tổ chức bộ máy\n")
    assert "\n    area:" not in written
    assert parse_yaml(written).questions == one_area


def test_yaml_syntax_error_names_its_line():
    result = parse_yaml("area: x\nquestions:\n  - text: [chưa đóng\n")
    assert result.questions == [] and len(result.errors) == 1
    assert result.errors[0].location.startswith("dòng ")


def test_yaml_invalid_question_names_the_line_where_it_starts():
    text = (
        "area: x\ntitle: X\nquestions:\n"
        "  - text: Câu đúng?\n    options: [a, b]\n    answer: 0\n"
        "  - text: Câu sai?\n    options: [a, A]\n    answer: 5\n    extra: 1\n"
    )
    result = parse_yaml(text)
    assert set(locations(result.errors)) == {"dòng 7"}
    assert "Khóa không hợp lệ: extra" in [issue.message for issue in result.errors]


# ---- round trips and files ------------------------------------------------------------------


def test_gift_yaml_gift_round_trip_keeps_the_questions():
    def essentials(questions: list[dict]) -> list[tuple]:
        keys = ("text", "options", "answer", "explanation", "area", "id")
        return [tuple(str(q[key]) for key in keys) for q in questions]

    first = parse_gift(GIFT + "\n" + write_gift(bank_questions()[:40]))
    assert first.errors == []
    from_yaml = parse_yaml(write_yaml(first.questions))
    assert from_yaml.errors == []
    again = parse_gift(write_gift(from_yaml.questions))
    assert again.errors == []
    assert essentials(again.questions) == essentials(first.questions)
    assert len(first.questions) == 42


def test_bank_survives_a_gift_round_trip_except_what_gift_cannot_hold():
    bank = bank_questions()
    parsed = parse_gift(write_gift(bank)).questions
    keys = ("id", "text", "options", "answer", "explanation", "area")
    assert [{k: q[k] for k in keys} for q in parsed] == [{k: q[k] for k in keys} for q in bank]


def test_detect_format_by_extension_and_by_content_for_txt(tmp_path):
    gift, aiken = tmp_path / "gift.txt", tmp_path / "aiken.txt"
    gift.write_text("Câu hỏi? {=a ~b}", encoding="utf-8")
    aiken.write_text(AIKEN, encoding="utf-8")
    assert detect_format(Path("bank.XLSX")) == "xlsx"
    assert detect_format(Path("bank.yml")) == "yaml"
    assert detect_format(Path("bank.gift")) == "gift"
    assert (detect_format(gift), detect_format(aiken)) == ("gift", "aiken")


def test_detect_format_refuses_unknown_files_in_vietnamese(tmp_path):
    with pytest.raises(ValueError, match="Không hỗ trợ tệp"):
        detect_format(Path("bank.docx"))
    with pytest.raises(ValueError, match=r"\.xls"):
        detect_format(Path("bank.xls"))
    plain = tmp_path / "note.txt"
    plain.write_text("chỉ là ghi chú", encoding="utf-8")
    with pytest.raises(ValueError, match="Không nhận ra định dạng"):
        detect_format(plain)


def test_parse_file_reads_every_format_written(tmp_path):
    questions = [question(), question(id="tthc-901", text="Câu hỏi khác?")]
    for fmt in ("xlsx", "gift", "yaml"):
        path = tmp_path / f"bank.{fmt}"
        path.write_bytes(write(questions, fmt))
        assert parse_file(path).questions == questions, fmt
    aiken = tmp_path / "bank.txt"
    aiken.write_text(AIKEN, encoding="utf-8")
    assert len(parse_file(aiken).questions) == 2
    assert set(FORMATS) == {"xlsx", "gift", "aiken", "yaml"}


def test_parse_file_reports_a_text_file_not_in_utf8(tmp_path):
    path = tmp_path / "bank.gift"
    path.write_bytes("Câu nào? {=a ~b}".encode("latin-1"))
    assert locations(parse_file(path).errors) == ["tệp"]


def test_gift_html_from_moodle_becomes_plain_text():
    moodle = (
        "::Q1::[html]<p>Thủ tục <b>hành chính</b> &amp; dịch vụ công?</p>"
        "{=<p>Một cửa</p> ~Hai ~Ba ####<p>Vì&nbsp;vậy.</p>}"
    )
    [parsed] = parse_gift(moodle).questions
    assert parsed["text"] == "Thủ tục hành chính & dịch vụ công?"
    assert parsed["options"][0] == "Một cửa"
    assert parsed["explanation"] == "Vì vậy."
