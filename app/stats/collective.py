"""Collective prizes (giải tập thể): units ranked by the contest's rule. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from app.stats.units import UnitStat

POINTS_PER_PRIZE = 5.0


def minimum_rate(headcount: int) -> float:
    """The participation a unit of this size must reach to be ranked under "rate_min"."""
    if headcount <= 30:
        return 80.0
    if headcount <= 100:
        return 60.0
    return 40.0


@dataclass(frozen=True)
class CollectiveRow:
    rank: int
    stat: UnitStat
    value: float
    note: str


def rank_units(stats: list[UnitStat], rule: str, prizes: dict[str, int]) -> list[CollectiveRow]:
    """Units with a headcount, best first, by `rule` (rate, count, rate_min, rate_points)."""
    scored: list[tuple[float, UnitStat, str]] = []
    for stat in stats:
        if rule == "count":
            scored.append((float(stat.participants), stat, ""))
            continue
        if stat.rate is None:
            continue
        if rule == "rate_min":
            floor = minimum_rate(stat.headcount)
            if stat.rate < floor:
                continue
            scored.append((stat.rate, stat, f"đạt tối thiểu {floor:.0f}%"))
        elif rule == "rate_points":
            bonus = POINTS_PER_PRIZE * prizes.get(stat.code, 0)
            note = f"+{bonus:.0f} điểm cho {prizes.get(stat.code, 0)} giải cá nhân" if bonus else ""
            scored.append((stat.rate + bonus, stat, note))
        else:
            scored.append((stat.rate, stat, ""))
    scored.sort(key=lambda item: (-item[0], -item[1].participants, item[1].code))
    return [CollectiveRow(i, stat, value, note) for i, (value, stat, note) in enumerate(scored, 1)]
