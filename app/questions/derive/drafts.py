"""Draft questions on the documents a plan cites, and the distractors they are offered with."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date

from app.questions.derive.references import DocumentRef
from app.questions.validation import duplicate_key

DOCUMENT_AREA = "van-ban-nguon"
# Issuers that make plausible wrong answers whatever the plan cites.
COMMON_ISSUERS = (
    "Chính phủ",
    "Thủ tướng Chính phủ",
    "Bộ Chính trị",
    "Quốc hội",
    "Bộ Nội vụ",
    "UBND tỉnh",
)


@dataclass(frozen=True)
class _Draft:
    """A question before it gets its id and its answer position."""

    text: str
    answer: str
    distractors: tuple[str, ...]
    difficulty: int
    explanation: str
    section: str
    quote: str
    area: str


def _stable_order(items: Iterable[str], salt: str) -> list[str]:
    """A fixed shuffle, so reruns propose the same drafts while answers do not cluster."""
    return sorted(items, key=lambda item: hashlib.sha256(f"{salt}|{item}".encode()).digest())


def _answer_position(question_id: str, width: int = 4) -> int:
    return int.from_bytes(hashlib.sha256(question_id.encode()).digest()[:4], "big") % width


def _distinct(answer: str, candidates: Iterable[str], question: str, count: int = 3) -> list[str]:
    """Up to `count` candidates that differ from the answer, each other and the question."""
    taken = {duplicate_key(answer)}
    picked = []
    for candidate in candidates:
        key = duplicate_key(candidate)
        if key in taken or candidate.casefold() in question.casefold():
            continue
        taken.add(key)
        picked.append(candidate)
        if len(picked) == count:
            break
    return picked


def _format_date(day: int, month: int, year: int, like: str) -> str:
    """A date written the way `like` is: a two-digit day, a zero-padded month only if it was."""
    day_text, month_text, _ = like.split("/")
    day_part = f"{day:02d}" if len(day_text) == 2 else str(day)
    month_part = f"{month:02d}" if month_text.startswith("0") else str(month)
    return f"{day_part}/{month_part}/{year}"


def date_distractors(written: str, salt: str) -> list[str]:
    """Three valid dates that form a 2 × 2 grid with `written` over two of day, month and year.

    In a grid every option differs from two others in one part, so the right date cannot be
    spotted as the one the others were made from.
    """
    parts = [int(part) for part in written.split("/")]
    alternatives = {
        0: [parts[0] + s for s in (-5, 5, -10, 10, -3, 3) if 1 <= parts[0] + s <= 31],
        1: [parts[1] + s for s in (-1, 1, -2, 2) if 1 <= parts[1] + s <= 12],
        2: [parts[2] - 1, parts[2] + 1],
    }
    pairs = [(0, 2), (1, 2), (0, 1)]
    first = _answer_position(salt, len(pairs))
    for a, b in pairs[first:] + pairs[:first]:
        for alt_a in alternatives[a]:
            for alt_b in alternatives[b]:
                grid = []
                for value_a, value_b in ((alt_a, parts[b]), (parts[a], alt_b), (alt_a, alt_b)):
                    date = list(parts)
                    date[a], date[b] = value_a, value_b
                    grid.append(date)
                if all(_valid_date(*date) for date in grid):
                    return [_format_date(*date, like=written) for date in grid]
    return []


def _valid_date(day: int, month: int, year: int) -> bool:
    try:
        Date(year, month, day)
    except ValueError:
        return False
    return True


def _describe(ref: DocumentRef) -> str:
    parts = [ref.title]
    if ref.date:
        parts.append(f"ngày {ref.date}")
    if ref.issuer:
        parts.append(f"của {ref.issuer}")
    if ref.subject:
        parts.append(ref.subject)
    return " ".join(parts)


def _loose_key(ref: DocumentRef) -> tuple[str, str, str]:
    """Two symbols with the same kind, number and year name one document however OCR read it."""
    number = ref.number or ""
    year = re.search(r"/(\d{4})/", number)
    return ref.kind, re.split(r"[-/]", number)[0], year[1] if year else ""


def _may_confuse(ref: DocumentRef, other: DocumentRef) -> bool:
    """Whether `other` could pass for `ref`: same document, or one amends or cites the other."""
    assert ref.number and other.number
    return (
        _loose_key(ref) == _loose_key(other)
        or ref.number in (other.subject or "")
        or other.number in (ref.subject or "")
        or (ref.subject is not None and ref.subject == other.subject)
    )


def _other_documents(
    ref: DocumentRef,
    plan: Sequence[DocumentRef],
    others: Sequence[DocumentRef],
    question: str,
    dated: bool,
) -> list[DocumentRef]:
    """Candidates for "which document", same kind first, the plan's own before other plans'."""

    def usable(other: DocumentRef) -> bool:
        return (
            other.number is not None
            and other.kind not in ("Luật", "Đề án")
            and other.number not in question
            and not _may_confuse(ref, other)
            and (not dated or (other.date is not None and other.date != ref.date))
        )

    tiers = [
        [o for o in plan if o.kind == ref.kind],
        [o for o in others if o.kind == ref.kind],
        [o for o in plan if o.kind != ref.kind],
        [o for o in others if o.kind != ref.kind],
    ]
    # Within a tier, documents with a date first: options then read alike ("… ngày …").
    return [o for tier in tiers for o in sorted(tier, key=lambda o: o.date is None) if usable(o)]


def _which_document(
    ref: DocumentRef, plan: Sequence[DocumentRef], others: Sequence[DocumentRef]
) -> _Draft | None:
    by = f" của {ref.issuer}" if ref.issuer else ""
    if ref.subject:
        text, dated, difficulty = f"Văn bản nào{by} {ref.subject}?", False, 2
    elif ref.date and not any(
        o.date == ref.date and _loose_key(o) != _loose_key(ref) for o in [*plan, *others]
    ):
        # Only when no other cited document bears that date: several do (Nghị định 170 to 173
        # of 30/6/2025), and one of them may be right whichever options are shown.
        text, dated, difficulty = f"Văn bản nào{by} được ban hành ngày {ref.date}?", True, 3
    else:
        return None
    candidates = _other_documents(ref, plan, others, text, dated)
    chosen: list[DocumentRef] = []
    for candidate in candidates:
        if (
            len(chosen) < 3
            and _distinct(ref.title, [candidate.title], text)
            and all(duplicate_key(candidate.title) != duplicate_key(c.title) for c in chosen)
        ):
            chosen.append(candidate)
    if len(chosen) < 3:
        return None
    with_dates = not dated and all(d.date for d in [ref, *chosen])

    def option(doc: DocumentRef) -> str:
        return f"{doc.title} ngày {doc.date}" if with_dates else doc.title

    return _Draft(
        text,
        option(ref),
        tuple(option(d) for d in chosen),
        difficulty,
        f"Kế hoạch dẫn {_describe(ref)}.",
        ref.section,
        ref.quote,
        DOCUMENT_AREA,
    )


def _which_date(ref: DocumentRef) -> _Draft | None:
    if not ref.date:
        return None
    by = f" của {ref.issuer}" if ref.issuer else ""
    about = f" {ref.subject}" if ref.subject else ""
    verb = "được thông qua" if ref.kind == "Luật" else "được ban hành"
    text = f"{ref.title}{by}{about} {verb} ngày nào?"
    grid = date_distractors(ref.date, salt=ref.title)
    dates = _distinct(f"Ngày {ref.date}", [f"Ngày {d}" for d in grid], text)
    if len(dates) < 3:
        return None
    return _Draft(
        text,
        f"Ngày {ref.date}",
        tuple(dates),
        3,
        f"Kế hoạch dẫn {_describe(ref)}.",
        ref.section,
        ref.quote,
        DOCUMENT_AREA,
    )


def _issuer_distractors(answer: str, issuers: Iterable[str], salt: str) -> list[str]:
    """Other issuers, none of which could also pass for the answer or for each other."""

    def related(a: str, b: str) -> bool:
        # "UBND tỉnh" and "UBND tỉnh Ninh Bình": if one were right, the other might be as well.
        return a.startswith(b) or b.startswith(a)

    local = "UBND" in answer
    picked: list[str] = []
    for issuer in _stable_order(set(issuers), salt):
        # A province's body is no plausible issuer of a national text; the generic one may be.
        if not local and "UBND tỉnh " in issuer:
            continue
        if len(issuer) <= 40 and not any(related(issuer, i) for i in [answer, *picked]):
            picked.append(issuer)
    return picked


def _which_issuer(ref: DocumentRef, issuers: Sequence[str]) -> _Draft | None:
    # A long name among short ones gives itself away.
    if not ref.issuer or len(ref.issuer) > 40:
        return None
    date = f" ngày {ref.date}" if ref.date else ""
    about = f" {ref.subject}" if ref.subject else ""
    text = f"{ref.title}{date}{about} do cơ quan nào ban hành?"
    chosen = _distinct(ref.issuer, _issuer_distractors(ref.issuer, issuers, ref.title), text)
    if len(chosen) < 3:
        return None
    return _Draft(
        text,
        ref.issuer,
        tuple(chosen),
        1,
        f"Kế hoạch dẫn {_describe(ref)}.",
        ref.section,
        ref.quote,
        DOCUMENT_AREA,
    )


def _document_drafts(plan: Sequence[DocumentRef], others: Sequence[DocumentRef]) -> list[_Draft]:
    issuers = [*COMMON_ISSUERS, *(r.issuer for r in [*plan, *others] if r.issuer)]
    drafts = []
    for ref in plan:
        if not ref.number:
            continue
        if ref.kind not in ("Luật", "Đề án"):
            drafts.append(_which_document(ref, plan, others))
        drafts.append(_which_date(ref))
        drafts.append(_which_issuer(ref, issuers))
    return [d for d in drafts if d is not None]
