"""Draft questions read from the plans: the references found and the drafts proposed."""

from __future__ import annotations

import json
import unicodedata

import jsonschema
import pytest

from app.questions.derive import (
    DocumentRef,
    date_distractors,
    derive_questions,
    find_document_refs,
    normalize_number,
)
from app.questions.validation import (
    SCHEMA_PATH,
    SOURCES_DIR,
    collapse_whitespace,
    duplicate_key,
    question_problems,
)

SEEDS = sorted(path.name for path in SOURCES_DIR.glob("*.txt"))
KINDS = {
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Chỉ thị",
    "Thông tư",
    "Thông báo",
    "Kế hoạch",
    "Kết luận",
    "Hướng dẫn",
    "Công văn",
    "Văn bản",
    "Luật",
    "Đề án",
}

# Read by hand from each plan: every document cited by number, with its date when given.
NUMBERED_000 = {
    ("Nghị quyết", "76/NQ-CP", "15/7/2021"),
    ("Văn bản", "48/CV-BCĐTKNQ18", "03/5/2025"),
    ("Nghị quyết", "18-NQ/TW", None),
    ("Quyết định", "1588/QĐ-TTg", "17/12/2024"),
    ("Nghị định", "118/2025/NĐ-CP", None),
    ("Quyết định", "539/QĐ-UBND", "05/6/2025"),
    ("Kế hoạch", "148/KH-UBND", "03/12/2025"),
    ("Đề án", "06", None),
}
LAWS_000 = {"Tổ chức Chính phủ", "Tổ chức chính quyền địa phương", "Phổ biến, giáo dục pháp luật"}
NUMBERED_001 = {
    ("Kế hoạch", "49/KH-UBND", "11/02/2026"),
    ("Văn bản", "48/CV-BCĐTKNQ18", "03/5/2025"),
    ("Nghị quyết", "18-NQ/TW", None),
    ("Quyết định", "1588/QĐ-TTg", "17/12/2024"),
    ("Nghị định", "118/2025/NĐ-CP", None),
    ("Quyết định", "539/QĐ-UBND", "05/6/2025"),
    ("Kế hoạch", "148/KH-UBND", "03/12/2025"),
}
NUMBERED_002 = {
    ("Nghị quyết", "76/NQ-CP", "15/7/2021"),
    ("Quyết định", "282/QĐ-TTg", "12/02/2026"),
    ("Chỉ thị", "23/CT-TTg", "02/9/2021"),
    ("Kế hoạch", "4110/KH-UBND", "31/12/2025"),
    ("Nghị định", "118/2025/NĐ-CP", "09/6/2025"),
    ("Nghị định", "367/2025/NĐ-CP", "31/12/2025"),
    ("Nghị quyết", "66.7/2025/NQ-CP", "15/11/2025"),
    ("Nghị quyết", "57-NQ/TW", "22/12/2024"),
}
LAWS_002 = {"Phổ biến, giáo dục pháp luật"}
NUMBERED_004 = {
    ("Kế hoạch", "36/KH-UBND", "03/02/2026"),
    ("Kế hoạch", "167/KH-UBND", "17/12/2025"),
}
# The OCR plan, as a reader restores it: Đ back in NĐ/QĐ/BCĐ, "QHIS5" read as QH15.
NUMBERED_003 = {
    ("Kế hoạch", "21/KH-UBND", "04/8/2025"),
    ("Nghị quyết", "76/NQ-CP", "15/7/2021"),
    ("Kế hoạch", "08/KH-UBND", "19/7/2025"),
    ("Nghị quyết", "202/2025/QH15", None),
    ("Nghị định", "150/2025/NĐ-CP", None),
    ("Nghị quyết", "1674/NQ-UBTVQH15", "16/6/2025"),
    ("Nghị định", "154/2025/NĐ-CP", "15/6/2025"),
    ("Nghị định", "178/2024/NĐ-CP", "31/12/2024"),
    ("Nghị định", "67/2025/NĐ-CP", "15/3/2025"),
    ("Quyết định", "1588/QĐ-TTg", "17/12/2024"),
    ("Nghị định", "118/2025/NĐ-CP", None),
    ("Quyết định", "539/QĐ-UBND", "05/6/2025"),
    ("Luật", "80/2025/QH15", "24/6/2025"),
    ("Nghị định", "06/2023/NĐ-CP", "21/02/2023"),
    ("Nghị định", "73/2023/NĐ-CP", "29/9/2023"),
    ("Nghị định", "170/2025/NĐ-CP", "30/6/2025"),
    ("Nghị định", "171/2025/NĐ-CP", "30/6/2025"),
    ("Nghị định", "172/2025/NĐ-CP", "30/6/2025"),
    ("Nghị định", "173/2025/NĐ-CP", "30/6/2025"),
    ("Quyết định", "899/QĐ-TTg", "31/7/2023"),
    ("Nghị định", "179/2024/NĐ-CP", "31/12/2024"),
    ("Văn bản", "48/CV-BCĐTKNQ18", "03/5/2025"),
    ("Nghị quyết", "18-NQ/TW", None),
    ("Nghị quyết", "57-NQ/TW", "22/12/2024"),
    ("Nghị quyết", "71/NQ-CP", None),
    ("Quyết định", "942/QĐ-TTg", "15/6/2021"),
    ("Chỉ thị", "02/CT-TTg", "26/4/2022"),
    ("Quyết định", "749/QĐ-TTg", "03/6/2020"),
    ("Quyết định", "06/QĐ-TTg", "06/01/2022"),
}


def seed_text(doc: str) -> str:
    return (SOURCES_DIR / doc).read_text(encoding="utf-8")


def refs_of(doc: str) -> list[DocumentRef]:
    return find_document_refs(seed_text(doc))


def numbered(refs: list[DocumentRef]) -> set[tuple[str, str, str | None]]:
    return {(r.kind, r.number, r.date) for r in refs if r.number}


def ref(doc: str, number: str) -> DocumentRef:
    return next(r for r in refs_of(doc) if r.number == number)


# --- references -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("000_3471b7d40470b9aa.txt", NUMBERED_000),
        ("001_43ad8651336d771f.txt", NUMBERED_001),
        ("002_5c11de3e6bc9dfdb.txt", NUMBERED_002),
        ("004_e7bc9c1e349d2ec2.txt", NUMBERED_004),
    ],
)
def test_every_numbered_reference_is_found_and_nothing_else(doc: str, expected: set) -> None:
    assert numbered(refs_of(doc)) == expected


@pytest.mark.parametrize(
    ("doc", "expected"),
    [("000_3471b7d40470b9aa.txt", LAWS_000), ("002_5c11de3e6bc9dfdb.txt", LAWS_002)],
)
def test_laws_named_without_number_are_found_by_name(doc: str, expected: set[str]) -> None:
    laws = {r.name for r in refs_of(doc) if r.kind == "Luật" and not r.number}
    assert laws == expected


def test_a_law_is_titled_by_its_name() -> None:
    law = next(r for r in refs_of("000_3471b7d40470b9aa.txt") if r.name == "Tổ chức Chính phủ")
    assert law.title == "Luật Tổ chức Chính phủ"


def test_ocr_plan_references_are_restored_to_correct_vietnamese() -> None:
    refs = refs_of("003_f5d58bbc7fe86468.txt")
    assert NUMBERED_003 <= numbered(refs)
    assert {r.kind for r in refs} <= KINDS
    for found in refs:
        assert found.title == unicodedata.normalize("NFC", found.title)
        assert not any(code in (found.number or "") for code in ("ND-", "QD-", "NB-", "BCD"))


def test_ocr_plan_names_its_laws_correctly() -> None:
    laws = {r.title for r in refs_of("003_f5d58bbc7fe86468.txt") if r.kind == "Luật"}
    assert laws == {
        "Luật Tổ chức Chính phủ",
        "Luật Tổ chức chính quyền địa phương",
        "Luật Cán bộ, công chức số 80/2025/QH15",
    }


def test_ocr_plan_reads_issuers_and_long_dates() -> None:
    doc = "003_f5d58bbc7fe86468.txt"
    assert ref(doc, "21/KH-UBND").issuer == "UBND tỉnh Ninh Bình"
    assert ref(doc, "942/QĐ-TTg").issuer == "Thủ tướng Chính phủ"
    assert ref(doc, "57-NQ/TW").issuer == "Bộ Chính trị"
    assert ref(doc, "202/2025/QH15").issuer == "Quốc hội"


def test_ocr_prose_is_never_taken_as_a_subject() -> None:
    assert all(r.subject is None for r in refs_of("003_f5d58bbc7fe86468.txt"))


def test_issuer_and_subject_are_read_up_to_the_end_of_the_clause() -> None:
    resolution = ref("000_3471b7d40470b9aa.txt", "76/NQ-CP")
    assert resolution.issuer == "Chính phủ"
    assert resolution.subject == (
        "ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030"
    )
    assert ref("002_5c11de3e6bc9dfdb.txt", "66.7/2025/NQ-CP").subject == (
        "quy định cắt giảm, đơn giản hóa thủ tục hành chính dựa trên dữ liệu"
    )
    assert ref("002_5c11de3e6bc9dfdb.txt", "4110/KH-UBND").subject == (
        "về CCHC tỉnh Cao Bằng năm 2026"
    )


def test_a_reference_nested_in_another_does_not_take_its_issuer() -> None:
    # "… Nghị quyết số 18-NQ/TW của Chính phủ": the Government is the steering committee's.
    nested = ref("000_3471b7d40470b9aa.txt", "18-NQ/TW")
    assert nested.issuer is None and nested.subject is None


def test_references_know_their_section() -> None:
    assert ref("000_3471b7d40470b9aa.txt", "76/NQ-CP").section == "Mở đầu"
    assert ref("000_3471b7d40470b9aa.txt", "48/CV-BCĐTKNQ18").section == "II.1.c"
    assert ref("000_3471b7d40470b9aa.txt", "1588/QĐ-TTg").section == "II.1.đ"
    assert ref("002_5c11de3e6bc9dfdb.txt", "118/2025/NĐ-CP").section == "II.1.e"
    assert ref("004_e7bc9c1e349d2ec2.txt", "167/KH-UBND").section == "I.2"


def test_the_most_complete_citation_of_a_document_is_kept() -> None:
    decree = ref("002_5c11de3e6bc9dfdb.txt", "118/2025/NĐ-CP")
    assert (decree.date, decree.issuer) == ("09/6/2025", "Chính phủ")


@pytest.mark.parametrize("doc", SEEDS)
def test_every_quote_is_found_in_the_plan(doc: str) -> None:
    plan = collapse_whitespace(seed_text(doc))
    for found in refs_of(doc):
        assert collapse_whitespace(found.quote) in plan


def test_symbols_are_normalised() -> None:
    assert normalize_number("1674/NQ- -UBTVQHI5") == "1674/NQ-UBTVQH15"
    assert normalize_number("73/2023/NB-CP") == "73/2023/NĐ-CP"
    assert normalize_number("48/CV-\nBCDTKNQI18") == "48/CV-BCĐTKNQ18"
    assert normalize_number("202/2025/QHIS5") == "202/2025/QH15"


# --- drafts -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drafts() -> dict[str, list[dict]]:
    return {doc: derive_questions(seed_text(doc), doc, id_prefix="draft") for doc in SEEDS}


@pytest.mark.parametrize("doc", SEEDS)
def test_every_seed_yields_drafts(drafts: dict[str, list[dict]], doc: str) -> None:
    assert len(drafts[doc]) >= 5


@pytest.mark.parametrize("doc", SEEDS)
def test_drafts_are_valid_bank_questions(drafts: dict[str, list[dict]], doc: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    questions = [{k: v for k, v in q.items() if k != "area"} for q in drafts[doc]]
    jsonschema.validate({"area": "van-ban-nguon", "title": "Nháp", "questions": questions}, schema)
    for question in questions:
        assert question["status"] == "draft"
        assert len(question["options"]) == 4
        assert len({duplicate_key(o) for o in question["options"]}) == 4
        assert 0 <= question["answer"] < 4
        assert question_problems(doc, question) == []
        for text in [question["text"], *question["options"]]:
            assert text == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("doc", SEEDS)
def test_drafts_have_unique_ids_and_texts(drafts: dict[str, list[dict]], doc: str) -> None:
    assert len({q["id"] for q in drafts[doc]}) == len(drafts[doc])
    assert len({duplicate_key(q["text"]) for q in drafts[doc]}) == len(drafts[doc])


@pytest.mark.parametrize("doc", SEEDS)
def test_document_drafts_key_what_the_reference_says(
    drafts: dict[str, list[dict]], doc: str
) -> None:
    by_quote = {r.quote: r for r in refs_of(doc)}
    for question in (q for q in drafts[doc] if q["area"] == "van-ban-nguon"):
        found = by_quote[question["source"]["quote"]]
        keyed = question["options"][question["answer"]]
        assert question["source"]["section"] == found.section
        if question["text"].endswith("ngày nào?"):
            assert keyed == f"Ngày {found.date}"
        elif question["text"].endswith("do cơ quan nào ban hành?"):
            assert keyed == found.issuer
        else:
            assert question["text"].startswith("Văn bản nào")
            assert keyed in (found.title, f"{found.title} ngày {found.date}")


@pytest.mark.parametrize("doc", SEEDS)
def test_task_drafts_key_the_body_whose_heading_is_above(
    drafts: dict[str, list[dict]], doc: str
) -> None:
    text = unicodedata.normalize("NFC", seed_text(doc))
    for question in (q for q in drafts[doc] if q["area"] == "thong-tin-tuyen-truyen"):
        at = text.index(question["source"]["quote"])
        closest = max(question["options"], key=lambda option: text.rfind(option, 0, at))
        assert closest == question["options"][question["answer"]]


def test_the_contest_task_belongs_to_the_home_affairs_department(
    drafts: dict[str, list[dict]],
) -> None:
    question = next(
        q for q in drafts["000_3471b7d40470b9aa.txt"] if "tổ chức Cuộc thi" in q["text"]
    )
    assert question["options"][question["answer"]] == "Sở Nội vụ"
    assert question["source"]["section"] == "IV.2.b"


def test_index_drafts_key_the_name_given_with_the_abbreviation(
    drafts: dict[str, list[dict]],
) -> None:
    questions = [q for q in drafts["000_3471b7d40470b9aa.txt"] if "ký hiệu" in q["text"]]
    keyed = {q["text"].split("“")[1].rstrip("”?"): q["options"][q["answer"]] for q in questions}
    assert keyed["PCI"] == "Chỉ số năng lực cạnh tranh cấp tỉnh"
    assert keyed["PAR INDEX"] == "Chỉ số cải cách hành chính"


def test_ocr_plan_drafts_ask_only_about_dates_issuers_and_numbers(
    drafts: dict[str, list[dict]],
) -> None:
    assert {q["area"] for q in drafts["003_f5d58bbc7fe86468.txt"]} == {"van-ban-nguon"}


def test_answer_positions_vary(drafts: dict[str, list[dict]]) -> None:
    positions = {q["answer"] for questions in drafts.values() for q in questions}
    assert positions == {0, 1, 2, 3}


def test_drafts_are_the_same_on_every_run(drafts: dict[str, list[dict]]) -> None:
    doc = "002_5c11de3e6bc9dfdb.txt"
    assert derive_questions(seed_text(doc), doc, id_prefix="draft") == drafts[doc]


def test_a_date_never_shared_by_two_cited_documents_is_asked_the_other_way_round(
    drafts: dict[str, list[dict]],
) -> None:
    # Nghị định 170 to 173 all bear 30/6/2025: "which one was issued that day?" has no answer.
    texts = [q["text"] for q in drafts["003_f5d58bbc7fe86468.txt"]]
    assert not any("ban hành ngày 30/6/2025?" in text for text in texts)


def test_drafts_work_without_other_plans() -> None:
    doc = "002_5c11de3e6bc9dfdb.txt"
    questions = derive_questions(seed_text(doc), doc, others=[])
    assert questions and all(len(set(q["options"])) == 4 for q in questions)


@pytest.mark.parametrize("written", ["15/7/2021", "31/12/2025", "29/02/2024", "01/1/2020"])
def test_date_distractors_are_valid_and_different(written: str) -> None:
    dates = date_distractors(written, salt=written)
    assert len(set(dates)) == 3 and written not in dates
    for date in dates:
        day, month, year = (int(part) for part in date.split("/"))
        assert 1 <= month <= 12 and 1 <= day <= 31 and year > 2000
    # Each option differs from the others in the same way, so none stands out.
    parts = [written.split("/"), *(d.split("/") for d in dates)]
    shared = [sum(a == b for other in parts for a, b in zip(p, other, strict=True)) for p in parts]
    assert len(set(shared)) == 1
