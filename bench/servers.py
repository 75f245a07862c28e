"""Starting and stopping what the benchmark runs, and the CPU each part of the machine used.

Every process is started in its own session (process group), recorded in $BENCH_PIDS_FILE, and
ended by that group id at the end: bench/run's trap kills whatever a crash left behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# One file per run (bench/run makes it), so that a run's trap never ends another run's servers.
PIDS_FILE = Path(os.environ.get("BENCH_PIDS_FILE") or RESULTS / ".pids")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServiceError(RuntimeError):
    """A service did not start or stopped answering: the run fails with this message."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Supervisor:
    """Owns the server processes of a run; `stop_all` ends them whatever happened."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "logs").mkdir(exist_ok=True)

    def start(self, name: str, argv: list[str], env: dict[str, str], port: int) -> int:
        """Starts `argv`, waits for GET /healthz to answer 200 and returns the process id."""
        log = open(RESULTS / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        self._write_pids()
        wait_healthy(name, proc, port)
        return proc.pid

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self._write_pids()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def _write_pids(self) -> None:
        PIDS_FILE.write_text("".join(f"{p.pid}\n" for p in self.procs.values()))


def wait_healthy(name: str, proc: subprocess.Popen[bytes], port: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"{name} exited with {proc.returncode}: {log_tail(name)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                body = json.loads(reply.read() or b"{}")
                if reply.status == 200 and body.get("status", "ok") == "ok":
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    raise ServiceError(f"{name} did not answer /healthz within {limit:.0f} s: {log_tail(name)}")


def log_tail(name: str, lines: int = 15) -> str:
    path = RESULTS / "logs" / f"{name}.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n" + "\n".join(text.splitlines()[-lines:])


def run_python(args: list[str], env: dict[str, str], timeout: float) -> str:
    """Runs `python -m …` to completion and returns its standard output; fails loudly."""
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, timeout=timeout
    )
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")[-2000:]
        raise ServiceError(f"python {' '.join(args[:3])} failed ({done.returncode}): {err}")
    return done.stdout.decode()


# --- CPU accounting from /proc -----------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds so far) for every process we can read."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        found[int(entry.name)] = (int(fields[1]), name, cpu)
    return found


def cpu_snapshot(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each named group: the trees under `roots`, PostgreSQL,
    Redis, and the whole machine (busy time from /proc/stat)."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in procs.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, float] = {}
    for group, pids in roots.items():
        stack, seen = list(pids), set()
        while stack:
            pid = stack.pop()
            if pid in seen or pid not in procs:
                continue
            seen.add(pid)
            stack.extend(children.get(pid, []))
        totals[group] = sum(procs[pid][2] for pid in seen)
    totals["postgres"] = sum(cpu for _, name, cpu in procs.values() if name.startswith("postgres"))
    totals["redis"] = sum(cpu for _, name, cpu in procs.values() if name.startswith("redis-serv"))
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for v in fields[:8]) - int(fields[3]) - int(fields[4])  # less idle, iowait
    totals["machine"] = busy / CLOCK_TICKS
    return totals


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    # A process that exited between the snapshots takes its CPU with it: never below zero.
    return {name: round(max(0.0, after[name] - before.get(name, 0.0)), 2) for name in after}
