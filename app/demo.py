"""`cuocthi demo`: the question bank, demo units and the demo contest. Safe to run again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.contests import service as contest_service
from app.errors import AppError
from app.models import ContentArea, Contest, ParticipantGroup, Round, utcnow
from app.questions import service as question_service
from app.questions.validation import check_bank, load_area_files
from app.units import service as unit_service

DEMO_UNITS = Path(__file__).parent / "units" / "demo.yaml"
DEMO_SLUG = "demo"
DEMO_GROUPS = (
    ("can-bo", "Cán bộ, công chức, viên chức"),
    ("nguoi-dan", "Người dân"),
    ("hoc-sinh", "Học sinh, sinh viên"),
)
RULES_SUMMARY = (
    "Mỗi lượt thi gồm 20 câu hỏi trắc nghiệm rút ngẫu nhiên từ ngân hàng câu hỏi, làm trong "
    "15 phút. Mỗi người được thi tối đa 2 lượt mỗi tuần; lượt có kết quả cao nhất được tính. "
    "Xếp giải theo số câu trả lời đúng, rồi theo dự đoán gần nhất với số người trả lời đúng "
    "tất cả các câu hỏi, rồi theo thời gian làm bài ngắn hơn."
)


async def load_demo(*, session: AsyncSession) -> dict[str, int]:
    """Loads everything the demo needs and commits; returns what it did, for the command."""
    if problems := check_bank():
        raise AppError(
            422, "bank_invalid", "Ngân hàng câu hỏi có lỗi: " + "; ".join(map(str, problems[:5]))
        )
    bank = await question_service.load_areas(session=session, areas=load_area_files())
    units = await unit_service.upsert_many(
        session=session,
        rows=({**row, "is_demo": True} for row in yaml.safe_load(DEMO_UNITS.read_text("utf-8"))),
    )
    created = await _ensure_demo_contest(session=session)
    await session.commit()
    return {
        "questions_created": bank.created,
        "questions_updated": bank.updated,
        "units": units,
        "contest_created": int(created),
    }


async def _ensure_demo_contest(*, session: AsyncSession) -> bool:
    """Creates the demo contest once; an existing one is left as organisers may have changed it."""
    if await contest_service.get_by_slug(session=session, slug=DEMO_SLUG):
        return False
    contest = Contest(
        slug=DEMO_SLUG,
        title="Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
        slogan="Cải cách hành chính – vì Nhân dân phục vụ",
        organiser_name="Sở Nội vụ (dữ liệu mẫu)",
        rules_summary=RULES_SUMMARY,
        rules_full=RULES_SUMMARY,
        is_demo=True,
    )
    session.add(contest)
    await session.flush()
    for code, name in DEMO_GROUPS:
        session.add(ParticipantGroup(contest_id=contest.id, code=code, name=name))
    starts = utcnow().replace(microsecond=0)
    session.add(
        Round(
            contest_id=contest.id,
            number=1,
            title="Tuần thi thứ nhất",
            starts_at=starts,
            ends_at=starts + timedelta(days=7),
            questions_per_attempt=20,
            time_limit_seconds=15 * 60,
            max_attempts=2,
            review_policy="after_close",
            blueprint=await _spread_over_areas(session=session, total=20),
            prizes={"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 10},
        )
    )
    await session.flush()
    return True


async def _spread_over_areas(*, session: AsyncSession, total: int) -> list[dict[str, object]]:
    """A blueprint drawing about the same number of questions from every content area."""
    slugs = list((await session.exec(select(ContentArea.slug).order_by(ContentArea.slug))).all())
    if not slugs:
        return []
    base, extra = divmod(total, len(slugs))
    return [
        {"area": slug, "count": base + (1 if index < extra else 0)}
        for index, slug in enumerate(slugs)
        if base + (1 if index < extra else 0)
    ]
