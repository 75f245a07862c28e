"""Backups: pg_dump/pg_restore for PostgreSQL, SQLite's online backup for the embedded file.

Redis needs no backup: it is rebuilt from the database (see leaderboard/sync.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import settings


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools, the password kept out of argv."""
    url = make_url(settings.database_url)
    args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "",
        "-d",
        url.database or "",
    ]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _pg_tool(name: str) -> str:
    """The newest installed version of a PostgreSQL client tool."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    return str(found[-1]) if found else (shutil.which(name) or name)


def backup(out: Path) -> Path:
    """Writes a consistent copy of the database while the platform keeps serving."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_postgres:
        args, env = _pg_environment()
        subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--file", str(out), *args], env=env, check=True
        )
        return out
    source = sqlite3.connect(make_url(settings.database_url).database)
    target = sqlite3.connect(out)
    with target:
        source.backup(target)  # SQLite's online backup: safe while the server writes
    source.close()
    target.close()
    return out


def restore(dump: Path) -> None:
    """Replaces the database's content with a backup (stop the servers first)."""
    if settings.is_postgres:
        args, env = _pg_environment()
        subprocess.run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(dump),
            ],
            env=env,
            check=True,
        )
        return
    source = sqlite3.connect(dump)
    target = sqlite3.connect(make_url(settings.database_url).database)
    with target:
        source.backup(target)
    source.close()
    target.close()
