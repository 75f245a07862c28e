"""The benchmark's orchestrator, started by bench/run after PostgreSQL and Redis are up.

Production configuration (PostgreSQL database cuocthi_bench, Redis db 1, 2 workers) with the
floor (bench/floor.py, 2 workers) measured right after each of its submit phases, then the
embedded default (SQLite + in-process Redis, 1 worker); the consistency check after each
configuration; results to bench/results/latest.json
and one line of bench/RESULTS.md. Exits 1 on a lost or double-counted submission, 2 when a
service does not start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from redis import Redis

from bench import consistency, extras, report
from bench.phases import FULL, QUICK, Plan, Runner, embedded_plan, run_workload, say
from bench.servers import ServiceError, Supervisor, free_port, run_python

BENCH_DB = "cuocthi_bench"
TEMP_DIRS: list[Path] = []  # the servers' data folders, removed once the servers are gone


def temp_dir(prefix: str) -> Path:
    TEMP_DIRS.append(Path(tempfile.mkdtemp(prefix=prefix)))
    return TEMP_DIRS[-1]


def service_urls() -> tuple[str, str, str]:
    """The bench database, its admin database, and Redis db 1, from what services.sh exported."""
    test_db = os.environ.get("CUOCTHI_TEST_DATABASE_URL")
    if not test_db:
        raise ServiceError("CUOCTHI_TEST_DATABASE_URL is not set: start through bench/run")
    parts = urlsplit(test_db)
    bench = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    port = os.environ.get("CUOCTHI_REDIS_PORT", "56379")
    return bench, admin, f"redis://127.0.0.1:{port}/1"


def fresh_state(admin_dsn: str, redis_url: str) -> None:
    """A new cuocthi_bench database and an empty Redis db 1 (both belong to the benchmark)."""

    async def recreate() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {BENCH_DB}")
        finally:
            await conn.close()

    asyncio.run(recreate())
    client = Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUOCTHI_")}
    return {**env, "CUOCTHI_RATE_LIMITS": "off", **values}


def seed_contest(env: dict[str, str]) -> dict[str, Any]:
    out = run_python(["-m", "bench.contest"], env, timeout=300)
    return json.loads(out.strip().splitlines()[-1])


def serve(sup: Supervisor, name: str, env: dict[str, str], workers: int) -> tuple[int, int]:
    port = free_port()
    argv = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    say(f"starting {name}: {workers} worker(s) on 127.0.0.1:{port}")
    pid = sup.start(name, [*argv, "--workers", str(workers)], env, port)
    return port, pid


def production(
    sup: Supervisor, plan: Plan, bench_dsn: str, redis_url: str, floor: Runner
) -> dict[str, Any]:
    env = base_env(
        CUOCTHI_DATABASE_URL=bench_dsn,
        CUOCTHI_REDIS_URL=redis_url,
        CUOCTHI_SECRET_KEY=secrets.token_urlsafe(48),
        CUOCTHI_DATA_DIR=str(temp_dir("cuocthi-bench-prod-")),
    )
    say("production: seeding the contest (question bank, 600 units)")
    seeded = seed_contest(env)
    port, pid = serve(sup, "production", env, workers=2)
    runner = Runner(plan, port, seeded["units"], [pid])
    result = run_workload(runner, floor)
    sup.stop("floor")
    say("production: consistency check")
    result["consistency"] = consistency.check(
        result.pop("confirmed_ids"),
        lambda: consistency.stored_finals_postgres(bench_dsn, seeded["round_id"]),
        lambda: consistency.board_from_redis(redis_url, seeded["round_id"]),
    )
    result["cpu_seconds"] = dict(runner.cpu)
    try:  # the load figures are kept even when a measurement after them fails
        result["big_board"] = extras.big_board(env, plan.board_members)
        result["seed"] = extras.seed_results(env, plan.seed_attempts)
        session = extras.admin_session(env, port)
        result["stats_page"] = extras.stats_page(port, session, "bench-1m")
        result["export"] = extras.xlsx_export(env, "bench-1m")
    except ServiceError as error:
        result["failed"] = str(error)
    sup.stop("production")
    return result


def start_floor(sup: Supervisor, plan: Plan, bench_dsn: str, redis_url: str) -> Runner:
    """The floor's server, idle until production's submit phases call on it."""
    from bench.floor import TABLE_SQL

    async def create_table() -> None:
        conn = await asyncpg.connect(bench_dsn)
        await conn.execute(TABLE_SQL)
        await conn.close()

    asyncio.run(create_table())
    env = base_env(BENCH_FLOOR_DSN=bench_dsn, BENCH_FLOOR_REDIS=redis_url)
    port = free_port()
    say(f"starting the floor: 2 workers on 127.0.0.1:{port}")
    argv = [sys.executable, "-m", "bench.floor", "--port", str(port), "--workers", "2"]
    pid = sup.start("floor", argv, env, port)
    return Runner(plan, port, [], [pid])


def embedded(sup: Supervisor, plan: Plan) -> dict[str, Any]:
    data_dir = temp_dir("cuocthi-bench-embedded-")
    env = base_env(CUOCTHI_DATA_DIR=str(data_dir))
    say("embedded: seeding the contest (SQLite file, in-process Redis)")
    seeded = seed_contest(env)
    port, pid = serve(sup, "embedded", env, workers=1)
    runner = Runner(embedded_plan(plan), port, seeded["units"], [pid])
    result = run_workload(runner)
    say("embedded: consistency check")
    result["consistency"] = consistency.check(
        result.pop("confirmed_ids"),
        lambda: consistency.stored_finals_sqlite(data_dir / "cuocthi.db", seeded["round_id"]),
        lambda: consistency.board_from_api(port, "bench"),
    )
    result["cpu_seconds"] = dict(runner.cpu)
    sup.stop("embedded")
    return result


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip

    def version(argv: list[str]) -> str:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return done.stdout.strip().splitlines()[0] if done.returncode == 0 else "unknown"

    pg_port = urlsplit(os.environ.get("CUOCTHI_TEST_DATABASE_URL", "")).port or 55432
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "postgres": version(["psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "cuocthi",
                             "-d", "postgres", "-tAc", "SHOW server_version"]),
        "redis": version(["redis-server", "--version"]),
        "load_average_at_start": os.getloadavg(),
    }  # fmt: skip


def assemble(plan: Plan, configs: dict[str, Any], floor_fig: dict[str, Any]) -> dict[str, Any]:
    production_ = configs.get("production", {})
    submit = production_.get("endpoints", {}).get("submit", {})
    ratio = (submit.get("rps") or 0) / floor_fig["rps"] if floor_fig.get("rps") else None
    checks = [c["consistency"] for c in configs.values() if "consistency" in c]
    cpu: dict[str, float] = {}
    for part in [*configs.values(), floor_fig]:
        for name, seconds in part.get("cpu_seconds", {}).items():
            cpu[name] = round(cpu.get(name, 0) + seconds, 1)
    used = sum(cpu.get(name, 0) for name in ("loadgen", "app", "postgres", "redis"))
    # Whatever else ran on the machine meanwhile (other test runs): it competed for the cores.
    cpu["other"] = round(max(0.0, cpu.get("machine", 0) - used), 1)
    return {
        "mode": plan.mode,
        "submit_rps": submit.get("rps"),
        "submit_p99_ms": submit.get("p99_ms"),
        "floor_rps": floor_fig.get("rps"),
        "floor_p99_ms": floor_fig.get("p99_ms"),
        "ratio_to_floor": None if ratio is None else round(ratio, 3),
        "flows_per_s": production_.get("flows_per_s"),
        "confirmed": sum(c["confirmed"] for c in checks),
        "stored": sum(c["stored"] for c in checks),
        "lost": sum(c["lost"] for c in checks),
        "double_counted": sum(c["double_counted"] for c in checks),
        "loadgen_cpu_share": round(cpu.get("loadgen", 0) / used, 3) if used else 0.0,
        "cpu_seconds": cpu,
        "settings": asdict(plan),
        "configs": configs,
        "floor": floor_fig,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="The performance benchmark of issue #9.")
    parser.add_argument("--quick", action="store_true", help="CI smoke: under 3 minutes")
    parser.add_argument("--drivers", type=int, default=1, help="load driver processes")
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument(
        "--no-record", action="store_true", help="no line in bench/RESULTS.md (CI smoke runs)"
    )
    args = parser.parse_args()
    plan = replace(QUICK if args.quick else FULL, drivers=max(1, args.drivers))
    began = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops servers
    sup = Supervisor()
    configs: dict[str, Any] = {}
    floor_fig: dict[str, Any] = {}
    failures: list[str] = []
    info = machine()
    try:
        bench_dsn, admin_dsn, redis_url = service_urls()
        fresh_state(admin_dsn, redis_url)
        floor = start_floor(sup, plan, bench_dsn, redis_url)
        steps = [("production", lambda: production(sup, plan, bench_dsn, redis_url, floor))]
        if not args.skip_embedded:
            steps.append(("embedded", lambda: embedded(sup, plan)))
        for name, step in steps:
            try:
                outcome = step()
            except ServiceError as error:
                failures.append(f"{name}: {error}")
                sup.stop_all()
                continue
            floor_fig = outcome.pop("floor", floor_fig)
            configs[name] = outcome
            if "failed" in outcome:
                failures.append(f"{name}: {outcome['failed']}")
    except (ServiceError, OSError) as error:
        failures.append(str(error))
    finally:
        sup.stop_all()
        for folder in TEMP_DIRS:
            shutil.rmtree(folder, ignore_errors=True)
    results = {"date": report.now_local(), "machine": info, "failures": failures}
    results |= assemble(plan, configs, floor_fig)
    results["targets"] = report.targets(results)
    results["duration_s"] = round(time.monotonic() - began, 1)
    report.print_summary(results)
    path = report.write(results, append_line=not failures and not args.no_record)
    print(f"\n[bench] {plan.mode} run took {results['duration_s']:.0f} s; figures in {path}")
    for failure in failures:
        print(f"[bench] FAILED: {failure}", file=sys.stderr)
    if failures:
        return 2
    if results["lost"] or results["double_counted"]:
        print("[bench] FAILED: submissions lost or counted twice (see consistency)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
