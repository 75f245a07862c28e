"""JSON shapes of the contest API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class GroupOut(BaseModel):
    code: str
    name: str


class RoundOut(BaseModel):
    number: int
    title: str
    starts_at: datetime
    ends_at: datetime
    questions_per_attempt: int
    time_limit_seconds: int
    max_attempts: int
    attempt_period: str
    review_policy: str
    closed: bool
    winners_published: bool


class ContestSummary(BaseModel):
    slug: str
    title: str
    slogan: str
    current_round: int | None


class ContestDetail(ContestSummary):
    organiser_name: str
    rules_summary: str
    rules_full: str
    min_age: int
    prediction_question: str
    ranking_keys: list[str]
    groups: list[GroupOut]
    rounds: list[RoundOut]


class UnitOut(BaseModel):
    code: str
    name: str


class LeaderboardEntry(BaseModel):
    rank: int
    name: str
    unit: str
    score: int
    duration_seconds: float


class Leaderboard(BaseModel):
    round: int
    entries: list[LeaderboardEntry]
    total: int


class WinnerOut(BaseModel):
    rank: int
    prize: str
    prize_name: str
    name: str
    unit: str
    correct_count: int
    prediction_distance: int | None
    duration_seconds: float


class WinnersOut(BaseModel):
    round: int
    status: str  # "provisional" (tạm thời, during appeals) or "official"
    true_count: int
    appeals_until: datetime
    winners: list[WinnerOut]
