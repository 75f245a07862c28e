"""The attempt ticket: an attempt's fixed facts, signed, handed to its participant.

A submit that brings its ticket is finalised without reading the attempt first; at the peak
that read was a third of a submit's database work. The ticket holds nothing the participant
does not already see (their questions in their order, their times), it is bound to the attempt
and to the participant, and a missing, stale or forged ticket only means that the submit reads
the attempt as it always did.
"""

from __future__ import annotations

import base64
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app.attempts.service import Record
from app.participants.identity import sign

# The format is part of what is signed: a ticket of another format never reads as this one.
_PURPOSE = "attempt-ticket-1:"
_FIXED = ("id", "participant_id", "round_id", "unit_id", "group_id", "max_score", "questions")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def issue(secret: str, attempt: Any) -> str:
    """The ticket of an attempt (an `Attempt` or a row record of one)."""
    values = [getattr(attempt, name) for name in _FIXED]
    values += [_micros(attempt.started_at), _micros(attempt.deadline)]
    payload = base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode())
    text = payload.decode().rstrip("=")
    return f"{text}.{sign(secret, _PURPOSE + text)}"


def read(secret: str, ticket: str, attempt_id: int, participant_id: int) -> Record | None:
    """The facts of `attempt_id` as its ticket states them, or None unless the ticket is
    genuine and is that attempt's, issued to that participant."""
    text, _, signature = ticket.rpartition(".")
    if not ticket.isascii() or not hmac.compare_digest(sign(secret, _PURPOSE + text), signature):
        return None
    values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    facts = Record(**dict(zip(_FIXED, values[:-2], strict=True)))
    if facts.id != attempt_id or facts.participant_id != participant_id:
        return None
    facts.started_at, facts.deadline = _moment(values[-2]), _moment(values[-1])
    return facts
