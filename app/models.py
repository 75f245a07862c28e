"""All tables. Times are timezone-aware and stored in UTC, to the millisecond or better."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# Named constraints, so that migrations can drop and alter them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """timestamptz on PostgreSQL; on SQLite a naive UTC value, handed back as aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def time_column(*, nullable: bool = False, index: bool = False, now: bool = False) -> Any:
    """A UTC time column; `now` fills it with the current time, `nullable` with None."""
    column = Column(UTCDateTime(), nullable=nullable, index=index)
    if now:
        return Field(default_factory=utcnow, sa_column=column)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(sa_column=column)


def json_column(factory: Any = None, *, nullable: bool = False) -> Any:
    column = Column(JSON, nullable=nullable)
    if factory is None:
        return Field(default=None, sa_column=column)
    return Field(default_factory=factory, sa_column=column)


# Official ranking, in order: more right answers, prediction closest to the true count,
# shorter working time, earlier submission.
DEFAULT_RANKING_KEYS = ("correct_desc", "prediction_distance_asc", "duration_asc", "submitted_asc")


# --- Units ------------------------------------------------------------------------------------


class UnitBlock(StrEnum):
    """The blocks the organisers report by (khối)."""

    ADMINISTRATIVE = "hanh-chinh"  # sở, ban, ngành
    PUBLIC_SERVICE = "su-nghiep"  # đơn vị sự nghiệp
    COMMUNE = "cap-xa"  # xã, phường and their offices
    OTHER = "khac"


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(max_length=255)
    # Lower-case, diacritics removed, for the searchable unit picker ("xuan hung").
    search_name: str = Field(max_length=255, index=True)
    kind: str = Field(max_length=40)  # sở, ban, ngành, xã, phường, phòng, đơn vị sự nghiệp…
    block: str = Field(default=UnitBlock.OTHER, max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    headcount: int = Field(default=0, ge=0)
    is_demo: bool = False


# --- Contests, rounds, groups -----------------------------------------------------------------


class Contest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    title: str = Field(max_length=255)
    slogan: str = Field(default="", max_length=255)
    organiser_name: str = Field(default="", max_length=255)
    rules_summary: str = ""
    rules_full: str = ""
    min_age: int = 0
    # The prediction asked at submit: the count of full scores, or of participants.
    prediction_target: str = Field(default="full_score_count", max_length=30)
    prediction_question: str = "Dự đoán số người trả lời đúng tất cả các câu hỏi"
    ranking_keys: list[str] = json_column(lambda: list(DEFAULT_RANKING_KEYS))
    one_prize_per_person: bool = False
    collective_rule: str = Field(default="rate", max_length=30)
    is_demo: bool = False
    created_at: datetime = time_column(now=True)


class ParticipantGroup(SQLModel, table=True):
    __tablename__ = "participant_group"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    contest_id: int = Field(foreign_key="contest.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    # Optional per-group question selection, same shape as Round.blueprint.
    blueprint: list[dict[str, Any]] | None = json_column(nullable=True)


class Round(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    contest_id: int = Field(foreign_key="contest.id", index=True)
    number: int
    title: str = Field(default="", max_length=120)
    starts_at: datetime = time_column()
    ends_at: datetime = time_column()
    questions_per_attempt: int = 20
    time_limit_seconds: int = 900
    max_attempts: int = 2
    attempt_period: str = Field(default="round", max_length=10)  # "round" or "day"
    review_policy: str = Field(default="after_close", max_length=20)  # or "after_submit"
    # [{"area": slug?, "tag": tag?, "difficulty": n?, "count": n}, …]; empty = any question.
    blueprint: list[dict[str, Any]] = json_column(list)
    # {"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 10}
    prizes: dict[str, int] = json_column(dict)
    closed_at: datetime | None = time_column(nullable=True)
    true_count: int | None = None
    winners_published_at: datetime | None = time_column(nullable=True)


# --- Question bank ----------------------------------------------------------------------------


class ContentArea(SQLModel, table=True):
    __tablename__ = "content_area"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    title: str = Field(max_length=255)


class Question(SQLModel, table=True):
    """A question's identity; what it says lives in its versions."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    area_id: int = Field(foreign_key="content_area.id", index=True)
    origin: str = Field(default="bank", max_length=20)  # "bank" (questions/) or "import"
    status: str = Field(default="active", max_length=20)  # active, draft, retired
    current_version_id: int | None = None
    created_at: datetime = time_column(now=True)


class QuestionVersion(SQLModel, table=True):
    """Immutable once written: attempts point at the version they showed."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    version: int
    text: str
    difficulty: int = 1
    tags: list[str] = json_column(list)
    explanation: str = ""
    source_doc: str | None = Field(default=None, max_length=120)
    source_section: str | None = Field(default=None, max_length=60)
    source_quote: str | None = None
    content_hash: str = Field(max_length=64)
    created_at: datetime = time_column(now=True)


class QuestionOption(SQLModel, table=True):
    __tablename__ = "question_option"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="question_version.id", index=True)
    position: int  # as written in the bank; attempts shuffle the display order
    text: str
    is_correct: bool = False


# --- Participants and attempts ----------------------------------------------------------------


class Participant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("contest_id", "phone"),)

    id: int | None = Field(default=None, primary_key=True)
    contest_id: int = Field(foreign_key="contest.id", index=True)
    group_id: int = Field(foreign_key="participant_group.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    full_name: str = Field(max_length=120)
    phone: str = Field(max_length=15)  # normalised: 0 followed by 9 digits
    birth_year: int
    consent_at: datetime = time_column(now=True)
    parent_consent: bool = False
    withdrawn_at: datetime | None = time_column(nullable=True)
    registered_ip: str | None = Field(default=None, max_length=45)
    source_poster: str | None = Field(default=None, max_length=40)
    created_at: datetime = time_column(now=True)


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class Attempt(SQLModel, table=True):
    __table_args__ = (
        # The attempt limit holds under concurrency: numbers are unique per period.
        UniqueConstraint("round_id", "participant_id", "period", "number"),
        # At most one attempt in progress per person and round.
        Index(
            "uq_attempt_one_in_progress",
            "round_id",
            "participant_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index("ix_attempt_round_unit", "round_id", "unit_id"),
        # Abandoned attempts for the sweep. Partial: a submit then adds no entry to it, and it
        # holds only the attempts in progress, not every attempt ever made.
        Index(
            "ix_attempt_in_progress_deadline",
            "deadline",
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    participant_id: int = Field(foreign_key="participant.id", index=True)
    # Copied from the participant so per-unit and per-group results need no join.
    unit_id: int = Field(foreign_key="unit.id")
    group_id: int = Field(foreign_key="participant_group.id")
    period: str = Field(default="round", max_length=10)  # "round" or the local date
    number: int
    status: str = Field(default=AttemptStatus.IN_PROGRESS, max_length=20)
    # [{"v": version_id, "o": [option_id, …]}] in the order shown.
    questions: list[dict[str, Any]] = json_column(list)
    # {version_id: option_id}, autosaved, then final.
    answers: dict[str, int] = json_column(dict)
    started_at: datetime = time_column()
    deadline: datetime = time_column()
    answers_saved_at: datetime | None = time_column(nullable=True)
    submitted_at: datetime | None = time_column(nullable=True)
    correct_count: int | None = None
    max_score: int
    duration_ms: int | None = None
    prediction: int | None = None
    receipt: str | None = Field(default=None, sa_column=Column(String(16), unique=True))


class Standing(SQLModel, table=True):
    """The official standing of a round, frozen when the round closes."""

    __table_args__ = (
        UniqueConstraint("round_id", "participant_id"),
        Index("ix_standing_round_rank", "round_id", "rank"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    participant_id: int = Field(foreign_key="participant.id")
    attempt_id: int = Field(foreign_key="attempt.id")
    unit_id: int = Field(foreign_key="unit.id")
    rank: int
    correct_count: int
    prediction_distance: int | None = None
    duration_ms: int
    submitted_at: datetime = time_column()
    prize: str | None = Field(default=None, max_length=20)


# --- Organisers -------------------------------------------------------------------------------


class OrganiserRole(StrEnum):
    ADMIN = "quan-tri"
    UNIT = "don-vi"


class Organiser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    failed_logins: int = 0
    locked_until: datetime | None = time_column(nullable=True)
    # Bumped by "log out everywhere": sessions carry the generation they were issued under.
    session_generation: int = 0
    created_at: datetime = time_column(now=True)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_column(index=True, now=True)
    organiser_id: int | None = Field(default=None, foreign_key="organiser.id")
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=255)
    details: dict[str, Any] = json_column(dict)
    ip: str | None = Field(default=None, max_length=45)


class ReportCache(SQLModel, table=True):
    """Reports too heavy for a page view (item analysis, suspicious activity), computed by
    the background job or on request and kept here with when they were computed."""

    __tablename__ = "report_cache"
    __table_args__ = (UniqueConstraint("contest_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    contest_id: int = Field(foreign_key="contest.id")
    kind: str = Field(max_length=30)
    computed_at: datetime = time_column(now=True)
    payload: dict[str, Any] = json_column(dict)


# --- Posters ----------------------------------------------------------------------------------


class Poster(SQLModel, table=True):
    """A printed QR poster; `code` is the `src` of the link it carries."""

    id: int | None = Field(default=None, primary_key=True)
    contest_id: int = Field(foreign_key="contest.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    location: str = Field(default="", max_length=255)
    visits: int = 0
    created_at: datetime = time_column(now=True)
