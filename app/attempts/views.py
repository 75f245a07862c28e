"""Quiz pages: the lobby, the attempt (works without JavaScript), the result and review."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlmodel import select

from app.attempts import service as attempt_service
from app.clientip import client_ip
from app.clock import NowDep
from app.config import settings
from app.contests import service as contest_service
from app.contests.api import ContestDep, ContestEntryDep
from app.contests.views import SOURCE_TITLES
from app.db import RowId, SessionDep
from app.hotdb import HotDatabase, HotDep
from app.leaderboard import service as leaderboard_service
from app.models import Attempt, AttemptStatus, Contest, Round
from app.participants.identity import TokenClaims
from app.participants.views import page_claims, page_participant
from app.questions.catalog import Item, catalog
from app.redis import RedisDep
from app.web import templates

router = APIRouter(include_in_schema=False)


def _to_registration(contest: Contest) -> RedirectResponse:
    return RedirectResponse(f"/c/{contest.slug}/dang-ky", status_code=303)


@router.get("/c/{slug}/vao-thi", response_class=HTMLResponse)
async def lobby(
    request: Request, contest: ContestDep, session: SessionDep, now: NowDep
) -> Response:
    """The participant's page: the open round, attempts left, past results, the start button."""
    participant = await page_participant(request, session, contest, now)
    if participant is None:
        return _to_registration(contest)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    current = contest_service.current_round(rounds, now)
    attempts = list(
        (
            await session.exec(
                select(Attempt)
                .where(Attempt.participant_id == participant.id)
                .order_by(Attempt.started_at)
            )
        ).all()
    )
    used = 0
    if current is not None:
        period = attempt_service.period_of(current, now)
        used = sum(1 for a in attempts if a.round_id == current.id and a.period == period)
    in_progress = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    return templates.TemplateResponse(
        request,
        "quiz/lobby.html",
        {
            "contest": contest,
            "participant": participant,
            "current": current,
            "upcoming": contest_service.next_round(rounds, now),
            "attempts": [a for a in attempts if a.status != AttemptStatus.IN_PROGRESS],
            "rounds_by_id": {r.id: r for r in rounds},
            "left": max(0, current.max_attempts - used) if current else 0,
            "in_progress": in_progress,
        },
    )


@router.post("/c/{slug}/bat-dau")
async def start(
    request: Request, entry: ContestEntryDep, db: HotDep, redis: RedisDep, now: NowDep
) -> Response:
    """ "Bắt đầu làm bài": starts (or resumes) an attempt and opens it."""
    contest = entry.contest
    claims = await page_claims(request, contest, now)
    if claims is None:
        return _to_registration(contest)
    started = await attempt_service.start(
        db=db,
        redis=redis,
        entry=entry,
        participant_id=claims.participant_id,
        now=now,
        ip=client_ip(request),
    )
    return RedirectResponse(f"/c/{contest.slug}/bai-thi/{started.attempt.id}", status_code=303)


async def _own_attempt(
    request: Request, db: HotDatabase, contest: Contest, attempt_id: RowId, now: datetime
) -> tuple[TokenClaims | None, Attempt | None, Round | None]:
    """The signed-in participant's attempt with its round (None, None, None: not signed in)."""
    claims = await page_claims(request, contest, now)
    if claims is None:
        return None, None, None
    attempt, round_ = await attempt_service.get_owned(
        db=db, attempt_id=attempt_id, participant_id=claims.participant_id
    )
    return claims, attempt, round_


@router.get("/c/{slug}/bai-thi/{attempt_id}", response_class=HTMLResponse)
async def attempt_page(
    request: Request, contest: ContestDep, attempt_id: RowId, db: HotDep, now: NowDep
) -> Response:
    """The quiz: every question in one plain form, which the script turns into one at a time."""
    claims, attempt, round_ = await _own_attempt(request, db, contest, attempt_id, now)
    if claims is None:
        return _to_registration(contest)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return RedirectResponse(f"/c/{contest.slug}/ket-qua/{attempt.id}", status_code=303)
    items = await catalog.items(db.engine, [q["v"] for q in attempt.questions])
    questions = _page_questions(items, attempt)
    return templates.TemplateResponse(
        request,
        "quiz/attempt.html",
        {
            "contest": contest,
            "attempt": attempt,
            "questions": questions,
            "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
            "now": now,
        },
    )


_QUESTION = templates.env.get_template("quiz/question.html")
_OPTION = templates.env.get_template("quiz/option.html")


# A version never changes, so the HTML of its question heading (at each position) and of each
# option (checked or not) is rendered once per process, not on every page: a quiz page has
# 20 questions × 4 options, and escaping their fields was most of its cost.
@lru_cache(maxsize=65_536)
def _question_html(version_id: int, text: str, number: int, total: int) -> Markup:
    return Markup(_QUESTION.render(qid=version_id, text=text, number=number, total=total))


@lru_cache(maxsize=65_536)
def _option_html(version_id: int, option_id: int, text: str, checked: bool) -> Markup:
    return Markup(_OPTION.render(qid=version_id, option_id=option_id, text=text, checked=checked))


def _page_questions(items: dict[int, Item], attempt: Attempt) -> list[Markup]:
    """The quiz page's questions: options in the attempt's order, saved answers checked."""
    total = len(attempt.questions)
    shown = []
    for number, question in enumerate(attempt.questions, start=1):
        item = items[question["v"]]
        chosen = attempt.answers.get(str(item.version_id))
        parts = [_question_html(item.version_id, item.text, number, total)]
        parts += [
            _option_html(
                item.version_id, option_id, item.option_text[option_id], option_id == chosen
            )
            for option_id in question["o"]
        ]
        shown.append(Markup("".join(parts)))
    return shown


@router.post("/c/{slug}/bai-thi/{attempt_id}")
async def submit_form(
    request: Request,
    contest: ContestDep,
    attempt_id: RowId,
    db: HotDep,
    redis: RedisDep,
    now: NowDep,
) -> Response:
    """ "Nộp bài" without JavaScript: the whole form at once, answers as q<id>=<option id>."""
    claims, attempt, round_ = await _own_attempt(request, db, contest, attempt_id, now)
    if claims is None:
        return _to_registration(contest)
    form = await request.form()
    answers = {
        name[1:]: int(value)
        for name, value in form.multi_items()
        if name.startswith("q") and isinstance(value, str) and value.isdigit()
    }
    prediction_text = str(form.get("prediction", "")).strip()[:12]
    prediction = int(prediction_text) if prediction_text.isdigit() else None
    if prediction is not None and prediction > attempt_service.PREDICTION_MAX:
        prediction = None
    await attempt_service.submit(
        db=db,
        redis=redis,
        attempt=attempt,
        round_=round_,
        answers=attempt_service.acceptable_answers(attempt, answers),
        prediction=prediction,
        now=now,
        ip=client_ip(request),
    )
    return RedirectResponse(f"/c/{contest.slug}/ket-qua/{attempt.id}", status_code=303)


@router.get("/c/{slug}/ket-qua/{attempt_id}", response_class=HTMLResponse)
async def result_page(
    request: Request,
    contest: ContestDep,
    attempt_id: RowId,
    db: HotDep,
    redis: RedisDep,
    now: NowDep,
) -> Response:
    """The result: right answers, time, rank, receipt, sharing; the review once it opens."""
    claims, attempt, round_ = await _own_attempt(request, db, contest, attempt_id, now)
    if claims is None:
        return _to_registration(contest)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return RedirectResponse(f"/c/{contest.slug}/bai-thi/{attempt.id}", status_code=303)
    try:
        rank = await leaderboard_service.rank_of(
            redis=redis, round_id=round_.id, participant_id=claims.participant_id
        )
    except (RedisError, OSError):
        rank = "updating"
    review = attempt_service.review_open(round_, attempt, now)
    items = await catalog.items(db.engine, [q["v"] for q in attempt.questions]) if review else {}
    return templates.TemplateResponse(
        request,
        "quiz/result.html",
        {
            "contest": contest,
            "attempt": attempt,
            "round": round_,
            "rank": rank,
            "review": review,
            "review_items": [(items[q["v"]], q["o"]) for q in attempt.questions] if review else [],
            "source_titles": SOURCE_TITLES,
            "share_url": f"{settings.base_url}/c/{contest.slug}",
        },
    )
