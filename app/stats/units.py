"""Per-unit participation from the live counters: no scan of attempts on any page view."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Unit, UnitBlock

BLOCK_NAMES = {
    UnitBlock.ADMINISTRATIVE: "Khối hành chính",
    UnitBlock.PUBLIC_SERVICE: "Khối sự nghiệp",
    UnitBlock.COMMUNE: "Cấp xã",
    UnitBlock.OTHER: "Khác",
}
SORTABLE = ("name", "registered", "participants", "attempts", "rate", "average", "full_scores")


@dataclass
class UnitStat:
    code: str
    name: str
    block: str
    headcount: int
    registered: int = 0
    participants: int = 0
    attempts: int = 0
    score_sum: int = 0
    full_scores: int = 0

    @property
    def rate(self) -> float | None:
        """Participation rate in percent: participants ÷ headcount."""
        return 100 * self.participants / self.headcount if self.headcount else None

    @property
    def average(self) -> float | None:
        """Average of each participant's best right-answer count."""
        return self.score_sum / self.participants if self.participants else None


def unit_stats(
    units: list[Unit],
    contest_counts: dict[str, int],
    round_counts: dict[str, int],
    group_id: int | None = None,
) -> list[UnitStat]:
    """One row per unit from the counter hashes (a group narrows to unit × group)."""
    stats = []
    for unit in units:
        scope = f"ug:{unit.id}:{group_id}:" if group_id else f"unit:{unit.id}:"
        stats.append(
            UnitStat(
                code=unit.code,
                name=unit.name,
                block=unit.block,
                headcount=unit.headcount,
                registered=contest_counts.get(scope + "registrations", 0),
                participants=round_counts.get(scope + "participants", 0),
                attempts=round_counts.get(scope + "attempts", 0),
                score_sum=round_counts.get(scope + "score_sum", 0),
                full_scores=round_counts.get(scope + "full_scores", 0),
            )
        )
    return stats


def sort_stats(stats: list[UnitStat], key: str, descending: bool) -> list[UnitStat]:
    """Sorted by a column; units without a value (no headcount, nobody yet) go last."""
    key = key if key in SORTABLE else "name"
    present = [s for s in stats if getattr(s, key) is not None]
    absent = [s for s in stats if getattr(s, key) is None]
    return sorted(present, key=lambda s: getattr(s, key), reverse=descending) + absent


def block_totals(stats: list[UnitStat]) -> list[UnitStat]:
    """One summed row per block, and the grand total last."""
    totals: dict[str, UnitStat] = {}
    for stat in stats:
        for block in (stat.block, "all"):
            name = BLOCK_NAMES.get(block, "Tổng cộng")
            total = totals.setdefault(block, UnitStat(code="", name=name, block=block, headcount=0))
            for field in (
                "headcount",
                "registered",
                "participants",
                "attempts",
                "score_sum",
                "full_scores",
            ):
                setattr(total, field, getattr(total, field) + getattr(stat, field))
    ordered = [totals[b] for b in BLOCK_NAMES if b in totals]
    return ordered + ([totals["all"]] if "all" in totals else [])


def daily(round_counts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(day dd/mm, attempts, submissions) for every day with activity, in order."""
    days = sorted({field.split(":")[1] for field in round_counts if field.startswith("day:")})
    return [
        (
            f"{day[8:10]}/{day[5:7]}",
            round_counts.get(f"day:{day}:attempts", 0),
            round_counts.get(f"day:{day}:submissions", 0),
        )
        for day in days
    ]


def distribution(round_counts: dict[str, int], max_score: int) -> list[tuple[int, int]]:
    """How many participants have each best score, 0 … max."""
    return [(score, round_counts.get(f"dist:{score}", 0)) for score in range(max_score + 1)]
