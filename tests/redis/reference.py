"""Leaderboards and counters computed by SQL and Python alone, to check Redis against."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from app.contests.closing import final_candidates
from app.contests.ranking import best_attempts
from app.leaderboard.events import local_day
from app.models import Attempt, Participant


def scopes(unit_id: int, group_id: int, moment=None) -> tuple[str, ...]:  # noqa: ANN001
    found = ("", f"unit:{unit_id}:", f"group:{group_id}:", f"ug:{unit_id}:{group_id}:")
    return found if moment is None else (*found, f"day:{local_day(moment)}:")


async def expected_counters(session, contest_id: int, round_id: int) -> tuple[dict, dict]:
    """(contest counters, round counters) as Redis should hold them."""
    contest: Counter = Counter()
    people = select(Participant).where(Participant.contest_id == contest_id)
    for p in (await session.exec(people)).all():
        for scope in scopes(p.unit_id, p.group_id, p.created_at):
            contest[scope + "registrations"] += 1
    round_: Counter = Counter()
    attempts = (await session.exec(select(Attempt).where(Attempt.round_id == round_id))).all()
    for a in attempts:
        for scope in scopes(a.unit_id, a.group_id, a.started_at):
            round_[scope + "attempts"] += 1
        if a.status != "in_progress":
            for scope in scopes(a.unit_id, a.group_id, a.submitted_at):
                round_[scope + "submissions"] += 1
    rows = await final_candidates(session=session, round_id=round_id)
    max_score = {attempt.id: attempt.max_score for attempt, _ in rows}
    groups = {attempt.id: attempt.group_id for attempt, _ in rows}
    for best in best_attempts(c for _, c in rows):
        round_[f"dist:{best.correct}"] += 1
        for scope in scopes(best.unit_id, groups[best.attempt_id]):
            round_[scope + "participants"] += 1
            round_[scope + "score_sum"] += best.correct
            if best.correct == max_score[best.attempt_id]:
                round_[scope + "full_scores"] += 1
    return dict(contest), {k: v for k, v in round_.items() if v}


async def expected_board(
    session, round_id: int, unit_id: int | None = None, group_id: int | None = None
) -> list[int]:
    """Participant ids in live-board order: right answers, working time, submit time."""
    rows = await final_candidates(session=session, round_id=round_id)
    groups = {attempt.id: attempt.group_id for attempt, _ in rows}
    best = [
        c
        for c in best_attempts(c for _, c in rows)
        if (unit_id is None or c.unit_id == unit_id)
        and (group_id is None or groups[c.attempt_id] == group_id)
    ]
    ordered = sorted(
        best, key=lambda c: (-c.correct, c.duration_ms, int(c.submitted_at.timestamp()))
    )
    return [c.participant_id for c in ordered]
