"""The question bank in the database: upsert by external id, a new version on every edit."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import ContentArea, Question, QuestionOption, QuestionVersion


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)


def content_hash(question: dict[str, Any]) -> str:
    """What makes two versions of a question the same version."""
    source = question.get("source") or {}
    material = {
        "text": question["text"],
        "options": question["options"],
        "answer": question["answer"],
        "difficulty": question.get("difficulty", 1),
        "tags": sorted(question.get("tags", [])),
        "explanation": question.get("explanation", ""),
        "source": [source.get("doc"), source.get("section"), source.get("quote")],
        "status": question.get("status", "active"),
    }
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()


async def ensure_area(*, session: AsyncSession, slug: str, title: str) -> ContentArea:
    """Gets the content area by slug, creating it (or renaming it) as needed."""
    area = (await session.exec(select(ContentArea).where(ContentArea.slug == slug))).first()
    if area is None:
        area = ContentArea(slug=slug, title=title)
    area.title = title
    session.add(area)
    await session.flush()
    return area


async def upsert_question(
    *, session: AsyncSession, area: ContentArea, question: dict[str, Any], origin: str
) -> str:
    """Stores one question; returns "created", "updated" or "unchanged". Flushes, no commit."""
    digest = content_hash(question)
    stored = (
        await session.exec(select(Question).where(Question.external_id == question["id"]))
    ).first()
    if stored is None:
        stored = Question(external_id=question["id"], area_id=area.id, origin=origin)
        session.add(stored)
        await session.flush()
        outcome, number = "created", 1
    else:
        current = await session.get(QuestionVersion, stored.current_version_id)
        if current is not None and current.content_hash == digest and stored.area_id == area.id:
            return "unchanged"
        outcome = "updated"
        number = (current.version + 1) if current else 1
    version = await _add_version(
        session=session, question_id=stored.id, number=number, question=question, digest=digest
    )
    stored.area_id = area.id
    stored.status = question.get("status", "active")
    stored.current_version_id = version.id
    session.add(stored)
    await session.flush()
    return outcome


async def _add_version(
    *, session: AsyncSession, question_id: int, number: int, question: dict[str, Any], digest: str
) -> QuestionVersion:
    source = question.get("source") or {}
    version = QuestionVersion(
        question_id=question_id,
        version=number,
        text=question["text"],
        difficulty=question.get("difficulty", 1),
        tags=list(question.get("tags", [])),
        explanation=question.get("explanation", ""),
        source_doc=source.get("doc"),
        source_section=source.get("section"),
        source_quote=source.get("quote"),
        content_hash=digest,
    )
    session.add(version)
    await session.flush()
    for position, text in enumerate(question["options"]):
        session.add(
            QuestionOption(
                version_id=version.id,
                position=position,
                text=text,
                is_correct=position == question["answer"],
            )
        )
    await session.flush()
    return version


async def load_areas(
    *, session: AsyncSession, areas: dict[str, dict[str, Any]], origin: str = "bank"
) -> LoadReport:
    """Upserts whole area documents (the bank's own YAML shape), idempotently by id."""
    report = LoadReport()
    for document in areas.values():
        area = await ensure_area(session=session, slug=document["area"], title=document["title"])
        for question in document["questions"]:
            outcome = await upsert_question(
                session=session, area=area, question=question, origin=origin
            )
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.ids.append(question["id"])
    return report


# Where imported questions go when their file names no content area.
IMPORT_AREA = ("cau-hoi-bo-sung", "Câu hỏi do ban tổ chức bổ sung")


def imported_id(question: dict[str, Any]) -> str:
    """A stable id for an imported question without one: the same question gets the same id."""
    material = json.dumps([question["text"], question["options"]], ensure_ascii=False)
    return "nh-" + hashlib.sha256(material.encode()).hexdigest()[:10]


async def import_questions(*, session: AsyncSession, questions: list[dict[str, Any]]) -> LoadReport:
    """Upserts imported questions into the organisers' bank, grouped by their content area."""
    by_area: dict[str, dict[str, Any]] = {}
    for question in questions:
        slug = question.get("area") or IMPORT_AREA[0]
        existing = (await session.exec(select(ContentArea).where(ContentArea.slug == slug))).first()
        title = (
            existing.title
            if existing
            else (IMPORT_AREA[1] if slug == IMPORT_AREA[0] else slug.replace("-", " ").capitalize())
        )
        document = by_area.setdefault(slug, {"area": slug, "title": title, "questions": []})
        document["questions"].append(
            {**question, "id": question.get("id") or imported_id(question)}
        )
    return await load_areas(session=session, areas=by_area, origin="import")


async def export_questions(*, session: AsyncSession) -> list[dict[str, Any]]:
    """Every question not retired, in its current version, in the bank's own shape."""
    statement = (
        select(Question, QuestionVersion, ContentArea.slug)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(ContentArea, ContentArea.id == Question.area_id)
        .where(Question.status != "retired")
        .order_by(ContentArea.slug, Question.external_id)
    )
    rows = (await session.exec(statement)).all()
    options = await _options(session, [version.id for _, version, _ in rows])
    return [
        _as_bank_question(question, version, area, options[version.id])
        for question, version, area in rows
    ]


async def _options(
    session: AsyncSession, version_ids: list[int]
) -> dict[int, list[QuestionOption]]:
    found: dict[int, list[QuestionOption]] = {v: [] for v in version_ids}
    statement = select(QuestionOption).where(col(QuestionOption.version_id).in_(version_ids))
    for option in (await session.exec(statement.order_by(QuestionOption.position))).all():
        found[option.version_id].append(option)
    return found


def _as_bank_question(
    question: Question, version: QuestionVersion, area: str, options: list[QuestionOption]
) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "id": question.external_id,
        "text": version.text,
        "options": [option.text for option in options],
        "answer": next(i for i, option in enumerate(options) if option.is_correct),
        "difficulty": version.difficulty,
        "tags": list(version.tags),
        "explanation": version.explanation,
        "source": None,
        "area": area,
    }
    if version.source_doc:
        exported["source"] = {
            "doc": version.source_doc,
            "section": version.source_section or "",
            "quote": version.source_quote or "",
        }
    if question.status != "active":
        exported["status"] = question.status
    return exported
