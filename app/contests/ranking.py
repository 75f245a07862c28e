"""Official standings: best attempt per person, ordered by the contest's ranking keys, prizes.

Pure functions: the round-close service feeds them rows and stores what they return.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

PRIZE_ORDER = ("nhat", "nhi", "ba", "khuyen_khich")
PRIZE_NAMES = {
    "nhat": "Giải Nhất",
    "nhi": "Giải Nhì",
    "ba": "Giải Ba",
    "khuyen_khich": "Giải Khuyến khích",
}


@dataclass(frozen=True)
class Candidate:
    """One final attempt, as ranking sees it."""

    participant_id: int
    attempt_id: int
    unit_id: int
    correct: int
    prediction: int | None
    duration_ms: int
    submitted_at: datetime


def prediction_distance(candidate: Candidate, true_count: int) -> int | None:
    return None if candidate.prediction is None else abs(candidate.prediction - true_count)


SortKey = Callable[[Candidate, int], float | int | datetime]
RANKING_KEYS: dict[str, tuple[str, SortKey]] = {
    "correct_desc": ("Số câu trả lời đúng (nhiều hơn xếp trên)", lambda c, _: -c.correct),
    "prediction_distance_asc": (
        "Dự đoán gần đúng nhất",
        lambda c, true: math.inf if c.prediction is None else abs(c.prediction - true),
    ),
    "duration_asc": ("Thời gian làm bài (ngắn hơn xếp trên)", lambda c, _: c.duration_ms),
    "submitted_asc": ("Thời điểm nộp bài (sớm hơn xếp trên)", lambda c, _: c.submitted_at),
}


def best_attempts(attempts: Iterable[Candidate]) -> list[Candidate]:
    """The attempt that counts for each person: most right answers; on a tie, the earlier."""
    best: dict[int, Candidate] = {}
    for attempt in attempts:
        current = best.get(attempt.participant_id)
        if current is None or (attempt.correct, current.submitted_at) > (
            current.correct,
            attempt.submitted_at,
        ):
            best[attempt.participant_id] = attempt
    return list(best.values())


def rank(candidates: Iterable[Candidate], keys: Sequence[str], true_count: int) -> list[Candidate]:
    """Candidates in official order; the attempt id settles what the keys leave equal."""
    unknown = [key for key in keys if key not in RANKING_KEYS]
    if unknown:
        raise ValueError(f"unknown ranking keys: {unknown}")

    def sort_key(candidate: Candidate) -> tuple:
        return (
            *(RANKING_KEYS[key][1](candidate, true_count) for key in keys),
            candidate.attempt_id,
        )

    return sorted(candidates, key=sort_key)


def assign_prizes(
    ranked: Sequence[Candidate], prizes: dict[str, int], ineligible: set[int]
) -> dict[int, str]:
    """Prizes in rank order (Nhất, Nhì, Ba, Khuyến khích), skipping ineligible participants."""
    slots = [prize for prize in PRIZE_ORDER for _ in range(prizes.get(prize, 0))]
    winners: dict[int, str] = {}
    eligible = (c for c in ranked if c.participant_id not in ineligible)
    for prize, candidate in zip(slots, eligible, strict=False):
        winners[candidate.participant_id] = prize
    return winners
