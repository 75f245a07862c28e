"""The documents a plan cites: kind, symbol, date, issuer and subject, read from the text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date as Date

from app.questions.derive.patterns import (
    _AND_KIND,
    _BLANK_LINE,
    _DATE_RE,
    _ISSUER_BY_CODE,
    _ISSUER_RE,
    _ISSUERS,
    _KIND_WORD,
    _KINDS,
    _KNOWN_LAWS,
    _LAW_NUMBER_RE,
    _LAW_RE,
    _LAW_STOP,
    _PROJECT_RE,
    _PROVINCE_RE,
    _PROVINCES,
    _REF_RE,
    _SUBJECT_OPENERS,
    _SUBJECT_TRAILER,
)
from app.questions.derive.sections import _Page
from app.questions.derive.text import _fold, _lower_first, normalize_number
from app.questions.validation import collapse_whitespace

# Longer subjects and tasks are usually two clauses run together: not worth a question.
MAX_CLAUSE = 250


@dataclass(frozen=True)
class DocumentRef:
    """One document a plan cites, as read from `quote` in section `section`."""

    kind: str
    number: str | None
    date: str | None
    issuer: str | None
    subject: str | None
    quote: str
    section: str
    name: str | None = None  # the proper name of a document cited by name, e.g. a law

    @property
    def title(self) -> str:
        """How the document is named in a question: "Nghị định số 118/2025/NĐ-CP"."""
        if self.kind == "Luật":
            return f"Luật {self.name}" + (f" số {self.number}" if self.number else "")
        if self.kind == "Đề án":
            return f"Đề án {self.number}"
        return f"{self.kind} số {self.number}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.number or self.name or "")


def _issuer_fits(number: str, issuer: str) -> bool:
    """Whether the symbol allows that issuer; a mismatch means "của …" belongs to another text."""
    code = re.split(r"[-/]", number)[-1]
    if code in _ISSUER_BY_CODE:
        return issuer in _ISSUER_BY_CODE[code]
    if code.startswith("UBTVQH"):
        return issuer == "Ủy ban Thường vụ Quốc hội"
    if code.startswith("QH"):
        return issuer == "Quốc hội"
    if code == "UBND":
        return "UBND" in issuer
    if code.startswith("BCĐ"):
        return issuer.startswith("Ban Chỉ đạo")
    return True


def _date_at(page: _Page, pos: int) -> tuple[str, int] | None:
    if not (m := _DATE_RE.match(page.folded, pos)):
        return None
    day, month, year = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
    try:
        Date(int(year), int(month), int(day))
    except ValueError:
        return None
    return f"{day}/{month}/{year}", m.end()


def _issuer_at(page: _Page, pos: int) -> tuple[str, int] | None:
    if not (m := _ISSUER_RE.match(page.folded, pos)):
        return None
    index = next(i for i in range(len(_ISSUERS)) if m[f"i{i}"] is not None)
    name, end = _ISSUERS[index][0], m.end()
    if name.endswith("UBND tỉnh") and (province := _PROVINCE_RE.match(page.folded, end)):
        name += " " + _PROVINCES[re.sub(r"\s+", " ", province[1].lower())]
        end = province.end()
    return name, end


def _ends_clause(page: _Page, i: int) -> bool:
    char = page.text[i]
    if char in ";:…":
        return True
    if char == ".":
        return i + 1 >= len(page.text) or page.text[i + 1].isspace()
    if char == "\n":
        return bool(_BLANK_LINE.match(page.text, i))
    if char == ",":
        # ", Luật X" continues a list inside the clause; ", UBND tỉnh ban hành …" starts another.
        j = i + 1
        while j < len(page.text) and page.text[j].isspace():
            j += 1
        return (
            j < len(page.text) and page.text[j].isupper() and not _KIND_WORD.match(page.folded, j)
        )
    return char.isspace() and bool(_AND_KIND.match(page.folded, i))


def _clause_end(page: _Page, start: int) -> int:
    """Where the clause starting at `start` ends, not counting text inside quotation marks."""
    depth = 0
    for i in range(start, len(page.text)):
        char = page.text[i]
        if char == "“":
            depth += 1
        elif char == "”":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_clause(page, i):
            return i
    return len(page.text)


def _subject_at(page: _Page, pos: int) -> tuple[str, int] | None:
    """The "về …" / "ban hành …" clause after a reference; only clean text may be quoted."""
    start = pos + len(page.text[pos : pos + 40]) - len(page.text[pos : pos + 40].lstrip())
    if not page.clean or not page.text[start : start + 12].lower().startswith(_SUBJECT_OPENERS):
        return None
    end = _clause_end(page, start)
    if end - start > MAX_CLAUSE:
        return None
    subject = _SUBJECT_TRAILER.sub("", collapse_whitespace(page.text[start:end]).rstrip(" ,"))
    return _lower_first(subject), end


def _numbered_ref(page: _Page, m: re.Match[str]) -> DocumentRef | None:
    number = normalize_number(page.text[m.start("number") : m.end("number")])
    if not re.search(r"[A-Za-z]", number):
        return None
    kind = next(k for i, (k, _) in enumerate(_KINDS) if m[f"k{i}"] is not None)
    end = m.end()
    date = issuer = subject = None
    if found := _date_at(page, end):
        date, end = found
    if (found := _issuer_at(page, end)) and _issuer_fits(number, found[0]):
        issuer, end = found
        if date is None and (found := _date_at(page, end)):
            date, end = found
    elif found:
        # "của X" names the issuer of the text this reference sits in, so what follows the
        # reference is not about it either.
        return _ref(page, kind, number, date, None, None, m.start(), end)
    if found := _subject_at(page, end):
        subject, end = found
    return _ref(page, kind, number, date, issuer, subject, m.start(), end)


def _ref(
    page: _Page,
    kind: str,
    number: str | None,
    date: str | None,
    issuer: str | None,
    subject: str | None,
    start: int,
    end: int,
    name: str | None = None,
) -> DocumentRef:
    quote = page.text[start:end].strip()
    return DocumentRef(
        kind, number, date, issuer, subject, quote, page.heading_at(start).section, name
    )


def _law_name(raw: str, clean: bool) -> str | None:
    """A law's name in correct Vietnamese: a known name when close enough, else as written."""

    def letters(text: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9 ]", " ", _fold(text).lower()).split())

    def closeness(known: str) -> float:
        return difflib.SequenceMatcher(None, letters(raw), letters(known)).ratio()

    best = max(_KNOWN_LAWS, key=closeness)
    if closeness(best) >= (0.95 if clean else 0.8):
        return best
    return collapse_whitespace(raw) if clean else None


def _law_ref(page: _Page, m: re.Match[str]) -> DocumentRef | None:
    stop = _LAW_STOP.search(page.folded, m.end(), m.end() + 160)
    if not stop:
        return None
    raw = page.text[m.end() : stop.start()]
    name = _law_name(raw, page.clean)
    if not name or len(raw.split()) > 10:
        return None
    end, number, date = stop.start(), None, None
    if symbol := _LAW_NUMBER_RE.match(page.folded, end):
        number = normalize_number(page.text[symbol.start("number") : symbol.end("number")])
        end = symbol.end()
        if found := _date_at(page, end):
            date, end = found
    return _ref(page, "Luật", number, date, None, None, m.start(), end, name)


def _completeness(ref: DocumentRef) -> int:
    return sum(x is not None for x in (ref.number, ref.date, ref.issuer, ref.subject, ref.name))


def find_document_refs(text: str) -> list[DocumentRef]:
    """Every document the plan cites, once each (its most complete citation), in text order."""
    page = _Page.read(text)
    found: list[tuple[int, DocumentRef | None]] = [
        *((m.start(), _numbered_ref(page, m)) for m in _REF_RE.finditer(page.folded)),
        *((m.start(), _law_ref(page, m)) for m in _LAW_RE.finditer(page.folded)),
        *(
            (m.start(), _ref(page, "Đề án", m["number"], None, None, None, m.start(), m.end()))
            for m in _PROJECT_RE.finditer(page.folded)
        ),
    ]
    best: dict[tuple[str, str], DocumentRef] = {}
    for _, ref in sorted(found, key=lambda item: item[0]):
        if ref and (ref.key not in best or _completeness(ref) > _completeness(best[ref.key])):
            best[ref.key] = ref
    return list(best.values())
