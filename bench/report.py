"""Targets of issue #9, results/latest.json, one line of RESULTS.md, and the console table."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.servers import RESULTS, ROOT
from bench.stats import error_count

RESULTS_MD = ROOT / "bench" / "RESULTS.md"
HEADER = """# Benchmark results

One line per run of `bench/run` (`quick` = CI smoke, `full` = 3 repetitions, medians). The
figures are those of the production configuration (PostgreSQL + Redis, 2 workers) on this
project's 2-core machine, with the load generator on the same machine; every figure and the
embedded configuration are in `bench/results/latest.json` of the run. See bench/README.md.
Other sessions' test runs may share the 2 cores during a run and pull every figure down:
`cpu_seconds.other` in latest.json tells how much CPU they took meanwhile.

Columns: **date** (dd/mm/yyyy HH:MM, Asia/Ho_Chi_Minh) · **mode** · **submit/s** and
**submit p99** (ms) at 64 concurrent clients · **floor/s**: the bare submit (bench/floor.py) ·
**ratio**: submit/s ÷ floor/s · **flows/s**: complete register→submit→rank flows per second ·
**start/s** · **landing/s** (GET /c/bench) · **quiz/s** (the quiz page) · **board p99**: top 20
+ my rank in process on a board of N members (ms) · **stats p95**: the per-unit statistics page
of the seeded result set (ms) · **export**: XLSX of the seeded results, seconds / peak MB ·
**confirmed / stored / lost / double**: the consistency check over both configurations ·
**loadgen CPU**: the load generator's share of the CPU used by it, the servers, PostgreSQL and
Redis · **targets**: how many of the issue's targets passed.
"""
COLUMNS = (
    "date|mode|submit/s|submit p99|floor/s|ratio|flows/s|start/s|landing/s|quiz/s|"
    "board p99 (N)|stats p95|export|confirmed|stored|lost|double|loadgen CPU|targets"
).split("|")
TABLE_HEAD = f"\n| {' | '.join(COLUMNS)} |\n|{'---|' * len(COLUMNS)}\n"


def now_local() -> str:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split("/"):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _check(name: str, target: str, measured: Any, passed: bool | None) -> dict[str, Any]:
    result = "n/a" if passed is None else ("PASS" if passed else "MISS")
    return {"name": name, "target": target, "measured": measured, "result": result}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    prod = results["configs"].get("production", {})
    ep = prod.get("endpoints", {})
    floor_p99 = results["floor"].get("p99_ms") or 0
    submit_errors = error_count(ep.get("submit")) + error_count(ep.get("flows.submit"))
    idle = _get(ep, "leaderboard_idle/p99_ms")
    busy = _get(ep, "leaderboard_during_submit/p99_ms")
    board = prod.get("big_board", {})
    stats = prod.get("stats_page", {})
    export = prod.get("export", {})

    def at_least(value: Any, bound: float) -> bool | None:
        return None if value is None else value >= bound

    return [
        _check("submit vs floor", "≥ 0.5 × floor/s", results["ratio_to_floor"],
               at_least(results["ratio_to_floor"], 0.5)),
        _check("submit p99", f"≤ 1.5 × floor p99 ({1.5 * floor_p99:.1f} ms)",
               results["submit_p99_ms"],
               None if results["submit_p99_ms"] is None
               else results["submit_p99_ms"] <= 1.5 * floor_p99),
        _check("submit errors", "0", submit_errors, submit_errors == 0),
        _check("lost submissions", "0", results["lost"], results["lost"] == 0),
        _check("start attempt", "≥ 1,000/s", _get(ep, "start/rps"),
               at_least(_get(ep, "start/rps"), 1000)),
        _check("landing page", "≥ 3,000/s", _get(ep, "landing/rps"),
               at_least(_get(ep, "landing/rps"), 3000)),
        _check("quiz page", "≥ 3,000/s", _get(ep, "quiz_page/rps"),
               at_least(_get(ep, "quiz_page/rps"), 3000)),
        _check(f"board top20+rank p99 ({board.get('members', 0):,} entries)", "< 5 ms",
               board.get("p99_ms"),
               None if board.get("p99_ms") is None else board["p99_ms"] < 5),
        _check("board readers under submit", f"p99 ≤ 2 × idle ({idle} ms)", busy,
               None if idle is None or busy is None else busy <= 2 * idle),
        _check("statistics page p95", "< 200 ms", stats.get("p95_ms"),
               None if stats.get("p95_ms") is None else stats["p95_ms"] < 200),
        _check("XLSX export peak memory", "< 300 MB",
               export.get("max_rss_mb") if export.get("available") else "not available",
               export.get("max_rss_mb", 1e9) < 300 and export.get("exit_code") == 0
               if export.get("available") else None),
    ]  # fmt: skip


def write(results: dict[str, Any], *, append_line: bool = True) -> Path:
    """latest.json always; the RESULTS.md line only for a run whose services all held up."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    latest.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if not append_line:
        return latest
    if not RESULTS_MD.exists():
        RESULTS_MD.write_text(HEADER + TABLE_HEAD)
    with RESULTS_MD.open("a") as out:
        out.write(results_line(results) + "\n")
    return latest


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def results_line(r: dict[str, Any]) -> str:
    prod = r["configs"].get("production", {})
    ep = prod.get("endpoints", {})
    board = prod.get("big_board", {})
    export = prod.get("export", {})
    export_text = (
        f"{_fmt(export.get('seconds'), 1)} s / {_fmt(export.get('max_rss_mb'))} MB"
        if export.get("available")
        else "not available"
    )
    passed = sum(t["result"] == "PASS" for t in r["targets"])
    judged = sum(t["result"] != "n/a" for t in r["targets"])
    cells = [
        r["date"], r["mode"], _fmt(r["submit_rps"]), _fmt(r["submit_p99_ms"], 1),
        _fmt(r["floor_rps"]), _fmt(r["ratio_to_floor"], 2), _fmt(r["flows_per_s"], 1),
        _fmt(_get(ep, "start/rps")), _fmt(_get(ep, "landing/rps")),
        _fmt(_get(ep, "quiz_page/rps")),
        f"{_fmt(board.get('p99_ms'), 2)} ({_fmt(board.get('members'))})",
        _fmt(_get(prod, "stats_page/p95_ms"), 1), export_text, _fmt(r["confirmed"]),
        _fmt(r["stored"]), _fmt(r["lost"]), _fmt(r["double_counted"]),
        f"{r['loadgen_cpu_share'] * 100:.0f}%", f"{passed}/{judged}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def print_summary(r: dict[str, Any]) -> None:
    print("\n=== per endpoint (medians) ===")
    print(f"{'config/endpoint':42} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8}  errors")
    for config, data in r["configs"].items():
        for name, fig in sorted(data.get("endpoints", {}).items()):
            print(
                f"{config + '/' + name:42} {_fmt(fig.get('rps'), 1):>8} "
                f"{_fmt(fig.get('p50_ms'), 1):>8} {_fmt(fig.get('p95_ms'), 1):>8} "
                f"{_fmt(fig.get('p99_ms'), 1):>8}  {fig.get('errors') or ''}"
            )
    print(f"{'floor/floor_submit':42} {_fmt(r['floor'].get('rps'), 1):>8} "
          f"{_fmt(r['floor'].get('p50_ms'), 1):>8} {_fmt(r['floor'].get('p95_ms'), 1):>8} "
          f"{_fmt(r['floor'].get('p99_ms'), 1):>8}  {r['floor'].get('errors') or ''}")  # fmt: skip
    print("\n=== consistency ===")
    for config, data in r["configs"].items():
        print(f"{config:12} {json.dumps(data.get('consistency', {}))}")
    print(f"\nloadgen_cpu_share: {r['loadgen_cpu_share']:.1%} "
          f"(CPU seconds: {json.dumps(r['cpu_seconds'])})")  # fmt: skip
    print("\n=== targets ===")
    for t in r["targets"]:
        print(f"[{t['result']:4}] {t['name']:42} target {t['target']:32} measured {t['measured']}")
