"""The attempt ticket (app.attempts.ticket): pure, no database."""

from datetime import UTC, datetime

from app.attempts import ticket
from app.attempts.service import Record

SECRET = "s" * 48


def attempt() -> Record:
    return Record(
        id=41,
        participant_id=7,
        round_id=3,
        unit_id=12,
        group_id=2,
        max_score=2,
        questions=[{"v": 101, "o": [4, 2, 3, 1]}, {"v": 205, "o": [9, 8, 7, 6]}],
        started_at=datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=UTC),
        deadline=datetime(2026, 12, 1, 1, 17, 3, 456789, tzinfo=UTC),
    )


def test_the_facts_come_back_exactly():
    issued = ticket.issue(SECRET, attempt())
    assert ticket.read(SECRET, issued, attempt_id=41, participant_id=7) == attempt()


def test_only_the_genuine_ticket_of_that_attempt_and_participant_reads():
    issued = ticket.issue(SECRET, attempt())
    facts, _, signature = issued.rpartition(".")
    other_facts = ticket.issue(SECRET, Record(**{**vars(attempt()), "id": 42})).rpartition(".")[0]
    for forged in (
        f"{facts}.{signature[:-1]}A" if signature[-1] != "A" else f"{facts}.{signature[:-1]}B",
        f"{other_facts}.{signature}",
        "Đ" + issued,
        "",
    ):
        assert ticket.read(SECRET, forged, attempt_id=41, participant_id=7) is None
    assert ticket.read("t" * 48, issued, attempt_id=41, participant_id=7) is None
    assert ticket.read(SECRET, issued, attempt_id=42, participant_id=7) is None
    assert ticket.read(SECRET, issued, attempt_id=41, participant_id=8) is None
