from sqlalchemy import func
from sqlmodel import select

from app.demo import load_demo
from app.models import Contest, ParticipantGroup, Question, Round, Unit


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_demo_contest_has_the_rules_the_issue_asks_for(session):
    await load_demo(session=session)
    contest = (await session.exec(select(Contest).where(Contest.slug == "demo"))).one()
    round_ = (await session.exec(select(Round).where(Round.contest_id == contest.id))).one()
    assert (round_.ends_at - round_.starts_at).days == 7
    assert round_.questions_per_attempt == 20
    assert round_.time_limit_seconds == 15 * 60
    assert round_.max_attempts == 2
    assert round_.review_policy == "after_close"
    assert await count(session, ParticipantGroup) == 3


async def test_demo_units_are_marked_and_named_after_the_plans(session):
    await load_demo(session=session)
    units = (await session.exec(select(Unit))).all()
    names = {unit.name for unit in units}
    assert all(unit.is_demo for unit in units)
    assert "UBND xã Xuân Hưng" in names
    assert "Báo và Phát thanh, Truyền hình Ninh Bình" in names
    assert "Văn phòng UBND tỉnh Ninh Bình" in names


async def test_running_the_demo_again_is_harmless(session):
    first = await load_demo(session=session)
    before = {model: await count(session, model) for model in (Contest, Round, Unit, Question)}
    second = await load_demo(session=session)
    after = {model: await count(session, model) for model in (Contest, Round, Unit, Question)}
    assert first["contest_created"] == 1 and second["contest_created"] == 0
    assert second["questions_created"] == 0 and second["questions_updated"] == 0
    assert before == after
