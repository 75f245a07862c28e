"""Drawing an attempt's questions from the bank by a blueprint. Pure: no database."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from app.questions.catalog import Item


class BlueprintError(ValueError):
    """The bank cannot satisfy the blueprint."""


def matches(item: Item, rule: dict[str, Any]) -> bool:
    """Whether a question fits one blueprint line (area, tag and difficulty, each optional)."""
    return (
        rule.get("area") in (None, item.area)
        and (rule.get("tag") is None or rule["tag"] in item.tags)
        and rule.get("difficulty") in (None, item.difficulty)
    )


def draw(
    items: Sequence[Item], blueprint: list[dict[str, Any]], total: int, rng: random.Random
) -> list[dict[str, Any]]:
    """`total` distinct questions: each blueprint line first, the rest from the whole bank.

    Returns the attempt's stored form: [{"v": version_id, "o": [option ids as shown]}].
    """
    chosen: list[Item] = []
    taken: set[int] = set()
    for rule in blueprint:
        pool = [item for item in items if item.version_id not in taken and matches(item, rule)]
        if len(pool) < rule["count"]:
            raise BlueprintError(f"only {len(pool)} questions match {rule}, {rule['count']} needed")
        for item in rng.sample(pool, rule["count"]):
            chosen.append(item)
            taken.add(item.version_id)
    rest = [item for item in items if item.version_id not in taken]
    missing = total - len(chosen)
    if missing > len(rest):
        raise BlueprintError(f"the bank has {len(items)} questions, {total} needed")
    chosen += rng.sample(rest, max(missing, 0))
    rng.shuffle(chosen)
    return [{"v": item.version_id, "o": _shuffled_option_ids(item, rng)} for item in chosen[:total]]


def _shuffled_option_ids(item: Item, rng: random.Random) -> list[int]:
    ids = [option.id for option in item.options]
    rng.shuffle(ids)
    return ids
