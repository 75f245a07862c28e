"""Seeds the benchmark's contest in the configured database (CUOCTHI_* settings).

    python -m bench.contest [--slug bench] [--units 600]

Brings the schema up to date, loads the real question bank, makes 600 units named
"UBND xã Thử {n}" and the contest: one round open now, 20 questions, 900 s, 1000 attempts
per person (so one participant can be submitted many times), an empty blueprint. Prints
{"contest_id", "round_id", "units": [codes]} as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import db
from app.models import Contest, ParticipantGroup, Round, Unit, UnitBlock, utcnow
from app.questions import service as question_service
from app.questions.validation import load_area_files
from app.units.service import fold

GROUPS = (("can-bo", "Cán bộ, công chức, viên chức"), ("nguoi-dan", "Người dân"))


def unit_code(n: int) -> str:
    return f"BX{n:03d}"


async def ensure_units(session: AsyncSession, count: int) -> list[str]:
    """The benchmark's units, created once; shared by every benchmark contest."""
    codes = [unit_code(n) for n in range(1, count + 1)]
    existing = set((await session.exec(select(Unit.code).where(Unit.code.in_(codes)))).all())
    for n, code in enumerate(codes, start=1):
        if code not in existing:
            name = f"UBND xã Thử {n}"
            session.add(
                Unit(
                    code=code,
                    name=name,
                    search_name=fold(name),
                    kind="xã",
                    block=UnitBlock.COMMUNE,
                    headcount=40 + n % 60,
                )
            )
    await session.flush()
    return codes


async def ensure_contest(
    session: AsyncSession, slug: str, opened: timedelta = timedelta(hours=1)
) -> tuple[Contest, Round]:
    """The contest `slug` with one round that opened `opened` ago and runs another week."""
    found = (await session.exec(select(Contest).where(Contest.slug == slug))).first()
    if found is not None:
        round_ = (await session.exec(select(Round).where(Round.contest_id == found.id))).first()
        return found, round_
    contest = Contest(
        slug=slug,
        title=f"Cuộc thi đo hiệu năng ({slug})",
        slogan="Dữ liệu thử, không phải cuộc thi thật",
        organiser_name="Nhóm phát triển",
        rules_summary="Cuộc thi dùng để đo hiệu năng.",
    )
    session.add(contest)
    await session.flush()
    for code, name in GROUPS:
        session.add(ParticipantGroup(contest_id=contest.id, code=code, name=name))
    now = utcnow().replace(microsecond=0)
    round_ = Round(
        contest_id=contest.id,
        number=1,
        title="Đợt đo hiệu năng",
        starts_at=now - opened,
        ends_at=now + timedelta(days=7),
        questions_per_attempt=20,
        time_limit_seconds=900,
        max_attempts=1000,
        blueprint=[],
        prizes={"nhat": 1, "nhi": 2, "ba": 3},
    )
    session.add(round_)
    await session.flush()
    return contest, round_


async def seed(slug: str, units: int) -> dict[str, Any]:
    engine = db.create_engine()
    try:
        async with db.session_factory(engine)() as session:
            await question_service.load_areas(session=session, areas=load_area_files())
            codes = await ensure_units(session, units)
            contest, round_ = await ensure_contest(session, slug)
            await session.commit()
            return {"contest_id": contest.id, "round_id": round_.id, "units": codes}
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--units", type=int, default=600)
    args = parser.parse_args()
    db.upgrade()  # runs its own event loop: before ours
    print(json.dumps(asyncio.run(seed(args.slug, args.units))))


if __name__ == "__main__":
    main()
