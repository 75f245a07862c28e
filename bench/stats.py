"""Figures from raw samples: percentiles, per-endpoint summaries, medians over repetitions."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from typing import Any


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list (p99 of 100 samples is the 99th)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(latencies: list[float], window_s: float, errors: dict[str, int]) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms) and errors of one endpoint in one phase."""
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "rps": round(len(ordered) / window_s, 1) if window_s > 0 else None,
        "p50_ms": _round(percentile(ordered, 0.50)),
        "p95_ms": _round(percentile(ordered, 0.95)),
        "p99_ms": _round(percentile(ordered, 0.99)),
        "max_ms": _round(ordered[-1] if ordered else None),
        "errors": dict(errors),
    }


def merge_drivers(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One summary per endpoint from one or more driver processes of the same phase.

    Drivers run side by side, so the window is the longest one and latencies are pooled.
    """
    pooled: dict[str, dict[str, Any]] = {}
    for result in results:
        for name, data in result["endpoints"].items():
            entry = pooled.setdefault(name, {"lat": [], "window": 0.0, "errors": Counter()})
            entry["lat"].extend(data["latencies_ms"])
            entry["window"] = max(entry["window"], data["window_s"])
            entry["errors"].update(data["errors"])
    return {
        name: summary(entry["lat"], entry["window"], entry["errors"])
        for name, entry in pooled.items()
    }


def median_of(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over repeated runs of a phase; errors are added up."""
    if len(reps) == 1:
        return {**reps[0], "repetitions": 1}
    merged: dict[str, Any] = {"repetitions": len(reps)}
    for field in ("count", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        values = [rep[field] for rep in reps if rep.get(field) is not None]
        merged[field] = _round(statistics.median(values)) if values else None
    errors: Counter[str] = Counter()
    for rep in reps:
        errors.update(rep.get("errors", {}))
    merged["errors"] = dict(errors)
    merged["runs"] = [{k: rep.get(k) for k in ("rps", "p50_ms", "p99_ms")} for rep in reps]
    return merged


def error_count(figure: dict[str, Any] | None) -> int:
    return sum((figure or {}).get("errors", {}).values())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
