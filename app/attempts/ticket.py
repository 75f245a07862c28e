"""The attempt ticket: an attempt's fixed facts, signed, handed to its participant.

A submit that brings its ticket is finalised without reading the attempt first; at the peak
that read was a third of a submit's database work. The ticket holds nothing the participant
does not already see (their questions in their order, their times), it is bound to the attempt
and to the participant, and a missing, stale or forged ticket only means that the submit reads
the attempt as it always did.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from app.attempts.service import Record
from app.participants.identity import sign

# The format is part of what is signed: a ticket of another format never reads as this one.
_PURPOSE = "attempt-ticket-2:"
_FIXED = ("id", "participant_id", "round_id", "unit_id", "group_id", "max_score")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def issue(secret: str, attempt: Any) -> str:
    """The ticket of an attempt (an `Attempt` or a row record of one): its fixed facts as
    numbers joined by dots, each question as its version then its options in order, joined by
    dashes ("41.7.3.12.2.20.<start µs>.<deadline µs>.101-4-2-3-1…"), then the signature."""
    numbers = [getattr(attempt, name) for name in _FIXED]
    numbers += [_micros(attempt.started_at), _micros(attempt.deadline)]
    questions = ["-".join(map(str, (q["v"], *q["o"]))) for q in attempt.questions]
    text = ".".join([*map(str, numbers), *questions])
    return f"{text}.{sign(secret, _PURPOSE + text)}"


def read(secret: str, ticket: str, attempt_id: int, participant_id: int) -> Record | None:
    """The facts of `attempt_id` as its ticket states them, or None unless the ticket is
    genuine and is that attempt's, issued to that participant."""
    text, _, signature = ticket.rpartition(".")
    if not ticket.isascii() or not hmac.compare_digest(sign(secret, _PURPOSE + text), signature):
        return None
    fields = text.split(".")
    fixed = len(_FIXED)
    facts = Record(**dict(zip(_FIXED, map(int, fields[:fixed]), strict=True)))
    if facts.id != attempt_id or facts.participant_id != participant_id:
        return None
    facts.started_at = _moment(int(fields[fixed]))
    facts.deadline = _moment(int(fields[fixed + 1]))
    facts.questions = [_question(field) for field in fields[fixed + 2 :]]
    return facts


def _question(field: str) -> dict[str, Any]:
    version, *options = map(int, field.split("-"))
    return {"v": version, "o": options}
