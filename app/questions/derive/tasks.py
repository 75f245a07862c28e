"""Draft questions on the tasks and indices a plan names.

Clean text only: the question quotes the plan's own words.
"""

from __future__ import annotations

import re
import unicodedata

from app.questions.derive.drafts import _distinct, _Draft, _stable_order
from app.questions.derive.references import MAX_CLAUSE, _clause_end
from app.questions.derive.sections import _ROMAN_RE, _Heading, _Page
from app.questions.derive.text import _fold, _lower_first
from app.questions.validation import collapse_whitespace, duplicate_key

TASK_AREA = "thong-tin-tuyen-truyen"
INDEX_AREA = "chu-truong-chinh-sach"

_PLAN_TITLE_RE = re.compile(r"^[ \t*]*KẾ HOẠCH[ \t*]*$", re.MULTILINE)
_TASK_RE = re.compile(r"^[ \t]*(?:[-+•][ \t]*)?(Chủ trì\b)", re.MULTILINE)
_AGENCY_STARTS = (
    "Sở ",
    "Văn phòng",
    "Phòng ",
    "Báo ",
    "Trung tâm",
    "Ủy ban",
    "UBND",
    "Ban ",
    "Đài ",
    "Cơ sở",
    "Công an",
    "Bộ ",
)
_INDEX_RE = re.compile(
    r"[Cc]hỉ\s+số\s+((?:(?![Cc]hỉ\s+số)[^;:()])+?)\s*\(([A-Z]{2,}(?:[ -][A-Z]{2,})?)\)"
)


def plan_label(text: str) -> str | None:
    """The plan's name from its title block ("Kế hoạch thông tin, tuyên truyền … năm 2026")."""
    text = unicodedata.normalize("NFC", text)
    if not (m := _PLAN_TITLE_RE.search(text)):
        return None
    lines = []
    for line in text[m.end() :].splitlines()[:6]:
        line = line.strip(" \t*")
        if line.startswith(("Thực hiện", "Căn cứ")) or _ROMAN_RE.match(line):
            break
        if line:
            lines.append(line)
    return "Kế hoạch " + _lower_first(collapse_whitespace(" ".join(lines))) if lines else None


def _agency(heading: _Heading) -> str | None:
    """The body a heading of "Tổ chức thực hiện" names, unless it names a group of bodies."""
    name = heading.title.removeprefix("Đề nghị ").strip(" :")
    if heading.level < 1 or not name.startswith(_AGENCY_STARTS) or len(name) > 80:
        return None
    return name


def _task_drafts(page: _Page, label: str) -> list[_Draft]:
    """ "Which body chủ trì …?" for the tasks section "Tổ chức thực hiện" assigns by heading."""
    romans = [h for h in page.headings if h.level == 0]
    part = next((h for h in romans if "TO CHUC THUC HIEN" in _fold(h.title).upper()), None)
    if part is None:
        return []
    after = [h.offset for h in romans if h.offset > part.offset]
    end = after[0] if after else len(page.text)
    agencies = {
        h.offset: name
        for h in page.headings
        if part.offset < h.offset < end and (name := _agency(h))
    }
    tasks: list[tuple[str, str, str, str]] = []  # task, agency, section, quote
    for m in _TASK_RE.finditer(page.text, part.offset, end):
        heading = page.heading_at(m.start(1))
        stop = _clause_end(page, m.start(1))
        if heading.offset in agencies and stop - m.start(1) <= MAX_CLAUSE:
            quote = page.text[m.start(1) : stop]
            task = _lower_first(collapse_whitespace(quote).rstrip(" ,."))
            tasks.append((task, agencies[heading.offset], heading.section, quote))
    drafts = []
    for task, agency, section, quote in tasks:
        # A task some other body also leads has no single right answer.
        if sum(duplicate_key(t) == duplicate_key(task) for t, *_ in tasks) > 1:
            continue
        text = f"Theo {label}, cơ quan, đơn vị nào {task}?"
        chosen = _distinct(agency, _stable_order(set(agencies.values()), task), text)
        if len(chosen) == 3:
            drafts.append(
                _Draft(
                    text,
                    agency,
                    tuple(chosen),
                    2,
                    f"Mục {section} của kế hoạch giao {agency}: {_lower_first(task)}.",
                    section,
                    quote,
                    TASK_AREA,
                )
            )
    return drafts


def _index_drafts(page: _Page, label: str) -> list[_Draft]:
    """ "Which index is called PCI?" from the plan's list "Chỉ số … (PCI); …"."""
    found: dict[str, tuple[str, re.Match[str]]] = {}
    for m in _INDEX_RE.finditer(page.text):
        found.setdefault(m[2], (f"Chỉ số {collapse_whitespace(m[1])}", m))
    names = [name for name, _ in found.values()]
    drafts = []
    for abbreviation, (name, m) in found.items():
        text = f"Theo {label}, chỉ số nào được ký hiệu là “{abbreviation}”?"
        chosen = _distinct(name, _stable_order(names, abbreviation), text)
        if len(chosen) == 3:
            drafts.append(
                _Draft(
                    text,
                    name,
                    tuple(chosen),
                    1,
                    f"Kế hoạch nêu: {name} ({abbreviation}).",
                    page.heading_at(m.start()).section,
                    m[0],
                    INDEX_AREA,
                )
            )
    return drafts
