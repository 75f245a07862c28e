"""Row streams for the exports: SQL joins and aggregates, Python only shapes each row.

Long streams read by keyset (`WHERE key > last ORDER BY key LIMIT 5000`), so memory stays
bounded on PostgreSQL and SQLite alike however many attempts a contest has. Participants who
withdrew their consent appear in no export, as on the boards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Integer, Row, String, case, cast, func, literal, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.contests.ranking import PRIZE_NAMES
from app.models import (
    Attempt,
    AttemptStatus,
    Participant,
    ParticipantGroup,
    Question,
    QuestionOption,
    QuestionVersion,
    Round,
    Standing,
    Unit,
    UnitBlock,
)

BATCH = 5000
FINAL = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
STATUS_NAMES = {AttemptStatus.SUBMITTED: "Đã nộp", AttemptStatus.EXPIRED: "Hết giờ"}
BLOCK_NAMES = {
    UnitBlock.ADMINISTRATIVE: "Hành chính",
    UnitBlock.PUBLIC_SERVICE: "Sự nghiệp",
    UnitBlock.COMMUNE: "Cấp xã",
    UnitBlock.OTHER: "Khác",
}
# Item analysis compares the top and bottom 27% of the attempts that saw a question (Kelley).
GROUP_PERCENT = 27


async def _keyset(session: AsyncSession, statement: Any, key: Any) -> AsyncIterator[Row]:
    """Rows of `statement`, which selects `key` first, in key order, one batch at a time."""
    last = None
    while True:
        page = statement if last is None else statement.where(key > last)
        rows = (await session.exec(page.order_by(key).limit(BATCH))).all()
        for row in rows:
            yield row
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _final_attempts(
    statement: Any,
    contest_id: int,
    round_number: int | None,
    unit_ids: set[int] | None,
    *,
    with_withdrawn: bool = False,
) -> Any:
    """Restricts a select from `attempt` to the final attempts in scope; people who withdrew
    their consent count only where the organisers must see the withdrawal (the results)."""
    statement = (
        statement.join(Round, col(Round.id) == Attempt.round_id)
        .join(Participant, col(Participant.id) == Attempt.participant_id)
        .where(Round.contest_id == contest_id, col(Attempt.status).in_(FINAL))
    )
    if not with_withdrawn:
        statement = statement.where(col(Participant.withdrawn_at).is_(None))
    if round_number is not None:
        statement = statement.where(Round.number == round_number)
    if unit_ids is not None:
        statement = statement.where(col(Attempt.unit_id).in_(unit_ids))
    return statement


def _seconds(milliseconds: int | None) -> float | None:
    return None if milliseconds is None else milliseconds / 1000


def _percent(part: float, whole: float) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


async def results(
    session: AsyncSession, contest_id: int, round_number: int | None, unit_ids: set[int] | None
) -> AsyncIterator[tuple]:
    """One row per final attempt, in the order attempts were started."""
    statement = _final_attempts(
        select(
            *(Attempt.id, Participant.full_name, Participant.birth_year, Participant.phone),
            *(Unit.name.label("unit"), ParticipantGroup.name.label("group")),
            *(Round.number.label("round"), Attempt.number, Attempt.correct_count),
            *(Attempt.max_score, Attempt.duration_ms, Attempt.submitted_at, Attempt.prediction),
            *(Attempt.status, Attempt.receipt, Participant.withdrawn_at),
        ).select_from(Attempt),
        contest_id,
        round_number,
        unit_ids,
        with_withdrawn=True,
    )
    statement = statement.join(Unit, col(Unit.id) == Attempt.unit_id).join(
        ParticipantGroup, col(ParticipantGroup.id) == Attempt.group_id
    )
    number = 0
    async for row in _keyset(session, statement, Attempt.id):
        number += 1
        yield (
            number,
            *(row.full_name, row.birth_year, row.phone, row.unit, row.group),
            *(row.round, row.number, row.correct_count, row.correct_count, row.max_score),
            _seconds(row.duration_ms),
            row.submitted_at,
            row.prediction,
            STATUS_NAMES.get(row.status, row.status)
            + (" (đã rút đồng ý)" if row.withdrawn_at else ""),
            row.receipt,
        )


async def winners(
    session: AsyncSession, contest_id: int, round_number: int, unit_ids: set[int] | None
) -> AsyncIterator[tuple]:
    """Prize winners of a closed round in rank order, with every tie-break value."""
    statement = (
        select(
            *(Standing.rank, Standing.prize, Participant.full_name, Participant.birth_year),
            *(Participant.phone, Unit.name.label("unit"), Standing.correct_count),
            *(Attempt.prediction, Standing.prediction_distance, Standing.duration_ms),
            *(Standing.submitted_at, Attempt.receipt),
        )
        .select_from(Standing)
        .join(Round, col(Round.id) == Standing.round_id)
        .join(Participant, col(Participant.id) == Standing.participant_id)
        .join(Unit, col(Unit.id) == Standing.unit_id)
        .join(Attempt, col(Attempt.id) == Standing.attempt_id)
        .where(
            Round.contest_id == contest_id,
            Round.number == round_number,
            col(Standing.prize).is_not(None),
            col(Participant.withdrawn_at).is_(None),
        )
    )
    if unit_ids is not None:
        statement = statement.where(col(Standing.unit_id).in_(unit_ids))
    async for row in _keyset(session, statement, Standing.rank):
        yield (
            row.rank,
            PRIZE_NAMES.get(row.prize, row.prize),
            *(row.full_name, row.birth_year, row.phone, row.unit),
            *(row.correct_count, row.prediction, row.prediction_distance),
            _seconds(row.duration_ms),
            row.submitted_at,
            row.receipt,
        )


async def units(
    session: AsyncSession, contest_id: int, round_number: int | None, unit_ids: set[int] | None
) -> AsyncIterator[tuple]:
    """Per-unit participation and scores; every unit in scope appears, even with nobody."""
    # A person's best attempt counts, per round: without --round each round is its own paper.
    papers = _final_attempts(
        select(
            Attempt.unit_id,
            Attempt.participant_id,
            func.max(Attempt.correct_count).label("best"),
            func.max(case((Attempt.correct_count == Attempt.max_score, 1), else_=0)).label("full"),
            func.count().label("attempts"),
        ).select_from(Attempt),
        contest_id,
        round_number,
        unit_ids,
    ).group_by(Attempt.unit_id, Attempt.participant_id, Attempt.round_id)
    papers = papers.subquery()
    taken = (
        select(
            papers.c.unit_id,
            func.count(papers.c.participant_id.distinct()).label("people"),
            func.sum(papers.c.attempts).label("attempts"),
            func.avg(papers.c.best).label("average"),
            func.sum(papers.c.full).label("full"),
        )
        .group_by(papers.c.unit_id)
        .subquery()
    )
    registered = (
        select(Participant.unit_id, func.count().label("registered"))
        .where(Participant.contest_id == contest_id, col(Participant.withdrawn_at).is_(None))
        .group_by(Participant.unit_id)
        .subquery()
    )
    statement = (
        select(
            *(Unit.id, Unit.code, Unit.name, Unit.block, Unit.headcount),
            *(registered.c.registered, taken.c.people, taken.c.attempts, taken.c.average),
            taken.c.full,
        )
        .select_from(Unit)
        .outerjoin(registered, registered.c.unit_id == Unit.id)
        .outerjoin(taken, taken.c.unit_id == Unit.id)
    )
    if unit_ids is not None:
        statement = statement.where(col(Unit.id).in_(unit_ids))
    async for row in _keyset(session, statement, Unit.id):
        _, code, name, block, headcount, registered_count, people, attempts, average, full = row
        people = int(people or 0)
        yield (
            code,
            name,
            BLOCK_NAMES.get(block, block),
            headcount,
            int(registered_count or 0),
            people,
            int(attempts or 0),
            _percent(people, headcount),
            None if average is None else round(float(average), 2),
            int(full or 0),
        )


def group_size(shown: int) -> int:
    """How many attempts make the upper (and the lower) group: 27%, rounded, at least one."""
    return max(1, (shown * GROUP_PERCENT + 50) // 100)


def _shown_questions(dialect: str) -> tuple[Any, Any, Any]:
    """Each question an attempt showed, read from its own JSON (questions and final answers):
    the table-valued function to join to `attempt`, the version id and the option chosen (NULL
    when unanswered). Item analysis reads these rather than a row per answer, which would cost
    every submit 20 more rows to write at the peak."""
    if dialect == "postgresql":
        shown = func.json_array_elements(Attempt.questions).table_valued("value", name="shown")
        version_key = shown.c.value.op("->>")("v")
        chosen = col(Attempt.answers).op("->>")(version_key)
        return shown, cast(version_key, Integer), cast(chosen, Integer)
    shown = func.json_each(Attempt.questions).table_valued("value", name="shown")
    version = cast(func.json_extract(shown.c.value, "$.v"), Integer)
    path = literal('$."') + cast(version, String) + literal('"')
    return shown, version, cast(func.json_extract(Attempt.answers, path), Integer)


async def option_count(
    session: AsyncSession, contest_id: int, round_number: int | None, unit_ids: set[int] | None
) -> int:
    """The most options any question shown in scope has: the number of "Tỷ lệ chọn" columns."""
    questions, version, _ = _shown_questions(session.bind.dialect.name)
    shown = _final_attempts(
        select(version).select_from(Attempt).join(questions, true()),
        contest_id,
        round_number,
        unit_ids,
    )
    statement = select(func.max(QuestionOption.position)).where(
        col(QuestionOption.version_id).in_(shown)
    )
    highest = (await session.exec(statement)).one()
    return 0 if highest is None else highest + 1


def _answers_ranked(
    dialect: str, contest_id: int, round_number: int | None, unit_ids: set[int] | None
) -> Any:
    """Each final answer with its attempt's place among the attempts that saw the question."""
    questions, version, chosen = _shown_questions(dialect)
    return _final_attempts(
        select(
            version.label("version_id"),
            chosen.label("option_id"),
            func.row_number()
            .over(partition_by=version, order_by=(col(Attempt.correct_count).desc(), Attempt.id))
            .label("place"),
            func.count().over(partition_by=version).label("shown"),
        )
        .select_from(Attempt)
        .join(questions, true()),
        contest_id,
        round_number,
        unit_ids,
    ).cte("ranked_answers")  # read twice below: once for the tallies, once for the totals


async def items(
    session: AsyncSession,
    contest_id: int,
    round_number: int | None,
    unit_ids: set[int] | None = None,
    options: int | None = None,
) -> AsyncIterator[tuple]:
    """Item analysis per question version: rates, discrimination, choices, a verdict.

    `options` is the number of "Tỷ lệ chọn" columns (`option_count`, when the caller has it).
    """
    ranked = _answers_ranked(session.bind.dialect.name, contest_id, round_number, unit_ids)
    size = (ranked.c.shown * GROUP_PERCENT + 50) // 100  # group_size, in SQL
    size = case((size < 1, 1), else_=size)
    tallies = (
        select(
            ranked.c.option_id,
            func.count().label("chosen"),
            func.sum(case((ranked.c.place <= size, 1), else_=0)).label("upper"),
            func.sum(case((ranked.c.place > ranked.c.shown - size, 1), else_=0)).label("lower"),
        )
        .where(ranked.c.option_id.is_not(None))
        .group_by(ranked.c.option_id)
        .subquery()
    )
    totals = (
        select(ranked.c.version_id, func.count().label("shown"))
        .group_by(ranked.c.version_id)
        .subquery()
    )
    statement = (
        select(
            totals.c.version_id,
            Question.external_id,
            QuestionVersion.version,
            QuestionVersion.text,
            totals.c.shown,
            QuestionOption.position,
            QuestionOption.is_correct,
            *(tallies.c.chosen, tallies.c.upper, tallies.c.lower),
        )
        .select_from(totals)
        .join(QuestionVersion, col(QuestionVersion.id) == totals.c.version_id)
        .join(Question, col(Question.id) == QuestionVersion.question_id)
        .join(QuestionOption, col(QuestionOption.version_id) == totals.c.version_id)
        .outerjoin(tallies, tallies.c.option_id == QuestionOption.id)
        .order_by(Question.external_id, QuestionVersion.version, QuestionOption.position)
    )
    if options is None:
        options = await option_count(session, contest_id, round_number, unit_ids)
    # One row per option of each shown version: a few per question, bounded by the bank.
    one_version: list[Row] = []
    async for row in await session.stream(statement):
        if one_version and one_version[0].version_id != row.version_id:
            yield _item_row(one_version, options)
            one_version = []
        one_version.append(row)
    if one_version:
        yield _item_row(one_version, options)


def _item_row(options: Sequence[Row], width: int) -> tuple:
    """One question version's row, from the tallies of each of its options."""
    first = options[0]
    shown, size = first.shown, group_size(first.shown)
    key = [row for row in options if row.is_correct]
    right = sum(row.chosen or 0 for row in key)
    upper_right = sum(row.upper or 0 for row in key)
    lower_right = sum(row.lower or 0 for row in key)
    distractor_upper = max((row.upper or 0 for row in options if not row.is_correct), default=0)
    shares: list[float | None] = [None] * width
    for row in options:
        shares[row.position] = _percent(row.chosen or 0, shown) or 0.0
    correct_rate = _percent(right, shown) or 0.0
    return (
        *(first.external_id, first.version, first.text, shown, correct_rate),
        round((upper_right - lower_right) / size, 2),
        *shares,
        verdict(correct_rate, upper_right, distractor_upper),
    )


def verdict(correct_rate: float, key_upper: int, distractor_upper: int) -> str:
    """What an organiser should look at: too easy, a doubtful key, too hard."""
    if correct_rate > 90:
        return "Quá dễ"
    if distractor_upper > key_upper:
        # The strongest participants agree on another option: the key may be wrong.
        return "Có thể sai đáp án"
    if correct_rate < 20:
        return "Quá khó"
    return ""
