"""Setting contests up: parsing and checking what organisers type into the console forms.

Parsing is pure; saving uses the session and never commits (the caller commits once, with the
audit entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.attempts.draw import matches
from app.config import settings
from app.contests.ranking import PRIZE_ORDER, RANKING_KEYS
from app.errors import AppError
from app.models import Contest, ParticipantGroup, Round
from app.questions.catalog import catalog

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
BLUEPRINT_KEYS = {"area", "tag", "difficulty"}
PREDICTION_TARGETS = {
    "full_score_count": "Số người trả lời đúng tất cả các câu hỏi",
    "participant_count": "Số người tham gia dự thi",
}
COLLECTIVE_RULES = {
    "rate": "Theo tỷ lệ tham gia (người dự thi ÷ biên chế)",
    "count": "Theo số người dự thi",
    "rate_min": "Theo tỷ lệ, đơn vị phải đạt tỷ lệ tối thiểu theo quy mô",
    "rate_points": "Theo tỷ lệ cộng điểm cho mỗi giải cá nhân",
}


class FormError(AppError):
    """Problems found in a form, by field name."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(
            422, "invalid_form", "Vui lòng kiểm tra lại các ô được đánh dấu.", fields=fields
        )


def parse_blueprint(text: str) -> list[dict[str, Any]]:
    """'thu-tuc-hanh-chinh:3, tag=cao-bang:2, area=chi-so-danh-gia&difficulty=1:1' → rules.

    A bare name is a content area; `key=value` pairs (area, tag, difficulty) joined by '&'
    narrow a line; the number after ':' is how many questions it draws.
    """
    rules = []
    for entry in filter(None, (part.strip() for part in re.split(r"[,\n;]", text or ""))):
        selector, _, count = entry.rpartition(":")
        if not selector or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"“{entry}”: viết dạng lĩnh-vực:số-câu")
        rule: dict[str, Any] = {"count": int(count)}
        for condition in selector.split("&"):
            name, _, value = condition.strip().rpartition("=")
            name = name or "area"
            if name not in BLUEPRINT_KEYS or not value:
                raise ValueError(f"“{entry}”: chỉ dùng area=, tag=, difficulty=")
            rule[name] = int(value) if name == "difficulty" else value
        rules.append(rule)
    return rules


def blueprint_text(rules: list[dict[str, Any]] | None) -> str:
    """The form's text for stored rules (the inverse of parse_blueprint)."""
    lines = []
    for rule in rules or []:
        conditions = [
            f"{k}={rule[k]}" if k != "area" else str(rule[k])
            for k in ("area", "tag", "difficulty")
            if k in rule
        ]
        lines.append(f"{'&'.join(conditions)}:{rule['count']}")
    return "\n".join(lines)


async def check_blueprint(
    session: AsyncSession, rules: list[dict[str, Any]], total: int
) -> str | None:
    """A Vietnamese problem when the active bank cannot satisfy the rules, else None."""
    if sum(rule["count"] for rule in rules) > total:
        return "Tổng số câu theo cơ cấu vượt số câu mỗi lượt thi."
    items = await catalog.active_items(session)
    if len(items) < total:
        return f"Ngân hàng chỉ có {len(items)} câu hỏi đang dùng, cần {total}."
    taken: set[int] = set()
    for rule in rules:
        pool = [i for i in items if i.version_id not in taken and matches(i, rule)]
        if len(pool) < rule["count"]:
            return f"Chỉ có {len(pool)} câu phù hợp với “{blueprint_text([rule])}”."
        taken.update(i.version_id for i in pool[: rule["count"]])
    return None


def parse_ranking_keys(text: str) -> list[str]:
    keys = [line.strip() for line in re.split(r"[\n,]", text or "") if line.strip()]
    unknown = [k for k in keys if k not in RANKING_KEYS]
    if not keys or unknown or len(set(keys)) != len(keys):
        raise ValueError("Chọn các tiêu chí trong danh sách, mỗi tiêu chí một lần.")
    return keys


def parse_local_time(text: str) -> datetime:
    """'2026-12-01T08:00' (a datetime-local field) or '01/12/2026 08:00', in Vietnam time."""
    for pattern in ("%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=settings.tz)
        except ValueError:
            continue
    raise ValueError("Nhập thời gian dạng dd/mm/yyyy HH:MM.")


@dataclass
class RoundForm:
    title: str
    starts_at: str
    ends_at: str
    questions_per_attempt: int
    time_limit_minutes: int
    max_attempts: int
    attempt_period: str
    review_policy: str
    blueprint: str
    prizes: dict[str, int]


async def apply_round(session: AsyncSession, round_: Round, form: RoundForm) -> Round:
    """Validates a round form into `round_` (added to the session, not committed)."""
    errors: dict[str, str] = {}

    def attempt(field: str, parse):  # noqa: ANN001, ANN202
        try:
            return parse()
        except ValueError as error:
            errors[field] = str(error)
            return None

    starts = attempt("starts_at", lambda: parse_local_time(form.starts_at))
    ends = attempt("ends_at", lambda: parse_local_time(form.ends_at))
    if starts and ends and ends <= starts:
        errors["ends_at"] = "Thời điểm kết thúc phải sau thời điểm bắt đầu."
    if not 10 <= form.questions_per_attempt <= 30:
        errors["questions_per_attempt"] = "Mỗi lượt thi có từ 10 đến 30 câu."
    if not 1 <= form.time_limit_minutes <= 180:
        errors["time_limit_minutes"] = "Thời gian làm bài từ 1 đến 180 phút."
    if not 1 <= form.max_attempts <= 100:
        errors["max_attempts"] = "Số lượt thi từ 1 đến 100."
    if form.attempt_period not in {"round", "day"}:
        errors["attempt_period"] = "Chọn giới hạn lượt theo đợt hoặc theo ngày."
    if form.review_policy not in {"after_close", "after_submit"}:
        errors["review_policy"] = "Chọn thời điểm mở đáp án."
    if any(count < 0 for count in form.prizes.values()):
        errors["prizes"] = "Số giải không âm."
    rules = attempt("blueprint", lambda: parse_blueprint(form.blueprint)) or []
    if "blueprint" not in errors and "questions_per_attempt" not in errors:
        problem = await check_blueprint(session, rules, form.questions_per_attempt)
        if problem:
            errors["blueprint"] = problem
    if errors:
        raise FormError(errors)
    round_.title = form.title.strip()[:120]
    round_.starts_at, round_.ends_at = starts, ends
    round_.questions_per_attempt = form.questions_per_attempt
    round_.time_limit_seconds = form.time_limit_minutes * 60
    round_.max_attempts = form.max_attempts
    round_.attempt_period, round_.review_policy = form.attempt_period, form.review_policy
    round_.blueprint = rules
    round_.prizes = {key: form.prizes.get(key, 0) for key in PRIZE_ORDER}
    session.add(round_)
    return round_


def apply_contest(contest: Contest, values: dict[str, str], *, creating: bool) -> Contest:
    """Validates the contest form into `contest` (pure: the caller adds and commits)."""
    errors: dict[str, str] = {}
    if creating and not SLUG.fullmatch(values.get("slug", "")):
        errors["slug"] = "Địa chỉ chỉ gồm chữ thường không dấu, số và dấu gạch ngang."
    if len(values.get("title", "").strip()) < 5:
        errors["title"] = "Nhập tên cuộc thi."
    if values.get("prediction_target") not in PREDICTION_TARGETS:
        errors["prediction_target"] = "Chọn nội dung câu hỏi dự đoán."
    if values.get("collective_rule") not in COLLECTIVE_RULES:
        errors["collective_rule"] = "Chọn cách xếp giải tập thể."
    try:
        keys = parse_ranking_keys(values.get("ranking_keys", ""))
    except ValueError as error:
        errors["ranking_keys"] = str(error)
    min_age = values.get("min_age", "0").strip() or "0"
    if not min_age.isdigit() or int(min_age) > 100:
        errors["min_age"] = "Tuổi tối thiểu là số từ 0 đến 100."
    if errors:
        raise FormError(errors)
    if creating:
        contest.slug = values["slug"]
    contest.title = values["title"].strip()
    contest.slogan = values.get("slogan", "").strip()
    contest.organiser_name = values.get("organiser_name", "").strip()
    contest.rules_summary = values.get("rules_summary", "").strip()
    contest.rules_full = values.get("rules_full", "").strip()
    contest.min_age = int(min_age)
    contest.prediction_target = values["prediction_target"]
    contest.prediction_question = PREDICTION_TARGETS[values["prediction_target"]].replace(
        "Số", "Dự đoán số", 1
    )
    contest.ranking_keys = keys
    contest.one_prize_per_person = values.get("one_prize_per_person") == "1"
    contest.collective_rule = values["collective_rule"]
    return contest


def parse_groups(text: str) -> list[tuple[str, str, list[dict[str, Any]] | None]]:
    """Lines 'ma | Tên đối tượng [| cơ cấu câu hỏi riêng]' → (code, name, blueprint)."""
    groups = []
    for line in filter(None, (line.strip() for line in (text or "").splitlines())):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not SLUG.fullmatch(parts[0]) or not parts[1]:
            raise ValueError(f"“{line}”: viết dạng ma-doi-tuong | Tên đối tượng")
        blueprint = parse_blueprint(parts[2]) if len(parts) > 2 and parts[2] else None
        groups.append((parts[0], parts[1], blueprint))
    if not groups:
        raise ValueError("Cần ít nhất một đối tượng dự thi.")
    return groups


Groups = list[tuple[str, str, list[dict[str, Any]] | None]]


def checked_groups(text: str) -> Groups:
    """parse_groups, with its problem reported against the form field."""
    try:
        return parse_groups(text)
    except ValueError as error:
        raise FormError({"groups": str(error)}) from error


def apply_groups(
    session: AsyncSession, contest: Contest, parsed: Groups, existing: list[ParticipantGroup]
) -> None:
    """Adds and renames groups; a group with participants is never deleted."""
    by_code = {group.code: group for group in existing}
    for code, name, blueprint in parsed:
        group = by_code.get(code) or ParticipantGroup(contest_id=contest.id, code=code, name=name)
        group.name, group.blueprint = name, blueprint
        session.add(group)
