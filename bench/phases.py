"""The measured phases against one running configuration of the platform.

A phase starts the driver process(es), hands them a JSON spec, and turns what they send back
into per-endpoint figures, with the CPU each part of the machine spent meanwhile.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from bench.servers import ROOT, ServiceError, cpu_delta, cpu_snapshot
from bench.stats import median_of, merge_drivers


@dataclass(frozen=True)
class Plan:
    """Counts and durations of a run (quick for CI smoke, full for the record)."""

    mode: str
    reps: int  # each measured phase is repeated this often; figures are medians
    register: int  # participants registered per repetition
    submit: int  # attempts started, then submitted, per repetition
    flows_s: float
    idle_s: float  # leaderboard readers alone, for their idle p99
    pages_s: float
    floor_s: float
    board_members: int  # the in-process leaderboard measurement
    seed_attempts: int  # the result set for the statistics page and the export
    concurrency: int = 64
    drivers: int = 1
    reader_pause_s: float = 0.025  # paced readers, so that they observe more than they load


READER_KEYS = ("board_readers", "landing_readers", "reader_pause")
QUICK = Plan("quick", 1, 1000, 1000, 15, 3, 4, 6, 100_000, 50_000)
FULL = Plan("full", 3, 3000, 9000, 60, 10, 10, 15, 1_000_000, 1_000_000)


def embedded_plan(plan: Plan) -> Plan:
    """The embedded default serves one worker on SQLite: fewer participants and shorter
    flows measure it just as well and keep the quick run under 3 minutes."""
    return replace(
        plan,
        register=plan.register * 2 // 5,
        submit=plan.submit * 2 // 5,
        flows_s=plan.flows_s * 2 / 3,
    )


@dataclass
class Runner:
    """Runs phases against one server; remembers phones handed out and CPU spent."""

    plan: Plan
    port: int
    units: list[str]
    app_pids: list[int]
    slug: str = "bench"
    next_phone: int = 1
    cpu: Counter[str] = field(default_factory=Counter)

    def phones(self, count: int) -> int:
        first, self.next_phone = self.next_phone, self.next_phone + count
        return first

    def phase(
        self, kind: str, *, split: dict[str, list[Any]] | None = None, **extra: Any
    ) -> tuple[dict[str, Any], dict[str, list[Any]], dict[str, Any]]:
        """Runs one phase; returns figures per endpoint, the drivers' outputs, and the CPU.

        Readers beside main clients run in a driver process of their own, stopped when the
        main clients finish: a reader sharing an event loop with 64 busy clients would time
        that loop's queue, not the server."""
        drivers = self.plan.drivers
        limit = float(extra.get("duration", 0)) + 120  # counted phases: 2 minutes at most
        readers = {name: extra.pop(name) for name in READER_KEYS if name in extra}
        beside = kind != "readers" and any(readers.get(name) for name in READER_KEYS[:2])
        if not beside:
            extra.update(readers)
        specs = [
            self._share(self._spec(kind, limit, extra), index, split, extra)
            for index in range(drivers)
        ]
        before = cpu_snapshot({"app": self.app_pids})
        procs = [self._driver(spec) for spec in specs]
        probe = self._driver({**self._spec("readers", limit), **readers}) if beside else None
        results = [self._result(proc, kind, limit) for proc in procs]
        if probe is not None:
            probe.send_signal(signal.SIGUSR1)
            results.append(self._result(probe, kind, limit))
        cpu = cpu_delta(before, cpu_snapshot({"app": self.app_pids}))
        cpu["loadgen"] = round(sum(r["cpu_s"] for r in results), 2)
        cpu["wall"] = round(max(r["wall_s"] for r in results), 2)
        self.cpu.update(cpu)
        outs: dict[str, list[Any]] = {}
        for result in results:
            for name, items in result["out"].items():
                outs.setdefault(name, []).extend(items)
        return merge_drivers(results), outs, cpu

    def _spec(self, kind: str, limit: float, extra: dict[str, Any] | None = None) -> dict:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "slug": self.slug,
            "units": self.units,
            "kind": kind,
            "deadline": limit,
            **(extra or {}),
        }

    def _share(
        self, spec: dict, index: int, split: dict[str, list[Any]] | None, extra: dict
    ) -> dict:
        """Driver `index`'s share of the clients and of the items to work through."""
        drivers = self.plan.drivers
        for name in ("concurrency", *READER_KEYS[:2]):
            if name in spec:
                spec[name] = spec[name] // drivers + (index < spec[name] % drivers)
        for name, items in (split or {}).items():
            spec[name] = items[index::drivers]
        if "phones" in extra:
            first, stop = extra["phones"]
            spec["phones"] = [first + index, stop, drivers]
        return spec

    @staticmethod
    def _driver(spec: dict[str, Any]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.driver"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(spec).encode())
        proc.stdin.close()
        return proc

    @staticmethod
    def _result(proc: subprocess.Popen[bytes], kind: str, limit: float) -> dict[str, Any]:
        assert proc.stdout is not None
        raw = proc.stdout.read()
        if proc.wait(timeout=limit + 30) != 0:
            raise ServiceError(f"the load driver failed in phase {kind}")
        return json.loads(raw)


_BEGAN = time.monotonic()


def say(message: str) -> None:
    print(f"[bench +{time.monotonic() - _BEGAN:3.0f}s] {message}", flush=True)


def run_workload(runner: Runner, floor: Runner | None = None) -> dict[str, Any]:
    """Register, idle readers, flows, start + submit, pages: every phase `reps` times.

    With a `floor` server, each submit phase is followed by a floor phase: the machine's speed
    drifts by a fifth within minutes, and the ratio of the two holds only if they are measured
    side by side."""
    plan, c = runner.plan, runner.plan.concurrency
    reps: dict[str, list[dict[str, Any]]] = {}
    confirmed: list[int] = []
    flows_per_s: list[float] = []
    tokens: list[str] = []

    def keep(figures: dict[str, Any], prefix: str = "", rename: dict[str, str] | None = None):
        for name, figure in figures.items():
            reps.setdefault(prefix + (rename or {}).get(name, name), []).append(figure)

    for rep in range(plan.reps):
        say(f"register {plan.register} participants (rep {rep + 1}/{plan.reps})")
        first = runner.phones(plan.register)
        figures, outs, _ = runner.phase(
            "register", concurrency=c, phones=[first, first + plan.register]
        )
        keep(figures)
        tokens += outs.get("tokens", [])
    readers = {"board_readers": c // 8, "reader_pause": plan.reader_pause_s}
    for rep in range(plan.reps):
        say(f"leaderboard readers alone, {plan.idle_s:.0f} s (rep {rep + 1})")
        figures, _, _ = runner.phase("readers", duration=plan.idle_s, **readers)
        keep(figures, rename={"leaderboard": "leaderboard_idle"})
    for rep in range(plan.reps):
        say(f"complete flows at concurrency {c}, {plan.flows_s:.0f} s (rep {rep + 1})")
        first = runner.phones(100_000)
        figures, outs, cpu = runner.phase(
            "flows",
            concurrency=c - 2 * (c // 8),
            board_readers=c // 8,
            landing_readers=c // 8,
            duration=plan.flows_s,
            phones=[first, first + 100_000],
        )
        keep(figures, prefix="flows.")
        confirmed += outs.get("confirmed", [])
        flows_per_s.append(round(len(outs.get("flows", [])) / cpu["wall"], 1))
    pool = tokens[: plan.submit]
    floor_reps = []
    for rep in range(plan.reps):
        say(f"start {len(pool)} attempts, then submit them all (rep {rep + 1})")
        # The readers stay on through the starts, as they do in a real evening: a board left
        # unread since the last phase would otherwise be computed under the submits' full load.
        figures, outs, _ = runner.phase("start", concurrency=c, split={"tokens": pool}, **readers)
        keep(figures, rename={"leaderboard": "leaderboard_during_start"})
        figures, outs, _ = runner.phase(
            "submit", concurrency=c, split={"attempts": outs.get("attempts", [])}, **readers
        )
        keep(figures, rename={"leaderboard": "leaderboard_during_submit"})
        confirmed += outs.get("confirmed", [])
        if floor is not None:
            floor_reps.append(floor_phase(floor, rep))
    say("start attempts for the quiz pages")
    figures, outs, _ = runner.phase("start", concurrency=c, split={"tokens": pool[: 4 * c]})
    keep(figures, rename={"start": "start_for_pages"})
    quiz = [item[:2] for item in outs.get("attempts", [])]
    for rep in range(plan.reps):
        say(f"landing page, then quiz page, {plan.pages_s:.0f} s each (rep {rep + 1})")
        figures, _, _ = runner.phase("readers", landing_readers=c, duration=plan.pages_s)
        keep(figures)
        figures, _, _ = runner.phase(
            "quiz", concurrency=c, duration=plan.pages_s, split={"attempts": quiz}
        )
        keep(figures)
    result = {
        "endpoints": {name: median_of(figures) for name, figures in reps.items()},
        "flows_per_s": sorted(flows_per_s)[len(flows_per_s) // 2],
        "flows_per_s_runs": flows_per_s,
        "confirmed_ids": confirmed,
    }
    if floor is not None:
        result["floor"] = median_of(floor_reps) | {"cpu_seconds": dict(floor.cpu)}
    return result


def floor_phase(floor: Runner, rep: int) -> dict[str, Any]:
    """The bare submit at the same concurrency and with the same body shape."""
    say(f"floor: bare submit, {floor.plan.floor_s:.0f} s (rep {rep + 1})")
    figures, _, _ = floor.phase(
        "floor",
        concurrency=floor.plan.concurrency,
        duration=floor.plan.floor_s,
        first_id=1 + rep * 10_000_000,
    )
    return figures.get("floor_submit", {"rps": 0, "errors": {"no_response": 1}})
