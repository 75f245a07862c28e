"""Posters: one per contest, unit and place, what each says, and the files of a print run."""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import settings
from app.contests import service as contest_service
from app.errors import AppError, not_found
from app.models import Contest, Participant, Poster, Round, Unit, utcnow
from app.posters import render
from app.posters.render import PosterData
from app.units import service as unit_service

CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case: easy to read aloud
LOCATION_MAX = 255  # the column's size


def poster_code(unit: Unit | None) -> str:
    """A fresh code such as `xh-k3fq`: the unit code (or `chung`) and four random characters."""
    prefix = re.sub(r"[^a-z0-9]+", "-", unit_service.fold(unit.code if unit else "chung"))
    # 35 + "-" + 4 = 40, the size of the code column and of the `src` the site accepts.
    prefix = prefix.strip("-")[:35].strip("-") or "dv"
    return f"{prefix}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(4))}"


async def ensure_poster(
    *, session: AsyncSession, contest: Contest, unit: Unit | None, location: str = ""
) -> Poster:
    """The poster of this contest, unit and place, created on first use. Flushes, no commit."""
    location = " ".join(unicodedata.normalize("NFC", location).split())
    if len(location) > LOCATION_MAX:
        raise AppError(422, "location_too_long", f"Địa điểm dài quá {LOCATION_MAX} ký tự.")
    unit_matches = Poster.unit_id == unit.id if unit else col(Poster.unit_id).is_(None)
    statement = (
        select(Poster)
        .where(Poster.contest_id == contest.id, Poster.location == location, unit_matches)
        .order_by(Poster.id)
    )
    if existing := (await session.exec(statement)).first():
        return existing
    code = poster_code(unit)
    # 32⁴ codes per unit: a clash is rare, but the column is unique, so look before taking one.
    while (await session.exec(select(Poster.id).where(Poster.code == code))).first():
        code = poster_code(unit)
    poster = Poster(
        contest_id=contest.id, unit_id=unit.id if unit else None, code=code, location=location
    )
    session.add(poster)
    await session.flush()
    return poster


async def poster_data(*, session: AsyncSession, contest: Contest, poster: Poster) -> PosterData:
    """What the poster says: the contest, its rounds, the place and unit, the poster's link."""
    unit = await session.get(Unit, poster.unit_id) if poster.unit_id else None
    shared = await _contest_data(session=session, contest=contest)
    return _for_poster(shared, contest, poster, unit)


async def resolve_units(
    *, session: AsyncSession, unit_code: str | None, all_units: bool
) -> list[Unit | None]:
    """The units a print run is for: one by code, all of them, or [None] for a general poster."""
    if unit_code and all_units:
        raise AppError(422, "ambiguous_units", "Chọn --unit hoặc --all-units, không dùng cả hai.")
    if all_units:
        units: list[Unit | None] = list(
            (await session.exec(select(Unit).order_by(Unit.code))).all()
        )
        if not units:
            raise not_found("Chưa có đơn vị nào trong cơ sở dữ liệu.")
        return units
    if unit_code:
        unit = await unit_service.get_by_code(session=session, code=unit_code)
        if unit is None:
            raise not_found(f"Không có đơn vị mã “{unit_code}”.")
        return [unit]
    return [None]


async def make_posters(
    *,
    session: AsyncSession,
    contest: Contest,
    units: list[Unit | None],
    out_dir: Path,
    location: str = "",
    progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = render.FORMATS,
    workers: int = 1,
) -> list[Path]:
    """Writes the files of one poster per unit (None: contest-wide) and a ZIP of them; commits.

    `workers` > 1 renders in that many processes (the command line); 1 renders in one thread
    of its own, so that a server's event loop keeps answering meanwhile.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    shared = await _contest_data(session=session, contest=contest)
    jobs: dict[str, PosterData] = {}  # by code: a unit listed twice is drawn once
    for unit in units:
        poster = await ensure_poster(session=session, contest=contest, unit=unit, location=location)
        jobs[poster.code] = _for_poster(shared, contest, poster, unit)
    files = await _render_all(jobs, out_dir, formats, workers, progress)
    paths = [path for group in files for path in group]
    paths.append(write_zip(paths, out_dir / f"posters-{contest.slug}.zip"))
    await session.commit()
    return paths


async def _render_all(
    jobs: dict[str, PosterData],
    out_dir: Path,
    formats: Sequence[str],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> list[list[Path]]:
    """The files of every job, in job order, reporting progress as each poster is done."""
    loop = asyncio.get_running_loop()
    pool: Executor
    if workers > 1:
        # Spawned, not forked: the parent holds database threads that a fork would copy mid-use.
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    else:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posters")
    try:
        futures = [
            loop.run_in_executor(pool, render.write_files, data, out_dir, code, formats)
            for code, data in jobs.items()
        ]
        for done, future in enumerate(asyncio.as_completed(futures), start=1):
            await future
            if progress:
                progress(done, len(jobs))
        return [future.result() for future in futures]
    finally:
        pool.shutdown(cancel_futures=True)


def write_zip(paths: list[Path], target: Path) -> Path:
    """One ZIP of the files, flat, for sending to the units."""
    # PDFs and PNGs are compressed already: deflating them again gains little and costs time.
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in paths:
            archive.write(path, arcname=path.name)
    return target


async def _contest_data(*, session: AsyncSession, contest: Contest) -> PosterData:
    """The part every poster of a contest shares; the link and place are left blank."""
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    shown = _round_for_numbers(rounds, utcnow())
    numbers: dict[str, int] = {}
    if shown:
        numbers = {
            "questions": shown.questions_per_attempt,
            "minutes": max(1, round(shown.time_limit_seconds / 60)),
        }
    return PosterData(
        contest_title=contest.title,
        slogan=contest.slogan,
        rounds=[
            (r.title or f"Đợt {r.number}", _local(r.starts_at), _local(r.ends_at)) for r in rounds
        ],
        url="",
        **numbers,
    )


def _for_poster(
    shared: PosterData, contest: Contest, poster: Poster, unit: Unit | None
) -> PosterData:
    url = render.poster_url(
        settings.base_url, contest.slug, unit.code if unit else None, poster.code
    )
    return replace(
        shared, url=url, location_label=poster.location, unit_name=unit.name if unit else ""
    )


def _round_for_numbers(rounds: list[Round], now: datetime) -> Round | None:
    """The round whose questions and minutes the steps quote: open or next, else the last."""
    return next((r for r in rounds if r.ends_at > now), rounds[-1] if rounds else None)


def _local(moment: datetime) -> str:
    return moment.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")


async def count_visit(*, session: AsyncSession, contest: Contest, code: str) -> None:
    """One more arrival through a poster's QR code (unknown codes are ignored)."""
    await session.exec(
        update(Poster)
        .where(col(Poster.code) == code, col(Poster.contest_id) == contest.id)
        .values(visits=Poster.visits + 1)
    )
    await session.commit()


async def attribution(*, session: AsyncSession, contest: Contest) -> list[dict]:
    """Which poster brought people in: visits and registrations per poster, with its unit."""
    registrations = dict(
        (
            await session.exec(
                select(Participant.source_poster, func.count())
                .where(
                    Participant.contest_id == contest.id,
                    col(Participant.source_poster).is_not(None),
                )
                .group_by(Participant.source_poster)
            )
        ).all()
    )
    statement = (
        select(Poster, Unit.name)
        .join(Unit, Unit.id == Poster.unit_id, isouter=True)
        .where(Poster.contest_id == contest.id)
        .order_by(Poster.visits.desc(), Poster.id)
    )
    return [
        {
            "poster": poster,
            "unit": unit_name or "Toàn cuộc thi",
            "visits": poster.visits,
            "registrations": registrations.get(poster.code, 0),
        }
        for poster, unit_name in (await session.exec(statement)).all()
    ]
