from datetime import UTC, datetime, timedelta

import pytest

from app.attempts.scoring import board_score, unpack_board_score
from app.contests.ranking import Candidate, assign_prizes, best_attempts, rank
from app.models import DEFAULT_RANKING_KEYS

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def cand(pid, correct, prediction=None, duration=60_000, submitted=0, attempt=None):
    return Candidate(
        pid,
        attempt or pid * 10 + submitted,
        1,
        correct,
        prediction,
        duration,
        T0 + timedelta(seconds=submitted),
    )


def test_best_attempt_is_most_right_answers_and_on_a_tie_the_earlier():
    first, better, tie_later = (
        cand(1, 7, submitted=1),
        cand(1, 9, submitted=2),
        cand(1, 9, submitted=3),
    )
    assert best_attempts([first, better, tie_later]) == [better]
    assert best_attempts([tie_later, better]) == [better]


def test_default_order_right_answers_then_prediction_then_time_then_submission():
    true_count = 100
    people = [
        cand(1, 10, prediction=150, duration=50_000),
        cand(2, 10, prediction=101, duration=90_000),
        cand(3, 10, prediction=99, duration=80_000),  # same distance as 2, faster
        cand(4, 9, prediction=100, duration=10_000),
        cand(5, 10, prediction=99, duration=80_000, submitted=5),  # same as 3, later
        cand(6, 10, prediction=None, duration=1_000),
    ]
    ordered = rank(people, DEFAULT_RANKING_KEYS, true_count)
    assert [c.participant_id for c in ordered] == [3, 5, 2, 1, 6, 4]


def test_ranking_keys_are_configurable():
    people = [
        cand(1, 10, prediction=0, duration=5_000),
        cand(2, 10, prediction=100, duration=9_000),
    ]
    assert [c.participant_id for c in rank(people, ["correct_desc", "duration_asc"], 100)] == [1, 2]
    with pytest.raises(ValueError):
        rank(people, ["luck"], 100)


def test_prizes_go_in_rank_order_and_skip_the_ineligible():
    ordered = [cand(pid, 10 - pid) for pid in range(1, 8)]
    prizes = assign_prizes(
        ordered, {"nhat": 1, "nhi": 2, "ba": 1, "khuyen_khich": 2}, ineligible={2}
    )
    assert prizes == {1: "nhat", 3: "nhi", 4: "nhi", 5: "ba", 6: "khuyen_khich", 7: "khuyen_khich"}


def test_board_score_orders_like_the_live_rule_and_unpacks():
    start = T0
    faster = board_score(9, 60_000, T0 + timedelta(hours=1), start)
    slower = board_score(9, 61_000, T0 + timedelta(minutes=1), start)
    more_right = board_score(10, 900_000, T0 + timedelta(days=6), start)
    same_but_later = board_score(9, 60_000, T0 + timedelta(hours=2), start)
    assert more_right > faster > same_but_later > slower
    assert unpack_board_score(faster) == (9, 60_000)
    assert unpack_board_score(board_score(30, 1_800_000, T0 + timedelta(days=60), start)) == (
        30,
        1_800_000,
    )
