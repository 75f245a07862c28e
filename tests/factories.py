"""Small builders of test data: a contest with a round, a synthetic bank, participants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

import httpx

from app.contests import closing
from app.models import Contest, ParticipantGroup, Round
from app.questions import service as question_service
from app.units import service as unit_service

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
_phones = count(1)


class FakeClock:
    """The application's clock, moved by tests."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def synthetic_bank(areas: int = 3, per_area: int = 10) -> dict[str, dict]:
    """A bank whose right answer is always the option starting with 'Đúng'."""
    documents = {}
    for a in range(areas):
        slug = f"linh-vuc-{a}"
        documents[slug] = {
            "area": slug,
            "title": f"Lĩnh vực {a}",
            "questions": [
                {
                    "id": f"lv{a}-{q:03d}",
                    "text": f"Câu hỏi {q} của lĩnh vực {a}?",
                    "options": [
                        f"Sai {a}.{q}.1",
                        f"Đúng {a}.{q}",
                        f"Sai {a}.{q}.2",
                        f"Sai {a}.{q}.3",
                    ],
                    "answer": 1,
                    "difficulty": 1 + q % 3,
                    "tags": ["general"],
                    "explanation": f"Giải thích câu {q}.",
                }
                for q in range(per_area)
            ],
        }
    return documents


@dataclass
class ContestSetup:
    contest: Contest
    rounds: list[Round]
    groups: list[ParticipantGroup] = field(default_factory=list)


async def make_contest(
    session,
    *,
    slug: str = "thu",
    rounds: int = 1,
    questions: int = 10,
    time_limit: int = 600,
    max_attempts: int = 2,
    attempt_period: str = "round",
    review_policy: str = "after_close",
    prizes: dict[str, int] | None = None,
    one_prize_per_person: bool = False,
    min_age: int = 0,
) -> ContestSetup:
    """A contest with a synthetic bank, two units and week-long rounds from START."""
    await question_service.load_areas(session=session, areas=synthetic_bank())
    await unit_service.upsert_many(
        session=session,
        rows=[
            {"code": "XH", "name": "UBND xã Xuân Hưng", "kind": "xã", "headcount": 40},
            {"code": "SNV", "name": "Sở Nội vụ", "kind": "sở", "headcount": 100},
        ],
    )
    contest = Contest(
        slug=slug,
        title=f"Cuộc thi {slug}",
        one_prize_per_person=one_prize_per_person,
        min_age=min_age,
    )
    session.add(contest)
    await session.flush()
    groups = [
        ParticipantGroup(contest_id=contest.id, code="can-bo", name="Cán bộ, công chức"),
        ParticipantGroup(contest_id=contest.id, code="nguoi-dan", name="Người dân"),
    ]
    session.add_all(groups)
    made = []
    for number in range(1, rounds + 1):
        round_ = Round(
            contest_id=contest.id,
            number=number,
            starts_at=START + timedelta(days=7 * (number - 1)),
            ends_at=START + timedelta(days=7 * number),
            questions_per_attempt=questions,
            time_limit_seconds=time_limit,
            max_attempts=max_attempts,
            attempt_period=attempt_period,
            review_policy=review_policy,
            blueprint=[{"area": "linh-vuc-0", "count": 2}],
            prizes=prizes if prizes is not None else {"nhat": 1, "nhi": 1, "ba": 1},
        )
        session.add(round_)
        made.append(round_)
    await session.commit()
    return ContestSetup(contest, made, groups)


def new_phone() -> str:
    return f"09{next(_phones):08d}"


async def register(
    client: httpx.AsyncClient,
    slug: str = "thu",
    *,
    name: str = "Nguyễn Văn An",
    unit: str = "XH",
    group: str = "can-bo",
    phone: str | None = None,
    birth_year: int = 1990,
) -> tuple[int, dict[str, str]]:
    """Registers through the API; returns the participant id and auth headers."""
    response = await client.post(
        f"/api/v1/contests/{slug}/participants",
        json={
            "full_name": name,
            "phone": phone or new_phone(),
            "birth_year": birth_year,
            "unit_code": unit,
            "group": group,
            "consent": True,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["participant_id"], {"Authorization": f"Bearer {body['token']}"}


def right_answers(started: dict) -> dict[str, int]:
    """The right option of every question of a started attempt (synthetic bank)."""
    return {
        q["id"]: next(o["id"] for o in q["options"] if o["text"].startswith("Đúng"))
        for q in started["questions"]
    }


def wrong_answers(started: dict) -> dict[str, int]:
    return {
        q["id"]: next(o["id"] for o in q["options"] if o["text"].startswith("Sai"))
        for q in started["questions"]
    }


async def open_contest_now(
    session, *, slug: str, questions: int = 10, time_limit: int = 600, max_attempts: int = 2
) -> Contest:
    """A contest with one round open on the real clock (for servers in their own process);
    the bank and units must already be there."""
    contest = Contest(slug=slug, title=f"Cuộc thi {slug}")
    session.add(contest)
    await session.flush()
    session.add(ParticipantGroup(contest_id=contest.id, code="nguoi-dan", name="Người dân"))
    now = datetime.now(UTC)
    session.add(
        Round(
            contest_id=contest.id,
            number=1,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            questions_per_attempt=questions,
            time_limit_seconds=time_limit,
            max_attempts=max_attempts,
            blueprint=[],
            prizes={},
        )
    )
    await session.commit()
    return contest


async def close_first_round(session, app, setup: ContestSetup, clock: FakeClock) -> None:
    """A week on (past the end of the round), the first round closed by the organisers."""
    clock.advance(days=7)
    await closing.close_round(
        session=session,
        redis=app.state.redis,
        contest=setup.contest,
        round_=setup.rounds[0],
        now=clock(),
    )
