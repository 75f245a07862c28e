"""Scoring and ranking keys. Pure functions: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

# Leaderboard scores pack (right answers, working time, submit time) into one sorted-set score
# (a double, exact to 2**53): 6 bits of right answers, 21 of milliseconds (35 minutes),
# 26 of seconds since the round started (776 days). Higher is better.
DURATION_BITS, SUBMIT_BITS = 21, 26
MAX_DURATION_MS = (1 << DURATION_BITS) - 1
MAX_SUBMIT_S = (1 << SUBMIT_BITS) - 1


def correct_count(answers: Mapping[str, int], correct: Mapping[int, int]) -> int:
    """How many answers pick the right option; `correct` maps version id -> right option id."""
    return sum(1 for version_id, right in correct.items() if answers.get(str(version_id)) == right)


def duration_ms(started_at: datetime, finished_at: datetime, time_limit_seconds: int) -> int:
    """Working time to the millisecond, never above the time limit (the server's clock rules)."""
    elapsed = int((finished_at - started_at).total_seconds() * 1000)
    return max(0, min(elapsed, time_limit_seconds * 1000))


def board_score(
    correct: int, duration: int, submitted_at: datetime, round_start: datetime
) -> float:
    """One number that orders like: more right answers, shorter time, earlier submission."""
    since_start = int((submitted_at - round_start).total_seconds())
    time_part = MAX_DURATION_MS - min(duration, MAX_DURATION_MS)
    submit_part = MAX_SUBMIT_S - min(max(since_start, 0), MAX_SUBMIT_S)
    return float(
        (correct << (DURATION_BITS + SUBMIT_BITS)) | (time_part << SUBMIT_BITS) | submit_part
    )


def unpack_board_score(score: float) -> tuple[int, int]:
    """Right answers and working time (ms) back from a board score."""
    value = int(score)
    correct = value >> (DURATION_BITS + SUBMIT_BITS)
    duration = MAX_DURATION_MS - ((value >> SUBMIT_BITS) & MAX_DURATION_MS)
    return correct, duration
