"""Measurements beside the load: the big leaderboard, the big result set, the statistics page
and the XLSX export. They run on the production configuration only (PostgreSQL + Redis)."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import urlencode

from bench.phases import say
from bench.servers import RESULTS, ROOT, ServiceError, run_python
from bench.stats import summary

ADMIN = "bench"
EXPORT_LIMIT_S = 900


def big_board(env: dict[str, str], members: int) -> dict[str, Any]:
    say(f"leaderboard in process: top 20 + my rank on a board of {members:,}")
    out = run_python(["-m", "bench.boards", "--members", str(members)], env, timeout=600)
    return json.loads(out.strip().splitlines()[-1])


def seed_results(env: dict[str, str], attempts: int) -> dict[str, Any]:
    """bench.seed, its progress passed through to the console."""
    say(f"seeding {attempts:,} final attempts (COPY, then the Redis rebuild)")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.seed", "--attempts", str(attempts)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        if line.startswith("[seed]"):
            print(line, end="", flush=True)
        elif line.strip():
            last = line
    if proc.wait(timeout=60) != 0 or not last:
        raise ServiceError("bench.seed failed (see the lines above)")
    return json.loads(last)


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def admin_session(env: dict[str, str], port: int) -> str:
    """Creates the organiser and logs in through the form; returns the session cookie."""
    password = secrets.token_urlsafe(12)
    run_python(
        ["-m", "app.cli", "admin", "create-user", ADMIN, "--password", password],
        env,
        timeout=60,
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/admin/dang-nhap")
    form = conn.getresponse()
    page = form.read().decode()
    nonce = _cookies(form).get("cuocthi_dangnhap", "")
    csrf = re.search(r'name="csrf"\s+value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"\s+name="csrf"', page
    )
    if not nonce or not csrf:
        raise ServiceError("the login form has no csrf field or no cuocthi_dangnhap cookie")
    body = urlencode({"username": ADMIN, "password": password, "csrf": csrf[1], "next": "/admin"})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"cuocthi_dangnhap={nonce}",
    }
    conn.request("POST", "/admin/dang-nhap", body=body, headers=headers)
    reply = conn.getresponse()
    reply.read()
    session = _cookies(reply).get("cuocthi_quantri")
    if reply.status != 303 or not session:
        raise ServiceError(f"organiser login failed with HTTP {reply.status}")
    return session


def stats_page(port: int, session: str, slug: str, samples: int = 20) -> dict[str, Any]:
    """GET /admin/cuoc-thi/{slug}/thong-ke one after another, as an organiser would."""
    say(f"statistics page of {slug}, {samples} loads")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"cuocthi_quantri={session}"}
    path = f"/admin/cuoc-thi/{slug}/thong-ke"
    latencies, errors = [], {}
    began = time.perf_counter()
    for index in range(samples + 1):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        reply = conn.getresponse()
        size = len(reply.read())
        if reply.status != 200:
            errors[f"HTTP {reply.status}"] = errors.get(f"HTTP {reply.status}", 0) + 1
        elif index:  # the first load warms the caches; it is not counted
            latencies.append((time.perf_counter() - t0) * 1000)
    return {**summary(latencies, time.perf_counter() - began, errors), "page_bytes": size}


def export_available(env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [sys.executable, "-m", "app.cli", "export", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return probe.returncode == 0 and "No such command" not in probe.stdout + probe.stderr


def xlsx_export(env: dict[str, str], slug: str) -> dict[str, Any]:
    """`cuocthi export results SLUG --format xlsx`: wall time and the child's peak memory.

    os.wait4 gives the resource usage of exactly this child (what RUSAGE_CHILDREN would report
    had it been our only child), so the servers and the seeder do not count.
    """
    if not export_available(env):
        say("export: `python -m app.cli export` is not available yet; not measured")
        return {"available": False, "note": "not available: app.cli has no export command"}
    out = RESULTS / "export.xlsx"
    argv = [sys.executable, "-m", "app.cli", "export", "results", slug, "--format", "xlsx"]
    say(f"export results of {slug} to XLSX")
    log = open(RESULTS / "logs" / "export.log", "wb")  # noqa: SIM115 - closed below
    began = time.perf_counter()
    proc = subprocess.Popen([*argv, "--out", str(out)], cwd=ROOT, env=env, stdout=log, stderr=log)
    guard = threading.Timer(EXPORT_LIMIT_S, proc.kill)  # bounded, even if the export hangs
    guard.start()
    _, status, usage = os.wait4(proc.pid, 0)
    guard.cancel()
    seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    result = {
        "available": True,
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "file_mb": round(out.stat().st_size / 2**20, 1) if out.exists() else None,
    }
    if out.exists():
        out.unlink()  # tens of megabytes: the figures are what we keep
    return result
