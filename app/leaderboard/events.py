"""What the live boards and counters hear about: a registration, a start, a final attempt.

Each event is applied by one Lua script, atomically, and at most once: a bitmap of the ids
already applied guards it. So the same events can be replayed from the database at any time
(after an outage, or a Redis that came back empty) without counting anything twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.attempts import scoring
from app.config import settings
from app.models import Attempt, Participant, Round
from app.redis import LuaScript, key

log = logging.getLogger(__name__)

# Shared by the scripts: HINCRBY one counter in every scope (all, the unit, the group, …).
_BUMP = """
local function bump(hash, scopes, name, amount)
  for _, scope in ipairs(scopes) do redis.call('HINCRBY', hash, scope .. name, amount) end
end
"""

# KEYS: applied bitmap, counters. ARGV: id, counter name, unit, group, local day.
COUNT_ONCE_SCRIPT = (
    _BUMP
    + """
if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 1 then return 0 end
local unit, group = ARGV[3], ARGV[4]
local scopes = {'', 'unit:' .. unit .. ':', 'group:' .. group .. ':',
                'ug:' .. unit .. ':' .. group .. ':', 'day:' .. ARGV[5] .. ':'}
bump(KEYS[2], scopes, ARGV[2], 1)
return 1
"""
)

# KEYS: applied bitmap, board, unit board, group board, round counters.
# ARGV: attempt id, participant id, board score, right answers, max score, unit, group, day.
# A participant's entry changes only for more right answers (a tie keeps the earlier attempt);
# right answers sit above bit 47 of the board score (scoring.board_score).
FINAL_SCRIPT = (
    _BUMP
    + """
if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 1 then return 0 end
local unit, group = ARGV[6], ARGV[7]
local scopes = {'', 'unit:' .. unit .. ':', 'group:' .. group .. ':',
                'ug:' .. unit .. ':' .. group .. ':'}
bump(KEYS[5], {scopes[1], scopes[2], scopes[3], scopes[4], 'day:' .. ARGV[8] .. ':'},
     'submissions', 1)
local correct, max_score = tonumber(ARGV[4]), tonumber(ARGV[5])
local old = redis.call('ZSCORE', KEYS[2], ARGV[2])
local old_correct = -1
if old then
  old_correct = math.floor(tonumber(old) / 140737488355328)
  if correct <= old_correct then return 1 end
end
for i = 2, 4 do redis.call('ZADD', KEYS[i], ARGV[3], ARGV[2]) end
redis.call('HINCRBY', KEYS[5], 'dist:' .. correct, 1)
if old_correct < 0 then
  bump(KEYS[5], scopes, 'participants', 1)
  bump(KEYS[5], scopes, 'score_sum', correct)
else
  redis.call('HINCRBY', KEYS[5], 'dist:' .. old_correct, -1)
  bump(KEYS[5], scopes, 'score_sum', correct - old_correct)
end
if correct == max_score and old_correct < max_score then
  bump(KEYS[5], scopes, 'full_scores', 1)
end
return 1
"""
)


def board_key(round_id: int, unit_id: int | None = None, group_id: int | None = None) -> str:
    if unit_id is not None:
        return key("lb", round_id, "unit", unit_id)
    if group_id is not None:
        return key("lb", round_id, "group", group_id)
    return key("lb", round_id)


def round_counters_key(round_id: int) -> str:
    return key("count", "round", round_id)


def contest_counters_key(contest_id: int) -> str:
    return key("count", "contest", contest_id)


def applied_key(kind: str, scope_id: int) -> str:
    """The bitmap of event ids already applied: kind is reg (per contest), start or final."""
    return key("applied", kind, scope_id)


def local_day(moment: datetime) -> str:
    return moment.astimezone(settings.tz).date().isoformat()


class SyncState:
    """Whether this process failed to tell Redis something since its last replay."""

    def __init__(self) -> None:
        self.dirty = False


sync_state = SyncState()


@cache  # one per script text, its SHA1 computed once, not on every submit
def _lua(text: str) -> LuaScript:
    return LuaScript(text)


async def _apply(redis: Redis, script: str, keys: list[str], args: list[object], what: str) -> bool:
    try:
        await _lua(script)(redis, keys, args)
    except (RedisError, OSError):
        sync_state.dirty = True
        log.warning("Redis unreachable: %s not applied; the catch-up will replay it", what)
        return False
    return True


Call = tuple[str, list[str], list[object]]


def registration_call(participant: Participant) -> Call:
    contest = participant.contest_id
    keys = [applied_key("reg", contest), contest_counters_key(contest)]
    args = [
        participant.id,
        "registrations",
        participant.unit_id,
        participant.group_id,
        local_day(participant.created_at),
    ]
    return COUNT_ONCE_SCRIPT, keys, args


def start_call(attempt: Attempt) -> Call:
    keys = [applied_key("start", attempt.round_id), round_counters_key(attempt.round_id)]
    args = [
        attempt.id,
        "attempts",
        attempt.unit_id,
        attempt.group_id,
        local_day(attempt.started_at),
    ]
    return COUNT_ONCE_SCRIPT, keys, args


def final_call(attempt: Attempt, round_: Round) -> Call:
    score = scoring.board_score(
        attempt.correct_count, attempt.duration_ms, attempt.submitted_at, round_.starts_at
    )
    keys = [
        applied_key("final", round_.id),
        board_key(round_.id),
        board_key(round_.id, unit_id=attempt.unit_id),
        board_key(round_.id, group_id=attempt.group_id),
        round_counters_key(round_.id),
    ]
    args = [
        attempt.id,
        attempt.participant_id,
        score,
        attempt.correct_count,
        attempt.max_score,
        attempt.unit_id,
        attempt.group_id,
        local_day(attempt.submitted_at),
    ]
    return FINAL_SCRIPT, keys, args


async def registered(*, redis: Redis, participant: Participant) -> bool:
    """Counts a new registration; False (and a later replay) when Redis is unreachable."""
    return await _apply(redis, *registration_call(participant), f"registration {participant.id}")


async def started(*, redis: Redis, attempt: Attempt) -> bool:
    return await _apply(redis, *start_call(attempt), f"start of attempt {attempt.id}")


async def finalised(*, redis: Redis, attempt: Attempt, round_: Round) -> bool:
    """Puts a final attempt on the boards and counters."""
    return await _apply(redis, *final_call(attempt, round_), f"attempt {attempt.id}")
