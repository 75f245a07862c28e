"""The shipped question bank meets the contest's bar, and the checker catches what it must."""

import copy
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from app.questions.validation import BANK_DIR, SOURCES_DIR, check_bank, load_area_files

REQUIRED_AREAS = {
    "chu-truong-chinh-sach",
    "cai-cach-the-che",
    "thu-tuc-hanh-chinh",
    "to-chuc-bo-may",
    "che-do-cong-vu",
    "tai-chinh-cong",
    "chinh-quyen-so",
    "chi-so-danh-gia",
    "thong-tin-tuyen-truyen",
}
PLAN_TAGS = {
    "000_3471b7d40470b9aa.txt": "ninh-binh",
    "001_43ad8651336d771f.txt": "xuan-hung",
    "002_5c11de3e6bc9dfdb.txt": "cao-bang",
    "003_f5d58bbc7fe86468.txt": "ninh-binh",
    "004_e7bc9c1e349d2ec2.txt": "bac-ninh",
}


def all_questions():
    return [q for doc in load_area_files().values() for q in doc["questions"]]


def test_the_shipped_bank_passes_every_check():
    assert check_bank() == []


def test_the_five_plans_ship_with_the_project():
    assert sorted(p.name for p in SOURCES_DIR.glob("*.txt")) == sorted(PLAN_TAGS)


def test_at_least_240_questions_and_15_per_required_area():
    areas = load_area_files()
    assert {Path(name).stem for name in areas} >= REQUIRED_AREAS
    assert len(all_questions()) >= 240
    for name, document in areas.items():
        assert len(document["questions"]) >= 15, name


def test_every_plan_is_asked_about_with_its_own_tag():
    questions = all_questions()
    for doc, tag in PLAN_TAGS.items():
        tagged = [q for q in questions if q["source"]["doc"] == doc and tag in q["tags"]]
        assert len(tagged) >= 7, doc


def test_texts_are_nfc_vietnamese_and_answers_spread_over_positions():
    questions = all_questions()
    for q in questions:
        for text in [q["text"], q["explanation"], *q["options"]]:
            assert text == unicodedata.normalize("NFC", text), q["id"]
    positions = Counter(q["answer"] for q in questions if len(q["options"]) == 4)
    total = sum(positions.values())
    assert all(abs(positions[p] / total - 0.25) < 0.05 for p in range(4)), positions


@pytest.fixture
def bank_copy(tmp_path):
    """A writable copy of one area file, to break on purpose."""
    source = BANK_DIR / "thu-tuc-hanh-chinh.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))

    def write(mutate):
        broken = copy.deepcopy(document)
        mutate(broken["questions"])
        path = tmp_path / "thu-tuc-hanh-chinh.yaml"
        path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        return [str(problem) for problem in check_bank(tmp_path)]

    return write


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda qs: qs[0].update(answer=4), "answer 4 is not one of"),
        (lambda qs: qs[0].update(answer=7), "/answer: 7 is greater than the maximum"),
        (lambda qs: qs[0].update(options=["Một", "một ", "Hai"]), "options are not distinct"),
        (lambda qs: qs[0].update(options=["Chỉ một"]), "is too short"),
        (lambda qs: qs[1].update(text=qs[0]["text"].upper() + "  "), "same question as"),
        (lambda qs: qs[1].update(id=qs[0]["id"]), "id already used"),
        (
            lambda qs: qs[0]["source"].update(quote="Câu trích dẫn không có trong kế hoạch nào cả"),
            "quote not found",
        ),
        (lambda qs: qs[0]["source"].update(doc="khong-co.txt"), "is not one of"),
        (
            lambda qs: qs[0].update(text=unicodedata.normalize("NFD", qs[0]["text"])),
            "not Unicode NFC",
        ),
        (
            lambda qs: qs[0].update(options=[*qs[0]["options"][:3], "Tất cả các đáp án trên"]),
            "'all of the above'",
        ),
        (lambda qs: [q.update(answer=0) for q in qs], "answer position 0 holds"),
    ],
)
def test_the_checker_names_file_id_and_problem(bank_copy, mutate, expected):
    problems = bank_copy(mutate)
    matching = [p for p in problems if expected in p]
    assert matching, problems
    assert all(p.startswith(("thu-tuc-hanh-chinh.yaml: tthc-", "(ngân hàng)")) for p in matching)
