"""The whole plan: its drafts numbered, their options placed, ready to be written out."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

from app.questions.derive.drafts import _answer_position, _document_drafts, _Draft
from app.questions.derive.references import DocumentRef, find_document_refs
from app.questions.derive.sections import _Page
from app.questions.derive.tasks import _index_drafts, _task_drafts, plan_label
from app.questions.validation import SOURCES_DIR


@cache
def _seed_refs() -> dict[str, tuple[DocumentRef, ...]]:
    """The references of every plan in `questions/sources/`, for distractors across plans."""
    return {
        path.name: tuple(find_document_refs(path.read_text(encoding="utf-8")))
        for path in sorted(SOURCES_DIR.glob("*.txt"))
    }


def _finish(draft: _Draft, question_id: str, doc: str) -> dict:
    position = _answer_position(question_id)
    options = list(draft.distractors)
    options.insert(position, draft.answer)

    def nfc(value: str) -> str:
        return unicodedata.normalize("NFC", value)

    return {
        "id": question_id,
        "text": nfc(draft.text),
        "options": [nfc(option) for option in options],
        "answer": position,
        "difficulty": draft.difficulty,
        "tags": ["general"],
        "explanation": nfc(draft.explanation),
        "source": {"doc": doc, "section": draft.section, "quote": nfc(draft.quote)},
        "status": "draft",
        "area": draft.area,
    }


def derive_questions(
    text: str,
    doc: str,
    id_prefix: str = "draft",
    others: Sequence[DocumentRef] | None = None,
) -> list[dict]:
    """Draft questions on the documents a plan cites and the tasks it assigns.

    Distractor documents come from the plan itself, then from `others` (by default the
    references of the other plans in `questions/sources/`).
    """
    page = _Page.read(text)
    plan = find_document_refs(page.text)
    if others is None:
        others = [ref for name, refs in _seed_refs().items() if name != doc for ref in refs]
    drafts = _document_drafts(plan, others)
    label = plan_label(page.text) if page.clean else None
    if label:
        drafts += _task_drafts(page, label) + _index_drafts(page, label)
    return [_finish(d, f"{id_prefix}-{n:03d}", doc) for n, d in enumerate(drafts, start=1)]
