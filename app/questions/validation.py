"""Validation of the question bank in `questions/`: pure functions over parsed YAML."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import yaml

BANK_DIR = Path(__file__).resolve().parents[2] / "questions"
SOURCES_DIR = BANK_DIR / "sources"
SCHEMA_PATH = BANK_DIR / "schema.json"

# Answer positions may drift this far from an even share before the bank is called unbalanced.
POSITION_TOLERANCE = 0.08


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the bank, named by file and question id."""

    file: str
    question_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.question_id}: {self.message}"


def collapse_whitespace(text: str) -> str:
    """NFC text with every run of whitespace folded to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def duplicate_key(text: str) -> str:
    """The form under which two question texts count as the same question."""
    folded = collapse_whitespace(text).casefold()
    return re.sub(r"[^\w ]", "", folded)


@cache
def source_text(doc: str) -> str:
    """The cited plan with whitespace folded, so that quotes may wrap differently."""
    return collapse_whitespace((SOURCES_DIR / doc).read_text(encoding="utf-8"))


@cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_problems(file: str, document: object) -> list[Problem]:
    """Every JSON Schema violation in one area file."""
    problems = []
    for error in _schema_validator().iter_errors(document):
        path = list(error.absolute_path)
        where = "/".join(str(part) for part in path) or "(tệp)"
        if len(path) >= 2 and path[0] == "questions" and isinstance(document, dict):
            question = document["questions"][path[1]]
            qid = question.get("id", f"#{path[1] + 1}") if isinstance(question, dict) else ""
            where = "/".join([str(qid), *(str(part) for part in path[2:])])
        problems.append(Problem(file, where, error.message))
    return problems


def question_problems(file: str, question: dict) -> list[Problem]:
    """Problems of one schema-valid question, on its own."""
    qid, options = question["id"], question["options"]

    def problem(message: str) -> Problem:
        return Problem(file, qid, message)

    problems = []
    for field in ("text", "explanation"):
        if question[field] != unicodedata.normalize("NFC", question[field]):
            problems.append(problem(f"'{field}' is not Unicode NFC"))
    if len({duplicate_key(option) for option in options}) != len(options):
        problems.append(problem("options are not distinct"))
    if question["answer"] >= len(options):
        problems.append(
            problem(f"answer {question['answer']} is not one of {len(options)} options")
        )
    if any(re.search(r"tất cả (các )?(đáp án|phương án|ý) trên", o, re.I) for o in options):
        problems.append(problem("'all of the above' options are not allowed"))
    source = question["source"]
    if collapse_whitespace(source["quote"]) not in source_text(source["doc"]):
        problems.append(problem(f"quote not found in {source['doc']}"))
    return problems


def bank_problems(areas: dict[str, dict]) -> list[Problem]:
    """Problems across the whole bank: ids, duplicates, answer positions."""
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    seen_texts: dict[str, str] = {}
    for file, document in areas.items():
        expected_area = Path(file).stem
        if document["area"] != expected_area:
            problems.append(
                Problem(file, "area", f"area must equal the file name '{expected_area}'")
            )
        for question in document["questions"]:
            qid = question["id"]
            if qid in seen_ids:
                problems.append(Problem(file, qid, f"id already used in {seen_ids[qid]}"))
            seen_ids[qid] = file
            key = duplicate_key(question["text"])
            if key in seen_texts:
                problems.append(Problem(file, qid, f"same question as {seen_texts[key]}"))
            seen_texts[key] = qid
    problems += position_problems([q for document in areas.values() for q in document["questions"]])
    return problems


def position_problems(questions: list[dict]) -> list[Problem]:
    """Right answers must spread evenly over positions, per option count."""
    problems = []
    by_width: dict[int, Counter[int]] = {}
    for question in questions:
        by_width.setdefault(len(question["options"]), Counter())[question["answer"]] += 1
    for width, counts in sorted(by_width.items()):
        total = sum(counts.values())
        if total < 4 * width:
            continue  # too few questions of this width to judge balance
        for position in range(width):
            share = counts[position] / total
            if abs(share - 1 / width) > POSITION_TOLERANCE:
                problems.append(
                    Problem(
                        "(ngân hàng)",
                        f"{width} phương án",
                        f"answer position {position} holds {share:.0%} of answers "
                        f"(expected about {1 / width:.0%})",
                    )
                )
    return problems


def load_area_files(directory: Path = BANK_DIR) -> dict[str, object]:
    """Every area file of the bank, parsed, keyed by file name."""
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.yaml"))
    }


def check_bank(directory: Path = BANK_DIR) -> list[Problem]:
    """All problems of the bank in `directory`; an empty list means it is valid."""
    documents = load_area_files(directory)
    problems = []
    valid: dict[str, dict] = {}
    for file, document in documents.items():
        found = schema_problems(file, document)
        problems += found
        if found:
            continue
        assert isinstance(document, dict)
        valid[file] = document
        for question in document["questions"]:
            problems += question_problems(file, question)
    problems += bank_problems(valid)
    return problems
