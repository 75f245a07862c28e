"""JSON shapes of the attempt API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OptionOut(BaseModel):
    id: int
    text: str


class QuestionOut(BaseModel):
    id: str
    text: str
    options: list[OptionOut]


class AttemptStarted(BaseModel):
    attempt_id: int
    round: int
    deadline: datetime
    server_time: datetime
    questions: list[QuestionOut]
    answers: dict[str, int]
    ticket: str = Field(description="Gửi kèm khi nộp bài: bài nộp đủ câu được ghi nhận nhanh hơn.")


class AnswersIn(BaseModel):
    model_config = ConfigDict(strict=True)  # JSON types as documented: no coercion

    answers: dict[str, int | None] = Field(max_length=100)


class SubmitIn(AnswersIn):
    prediction: int | None = Field(default=None, ge=0, le=100_000_000)
    ticket: str | None = Field(default=None, max_length=4096)


class SavedOut(BaseModel):
    saved: int
    saved_at: datetime


class ResultOut(BaseModel):
    attempt_id: int
    status: str
    score: int
    max_score: int
    correct_count: int
    duration_seconds: float
    submitted_at: datetime
    receipt: str
    prediction: int | None
    late: bool
    message: str


class ReviewQuestion(BaseModel):
    id: str
    text: str
    options: list[OptionOut]
    chosen_option_id: int | None
    correct_option_id: int | None = None
    explanation: str | None = None
    source: dict[str, str | None] | None = None


class AttemptOut(BaseModel):
    attempt_id: int
    round: int
    status: str
    started_at: datetime
    deadline: datetime
    result: ResultOut | None
    review_open: bool
    questions: list[ReviewQuestion]
