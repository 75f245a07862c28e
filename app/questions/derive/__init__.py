"""Draft questions derived from a plan's text: the documents it cites and the tasks it assigns.

Pure functions over the text of one plan (`questions/sources/*.txt`). Every proposal is a draft
(`status: draft`) that an organiser reviews before it can enter a contest, so the rule here is
to say only what the plan says: each draft quotes the span it was read from, and what cannot be
read reliably (garbled OCR prose, ambiguous nesting) is left out rather than guessed.

Matching runs on a *folded* copy of the text (no diacritics, đ -> d, same length as the text), so
one pattern reads both clean text and OCR text whose diacritics were lost ("Nghi dinh s6").
"""

from __future__ import annotations

from app.questions.derive.drafts import COMMON_ISSUERS, DOCUMENT_AREA, date_distractors
from app.questions.derive.plan import derive_questions
from app.questions.derive.references import MAX_CLAUSE, DocumentRef, find_document_refs
from app.questions.derive.tasks import INDEX_AREA, TASK_AREA, plan_label
from app.questions.derive.text import is_clean_text, normalize_number

__all__ = [
    "COMMON_ISSUERS",
    "DOCUMENT_AREA",
    "INDEX_AREA",
    "MAX_CLAUSE",
    "TASK_AREA",
    "DocumentRef",
    "date_distractors",
    "derive_questions",
    "find_document_refs",
    "is_clean_text",
    "normalize_number",
    "plan_label",
]
