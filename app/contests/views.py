"""Public pages about contests: home, landing, leaderboard, privacy notice, source plans."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.clock import NowDep
from app.contests import service as contest_service
from app.contests.api import ContestDep, ContestEntryDep
from app.contests.directory import ContestEntry
from app.contests.ranking import PRIZE_NAMES
from app.db import SessionDep
from app.errors import not_found
from app.hotroute import HotRoute
from app.leaderboard import service as leaderboard_service
from app.participants import service as participant_service
from app.participants.identity import mask_name
from app.posters import service as poster_service
from app.questions.validation import SOURCES_DIR
from app.redis import RedisDep
from app.units import service as unit_service
from app.web import MomentCache, templates

router = APIRouter(include_in_schema=False)
# The landing page, where every QR poster leads: served by HotRoute (app/hotroute.py).
hot_router = APIRouter(include_in_schema=False, route_class=HotRoute)

SOURCE_TITLES = {
    "000_3471b7d40470b9aa.txt": "Kế hoạch thông tin, tuyên truyền CCHC tỉnh Ninh Bình năm 2026",
    "001_43ad8651336d771f.txt": "Kế hoạch thông tin, tuyên truyền CCHC xã Xuân Hưng năm 2026",
    "002_5c11de3e6bc9dfdb.txt": "Kế hoạch thông tin, tuyên truyền CCHC tỉnh Cao Bằng năm 2026",
    "003_f5d58bbc7fe86468.txt": "Kế hoạch thông tin, tuyên truyền CCHC 6 tháng cuối năm 2025 "
    "của Sở Nội vụ Ninh Bình (bản quét)",
    "004_e7bc9c1e349d2ec2.txt": "Kế hoạch triển khai tuyên truyền CCHC năm 2026 "
    "của Sở VHTTDL Bắc Ninh",
}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, now: NowDep) -> HTMLResponse:
    """The home page: contests open now or coming soon."""
    open_contests = await contest_service.list_open(session=session, now=now)
    return templates.TemplateResponse(
        request, "contest/home.html", {"open_contests": open_contests, "now": now}
    )


landing_pages = MomentCache()


async def _render_landing(
    request: Request,
    entry: ContestEntry,
    session: AsyncSession,
    redis: Redis,
    now: datetime,
    u: str | None,
) -> bytes:
    contest, rounds = entry.contest, entry.rounds
    current = contest_service.current_round(rounds, now)
    upcoming = contest_service.next_round(rounds, now)
    counts = await leaderboard_service.live_counts(
        redis=redis, contest_id=contest.id, round_id=current.id if current else None
    )
    unit = await unit_service.get_by_code(session=session, code=u) if u else None
    register_url = f"/c/{contest.slug}/dang-ky" + (f"?u={unit.code}" if unit else "")
    return templates.TemplateResponse(
        request,
        "contest/landing.html",
        {
            "contest": contest,
            "rounds": rounds,
            "current": current,
            "upcoming": upcoming,
            "counts": counts,
            "unit": unit,
            "register_url": register_url,
            "prize_names": PRIZE_NAMES,
            "now": now,
        },
    ).body


@hot_router.get("/c/{slug}", response_class=HTMLResponse)
async def landing(
    request: Request,
    entry: ContestEntryDep,
    redis: RedisDep,
    now: NowDep,
    u: Annotated[str | None, Query(max_length=40)] = None,
    src: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """A contest's page: rules, rounds, prizes, live count; ?u= and ?src= come from posters.

    Sessions are opened only for what needs the database (the page is mostly a cached copy).
    """

    async def render() -> bytes:
        async with request.app.state.sessions() as session:
            return await _render_landing(request, entry, session, redis, now, u)

    body = await landing_pages.get((entry.contest.slug, u), now, render)
    response = HTMLResponse(body)
    if src:
        async with request.app.state.sessions() as session:
            await poster_service.count_visit(session=session, contest=entry.contest, code=src)
        # Remembered for the registration that may follow (which poster brought them in).
        response.set_cookie("cuocthi_src", src, max_age=7 * 86400, httponly=True, samesite="lax")
    return response


@router.get("/c/{slug}/bang-xep-hang", response_class=HTMLResponse)
async def leaderboard_page(
    request: Request,
    entry: ContestEntryDep,
    session: SessionDep,
    redis: RedisDep,
    now: NowDep,
    round: Annotated[int | None, Query(ge=1)] = None,  # noqa: A002 - the public parameter name
    unit: Annotated[str | None, Query(max_length=40)] = None,
    group: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The live leaderboard by round, unit and group, with masked names."""
    contest = entry.contest
    round_ = contest_service.board_round(entry.rounds, round, now)
    unit_id = await unit_service.id_for_code(session=session, code=unit or None)
    group_id = contest_service.group_id(entry.groups, group or None)
    per_page = 50
    try:
        entries, total = await leaderboard_service.top(
            redis=redis,
            round_id=round_.id,
            unit_id=unit_id,
            group_id=group_id,
            offset=(page - 1) * per_page,
            limit=per_page,
        )
        people = await participant_service.public_names(
            session=session, ids=[row.participant_id for row in entries]
        )
        rows = [
            {
                "rank": row.rank,
                "name": mask_name(people[row.participant_id][0]),
                "unit": people[row.participant_id][1],
                "correct": row.correct,
                "milliseconds": row.duration_ms,
            }
            for row in entries
            if row.participant_id in people
        ]
        updating = False
    except (RedisError, OSError):
        rows, total, updating = [], 0, True
    return templates.TemplateResponse(
        request,
        "contest/leaderboard.html",
        {
            "contest": contest,
            "round": round_,
            "rounds": entry.rounds,
            "groups": entry.groups,
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // per_page)),
            "unit": unit or "",
            "group": group or "",
            "updating": updating,
        },
    )


@router.get("/quyen-rieng-tu", response_class=HTMLResponse)
async def privacy(request: Request) -> HTMLResponse:
    """What personal data is collected, why, and the participant's rights."""
    return templates.TemplateResponse(request, "contest/privacy.html", {})


@router.get("/van-ban/{doc}", response_class=HTMLResponse)
async def source_document(
    request: Request, doc: str, q: Annotated[str, Query(max_length=2000)] = ""
) -> HTMLResponse:
    """A source plan as shipped with the bank ("xem văn bản gốc"), the cited passage marked."""
    if doc not in SOURCE_TITLES:
        raise not_found("Không tìm thấy văn bản.")
    text = (SOURCES_DIR / doc).read_text(encoding="utf-8")
    before, marked, after = _mark(text, q)
    return templates.TemplateResponse(
        request,
        "contest/source.html",
        {"title": SOURCE_TITLES[doc], "before": before, "marked": marked, "after": after},
    )


def _mark(text: str, quote: str) -> tuple[str, str, str]:
    """Splits the text around the quote; whitespace in the quote may differ from the file."""
    words = quote.split()
    if not words:
        return text, "", ""
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.search(pattern, text)
    if match is None:
        return text, "", ""
    return text[: match.start()], match.group(0), text[match.end() :]


@router.get("/c/{slug}/thoat", include_in_schema=False)
async def leave(contest: ContestDep) -> RedirectResponse:
    """Forgets the participant on this device (shared phones at a service centre)."""
    response = RedirectResponse(f"/c/{contest.slug}", status_code=303)
    response.delete_cookie("cuocthi_thisinh")
    return response
