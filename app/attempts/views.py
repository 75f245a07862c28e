"""Quiz pages: the lobby, the attempt (works without JavaScript), the result and review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlmodel import select

from app.attempts import service as attempt_service
from app.attempts import ticket as attempt_ticket
from app.clientip import client_ip
from app.clock import NowDep, now_of
from app.config import settings
from app.contests import service as contest_service
from app.contests.api import ContestDep, ContestEntryDep
from app.contests.views import SOURCE_TITLES
from app.db import RowId, SessionDep
from app.hotdb import HotDatabase, HotDep
from app.hotroute import HotRoute
from app.leaderboard import service as leaderboard_service
from app.models import Attempt, AttemptStatus, Contest, Round
from app.participants.identity import TokenClaims
from app.participants.views import page_claims, page_participant
from app.questions.catalog import Item, Option, catalog
from app.redis import RedisDep
from app.web import templates

router = APIRouter(include_in_schema=False)
# The quiz's own pages are most of the pages at the peak: served by HotRoute (app/hotroute.py).
hot_router = APIRouter(include_in_schema=False, route_class=HotRoute)


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


@hot_router.post("/c/{slug}/bat-dau")
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


@dataclass(frozen=True)
class OwnAttempt:
    """A participant's page on their own attempt: who (None, and no attempt, when not signed
    in), the attempt with its round, and the database and time to use. Shared by the quiz,
    its plain-form submit and the result page."""

    contest: Contest
    claims: TokenClaims | None
    attempt: Attempt | None
    round: Round | None
    db: HotDatabase
    now: datetime


async def own_attempt(request: Request, entry: ContestEntryDep, attempt_id: RowId) -> OwnAttempt:
    contest, db, now = entry.contest, request.app.state.hot, now_of(request)
    claims = await page_claims(request, contest, now)
    if claims is None:
        return OwnAttempt(contest, None, None, None, db, now)
    attempt, round_ = await attempt_service.get_owned(
        db=db, attempt_id=attempt_id, participant_id=claims.participant_id
    )
    return OwnAttempt(contest, claims, attempt, round_, db, now)


OwnAttemptDep = Annotated[OwnAttempt, Depends(own_attempt)]


@hot_router.get("/c/{slug}/bai-thi/{attempt_id}", response_class=HTMLResponse)
async def attempt_page(request: Request, own: OwnAttemptDep) -> Response:
    """The quiz: every question in one plain form, which the script turns into one at a time."""
    contest, attempt, db, now = own.contest, own.attempt, own.db, own.now
    if own.claims is None:
        return _to_registration(contest)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return RedirectResponse(f"/c/{contest.slug}/ket-qua/{attempt.id}", status_code=303)
    items = await catalog.items(db.engine, [q["v"] for q in attempt.questions])
    return templates.TemplateResponse(
        request,
        "quiz/attempt.html",
        {
            "contest": contest,
            "attempt": attempt,
            "questions": _page_questions(items, attempt),
            "total": len(attempt.questions),
            "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
            "now": now,
            "ticket": attempt_ticket.issue(settings.secret_key, attempt),
        },
    )


_HEADING = templates.env.get_template("quiz/question.html")
_OPTION = templates.env.get_template("quiz/option.html")
_QUESTION_END = "</fieldset>\n"  # question.html opens the fieldset


# A version never changes, so the HTML of its heading (at each position) and of each of its
# options (checked or not) is rendered once per process, not on every page: a quiz page has
# 20 questions × 4 options, and escaping their fields was most of its cost.
@lru_cache(maxsize=65_536)
def _heading_html(version_id: int, text: str, number: int, total: int) -> str:
    return _HEADING.render(qid=version_id, text=text, number=number, total=total)


_options_by_version: dict[int, dict[int, tuple[str, str]]] = {}  # as many as the bank's versions


def _options_html(item: Item) -> dict[int, tuple[str, str]]:
    """Each option's HTML, as (not checked, checked). Kept by version id alone: hashing the
    options themselves, as a cache key, cost more than the lookup saved."""
    found = _options_by_version.get(item.version_id)
    if found is None:

        def html(option: Option, checked: bool) -> str:
            fields = {"qid": item.version_id, "option_id": option.id, "text": option.text}
            return _OPTION.render(**fields, checked=checked)

        found = {option.id: (html(option, False), html(option, True)) for option in item.options}
        _options_by_version[item.version_id] = found
    return found


def _page_questions(items: dict[int, Item], attempt: Attempt) -> Markup:
    """The quiz page's questions, one block: options in the attempt's order, answers checked."""
    total = len(attempt.questions)
    parts = []
    for number, question in enumerate(attempt.questions, start=1):
        item = items[question["v"]]
        chosen = attempt.answers.get(str(item.version_id))
        options = _options_html(item)
        parts.append(_heading_html(item.version_id, item.text, number, total))
        parts += [options[option_id][option_id == chosen] for option_id in question["o"]]
        parts.append(_QUESTION_END)
    return Markup("".join(parts))


@hot_router.post("/c/{slug}/bai-thi/{attempt_id}")
async def submit_form(request: Request, own: OwnAttemptDep, redis: RedisDep) -> Response:
    """ "Nộp bài" without JavaScript: the whole form at once, answers as q<id>=<option id>."""
    contest, attempt, round_ = own.contest, own.attempt, own.round
    if own.claims is None:
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
        db=own.db,
        redis=redis,
        attempt=attempt,
        round_=round_,
        answers=attempt_service.acceptable_answers(attempt, answers),
        prediction=prediction,
        now=own.now,
        ip=client_ip(request),
    )
    return RedirectResponse(f"/c/{contest.slug}/ket-qua/{attempt.id}", status_code=303)


@hot_router.get("/c/{slug}/ket-qua/{attempt_id}", response_class=HTMLResponse)
async def result_page(request: Request, own: OwnAttemptDep, redis: RedisDep) -> Response:
    """The result: right answers, time, rank, receipt, sharing; the review once it opens."""
    contest, claims, attempt, round_ = own.contest, own.claims, own.attempt, own.round
    db, now = own.db, own.now
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
