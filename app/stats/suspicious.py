"""Signs of cheating, computed out of the request path (background job or on request).

- many registrations from one address;
- impossible working times (a full score faster than a person can read the questions);
- identical answer sequences (the same questions and the same answers in one round).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Attempt, AttemptStatus, Participant, Round

REGISTRATIONS_PER_ADDRESS = 20
FASTEST_MS_PER_QUESTION = 2000
BATCH = 5000


async def busy_addresses(session: AsyncSession, contest_id: int) -> list[dict[str, Any]]:
    statement = (
        select(Participant.registered_ip, func.count())
        .where(Participant.contest_id == contest_id, col(Participant.registered_ip).is_not(None))
        .group_by(Participant.registered_ip)
        .having(func.count() >= REGISTRATIONS_PER_ADDRESS)
        .order_by(func.count().desc())
        .limit(100)
    )
    return [{"ip": ip, "registrations": n} for ip, n in (await session.exec(statement)).all()]


async def too_fast(session: AsyncSession, contest_id: int) -> list[dict[str, Any]]:
    statement = (
        select(Attempt, Participant.full_name, Round.number)
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(Round, Round.id == Attempt.round_id)
        .where(
            Round.contest_id == contest_id,
            Attempt.status == AttemptStatus.SUBMITTED,
            Attempt.correct_count == Attempt.max_score,
            col(Attempt.duration_ms) < Attempt.max_score * FASTEST_MS_PER_QUESTION,
        )
        .order_by(Attempt.duration_ms)
        .limit(200)
    )
    return [
        {
            "attempt": a.id,
            "name": name,
            "round": number,
            "correct": a.correct_count,
            "duration_ms": a.duration_ms,
            "receipt": a.receipt,
        }
        for a, name, number in (await session.exec(statement)).all()
    ]


def answers_key(answers: dict[str, int]) -> str:
    """The same questions answered the same way, whatever order they were saved in."""
    return hashlib.sha256(json.dumps(sorted(answers.items())).encode()).hexdigest()


async def identical_answers(session: AsyncSession, contest_id: int) -> list[dict[str, Any]]:
    """Groups of people in one round who handed in exactly the same answers."""
    groups: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    last_id = 0
    while True:
        statement = (
            select(
                Attempt.id,
                Attempt.round_id,
                Attempt.participant_id,
                Attempt.answers,
                Attempt.max_score,
            )
            .join(Round, Round.id == Attempt.round_id)
            .where(
                Round.contest_id == contest_id,
                Attempt.status == AttemptStatus.SUBMITTED,
                col(Attempt.id) > last_id,
            )
            .order_by(Attempt.id)
            .limit(BATCH)
        )
        rows = (await session.exec(statement)).all()
        if not rows:
            break
        for attempt_id, round_id, participant_id, answers, max_score in rows:
            if len(answers) * 2 >= max_score:  # half-empty sheets prove nothing
                groups[(round_id, answers_key(answers))].append((participant_id, attempt_id))
        last_id = rows[-1][0]
    found = []
    for (round_id, _), members in groups.items():
        people = sorted({participant for participant, _ in members})
        if len(people) > 1:
            found.append(
                {
                    "round_id": round_id,
                    "participants": people,
                    "attempts": sorted(a for _, a in members),
                }
            )
    return sorted(found, key=lambda g: -len(g["participants"]))[:100]


async def compute(session: AsyncSession, contest_id: int) -> dict[str, Any]:
    return {
        "busy_addresses": await busy_addresses(session, contest_id),
        "too_fast": await too_fast(session, contest_id),
        "identical_answers": await identical_answers(session, contest_id),
    }
