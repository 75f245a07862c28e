"""Attempt API: start, autosave, submit, read back. Only the owner sees an attempt."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.attempts import service as attempt_service
from app.attempts import ticket as attempt_ticket
from app.attempts.schemas import (
    AnswersIn,
    AttemptOut,
    AttemptStarted,
    ResultOut,
    ReviewQuestion,
    SavedOut,
    SubmitIn,
)
from app.attempts.service import Record
from app.config import settings
from app.contests.api import ContestEntryDep
from app.contests.directory import directory
from app.db import RowId
from app.errors import API_ERRORS, unauthorized
from app.hotroute import HotRoute
from app.models import Attempt, AttemptStatus, Round
from app.participants.api import Caller, CallerDep
from app.questions.catalog import Item, catalog

router = APIRouter(prefix="/api/v1", tags=["Bài thi"], responses=API_ERRORS)
# Autosave and submit are most of the peak's requests: served by HotRoute (app/hotroute.py).
hot_router = APIRouter(
    prefix="/api/v1", tags=["Bài thi"], responses=API_ERRORS, route_class=HotRoute
)

LATE_MESSAGE = (
    "Bài được nộp sau khi hết giờ: kết quả tính theo các câu trả lời đã lưu trước khi hết giờ."
)


@router.post(
    "/contests/{slug}/attempts",
    status_code=status.HTTP_201_CREATED,
    response_model=AttemptStarted,
    responses={200: {"description": "Lượt thi đang làm dở được trả lại"}},
)
async def start_attempt(
    entry: ContestEntryDep, caller: CallerDep, response: Response
) -> AttemptStarted:
    """Starts an attempt, or returns the one in progress (200)."""
    if caller.claims.contest_id != entry.contest.id:
        raise unauthorized()
    now = caller.now
    started = await attempt_service.start(
        db=caller.db,
        redis=caller.redis,
        entry=entry,
        participant_id=caller.claims.participant_id,
        now=now,
        ip=caller.ip,
    )
    if not started.created:
        response.status_code = status.HTTP_200_OK
    items = await catalog.items(caller.db.engine, [q["v"] for q in started.attempt.questions])
    # Plain data validated in one call: pydantic builds the nested models in Rust, several
    # times faster than a hundred QuestionOut and OptionOut constructed one by one.
    return AttemptStarted.model_validate(
        {
            "attempt_id": started.attempt.id,
            "round": started.round.number,
            "deadline": started.attempt.deadline,
            "server_time": now,
            "questions": [
                attempt_service.shown_question(items[q["v"]], q["o"])
                for q in started.attempt.questions
            ],
            "answers": started.attempt.answers,
            "ticket": attempt_ticket.issue(settings.secret_key, started.attempt),
        }
    )


@hot_router.put("/attempts/{attempt_id}/answers", response_model=SavedOut)
async def autosave(
    attempt_id: RowId,
    body: AnswersIn,
    caller: CallerDep,
) -> SavedOut:
    """Saves answers so far (any subset); later saves overwrite earlier ones."""
    attempt, _ = await attempt_service.get_owned(
        db=caller.db, attempt_id=attempt_id, participant_id=caller.claims.participant_id
    )
    saved = await attempt_service.autosave(
        db=caller.db,
        redis=caller.redis,
        attempt=attempt,
        answers=body.answers,
        now=caller.now,
        ip=caller.ip,
    )
    return SavedOut(saved=len(saved.answers), saved_at=caller.now)


@hot_router.post("/attempts/{attempt_id}/submit", response_model=ResultOut)
async def submit(
    attempt_id: RowId,
    body: SubmitIn,
    caller: CallerDep,
) -> ResultOut:
    """Submits the attempt with the prediction; repeating it returns the same result.

    With the ticket from the start (or the quiz page) a complete, timely submit is settled
    without reading the attempt first."""
    known = await _ticket_facts(caller, attempt_id, body.ticket)
    if known is not None:
        finalised = await attempt_service.submit_by_ticket(
            db=caller.db,
            redis=caller.redis,
            facts=known[0],
            round_=known[1],
            answers=body.answers,
            prediction=body.prediction,
            now=caller.now,
            ip=caller.ip,
        )
        if finalised is not None:
            return result_out(finalised.attempt)
    attempt, round_ = await attempt_service.get_owned(
        db=caller.db, attempt_id=attempt_id, participant_id=caller.claims.participant_id
    )
    finalised = await attempt_service.submit(
        db=caller.db,
        redis=caller.redis,
        attempt=attempt,
        round_=round_,
        answers=body.answers,
        prediction=body.prediction,
        now=caller.now,
        ip=caller.ip,
    )
    return result_out(finalised.attempt)


async def _ticket_facts(
    caller: Caller, attempt_id: int, ticket: str | None
) -> tuple[Record, Round] | None:
    """The attempt as its ticket states it, with its round (the process's copy)."""
    if not ticket:
        return None
    claims = caller.claims
    facts = attempt_ticket.read(settings.secret_key, ticket, attempt_id, claims.participant_id)
    if facts is None:
        return None
    entry = await directory.by_id(caller.db.engine, claims.contest_id)
    round_ = entry.round_by_id(facts.round_id) if entry else None
    return (facts, round_) if round_ is not None else None


def result_out(attempt: Attempt) -> ResultOut:
    late = attempt.status == AttemptStatus.EXPIRED
    return ResultOut(
        attempt_id=attempt.id,
        status=attempt.status,
        score=attempt.correct_count,
        max_score=attempt.max_score,
        correct_count=attempt.correct_count,
        duration_seconds=attempt.duration_ms / 1000,
        submitted_at=attempt.submitted_at,
        receipt=attempt.receipt,
        prediction=attempt.prediction,
        late=late,
        message=LATE_MESSAGE if late else "Nộp bài thành công.",
    )


@router.get("/attempts/{attempt_id}", response_model=AttemptOut)
async def read_attempt(attempt_id: RowId, caller: CallerDep) -> AttemptOut:
    """The owner's attempt; right answers and explanations once the review is open."""
    attempt, round_ = await attempt_service.get_owned(
        db=caller.db, attempt_id=attempt_id, participant_id=caller.claims.participant_id
    )
    review = attempt_service.review_open(round_, attempt, caller.now)
    items = await catalog.items(caller.db.engine, [q["v"] for q in attempt.questions])
    final = attempt.status != AttemptStatus.IN_PROGRESS
    return AttemptOut(
        attempt_id=attempt.id,
        round=round_.number,
        status=attempt.status,
        started_at=attempt.started_at,
        deadline=attempt.deadline,
        result=result_out(attempt) if final else None,
        review_open=review,
        questions=[
            _review_question(items[q["v"]], q["o"], attempt, review) for q in attempt.questions
        ],
    )


def _review_question(
    item: Item, order: list[int], attempt: Attempt, review: bool
) -> ReviewQuestion:
    shown = attempt_service.shown_question(item, order)
    question = ReviewQuestion(**shown, chosen_option_id=attempt.answers.get(shown["id"]))
    if review:
        question.correct_option_id = item.correct_option_id
        question.explanation = item.explanation
        question.source = {
            "doc": item.source_doc,
            "section": item.source_section,
            "quote": item.source_quote,
        }
    return question
