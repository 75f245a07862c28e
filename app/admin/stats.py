"""Console statistics: participation per unit, collective prizes (from the live counters)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from redis.exceptions import RedisError
from sqlmodel import col, select

from app.admin.deps import AdminDep, ScopeDep, current_organiser
from app.clock import NowDep
from app.contests import service as contest_service
from app.contests.api import ContestDep, ContestEntryDep
from app.contests.setup import COLLECTIVE_RULES
from app.db import SessionDep
from app.leaderboard import service as board_service
from app.models import Contest, Round, Standing, Unit
from app.participants import service as participant_service
from app.redis import RedisDep
from app.stats import collective, reports
from app.stats import units as unit_stats
from app.web import templates

router = APIRouter(
    prefix="/admin/cuoc-thi/{slug}",
    include_in_schema=False,
    dependencies=[Depends(current_organiser)],
)


async def _scoped_units(session: SessionDep, scope: set[int] | None) -> list[Unit]:
    statement = select(Unit).order_by(Unit.name)
    if scope is not None:
        statement = statement.where(col(Unit.id).in_(scope))
    return list((await session.exec(statement)).all())


@router.get("/thong-ke", response_class=HTMLResponse)
async def unit_statistics(
    request: Request,
    entry: ContestEntryDep,
    session: SessionDep,
    redis: RedisDep,
    scope: ScopeDep,
    now: NowDep,
    dot: Annotated[int | None, Query(ge=1)] = None,
    doi_tuong: Annotated[str, Query(max_length=40)] = "",
    sap_xep: Annotated[str, Query(max_length=20)] = "rate",
    giam: Annotated[int, Query(ge=0, le=1)] = 1,
    muc_tieu: Annotated[float, Query(ge=0, le=100)] = 80,
) -> HTMLResponse:
    """Registered, participants, attempts, rate, average and full scores per unit."""
    contest = entry.contest
    round_ = contest_service.board_round(entry.rounds, dot, now)
    group_id = contest_service.group_id(entry.groups, doi_tuong or None)
    units = await _scoped_units(session, scope)
    try:
        contest_counts, round_counts = await board_service.counters(
            redis=redis, contest_id=contest.id, round_id=round_.id
        )
    except (RedisError, OSError):
        contest_counts, round_counts, updating = {}, {}, True
    else:
        updating = False
    stats = unit_stats.unit_stats(units, contest_counts, round_counts, group_id)
    whole_contest = scope is None and group_id is None
    return templates.TemplateResponse(
        request,
        "admin/stats.html",
        {
            "contest": contest,
            "round": round_,
            "updating": updating,
            "rounds": entry.rounds,
            "groups": entry.groups,
            "rows": unit_stats.sort_stats(stats, sap_xep, bool(giam)),
            "totals": unit_stats.block_totals(stats),
            "daily": [(day, submitted) for day, _, submitted in unit_stats.daily(round_counts)]
            if whole_contest
            else [],
            "distribution": unit_stats.distribution(round_counts, round_.questions_per_attempt)
            if whole_contest
            else [],
            "group": doi_tuong,
            "sort": sap_xep,
            "descending": giam,
            "target": muc_tieu,
        },
    )


@router.get("/giai-tap-the", response_class=HTMLResponse)
async def collective_prizes(
    request: Request,
    entry: ContestEntryDep,
    session: SessionDep,
    redis: RedisDep,
    scope: ScopeDep,
    now: NowDep,
    dot: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Units ranked by the contest's collective rule for one round."""
    contest = entry.contest
    round_ = contest_service.board_round(entry.rounds, dot, now)
    units = await _scoped_units(session, scope)
    try:
        contest_counts, round_counts = await board_service.counters(
            redis=redis, contest_id=contest.id, round_id=round_.id
        )
        updating = False
    except (RedisError, OSError):
        contest_counts, round_counts, updating = {}, {}, True
    stats = unit_stats.unit_stats(units, contest_counts, round_counts)
    prizes = await _prizes_per_unit(session, contest)
    return templates.TemplateResponse(
        request,
        "admin/collective.html",
        {
            "contest": contest,
            "round": round_,
            "updating": updating,
            "rounds": entry.rounds,
            "rule": COLLECTIVE_RULES.get(contest.collective_rule, contest.collective_rule),
            "rows": collective.rank_units(stats, contest.collective_rule, prizes),
        },
    )


async def _prizes_per_unit(session: SessionDep, contest: Contest) -> dict[str, int]:
    """Individual prizes won so far by each unit's participants (closed rounds)."""
    statement = (
        select(Unit.code, Standing.id)
        .join(Standing, Standing.unit_id == Unit.id)
        .join(Round, Round.id == Standing.round_id)
        .where(Round.contest_id == contest.id, col(Standing.prize).is_not(None))
    )
    counts: dict[str, int] = {}
    for code, _ in (await session.exec(statement)).all():
        counts[code] = counts.get(code, 0) + 1
    return counts


async def _cached(session: SessionDep, contest: Contest, kind: str):  # noqa: ANN202
    cached = await reports.get(session=session, contest_id=contest.id, kind=kind)
    if cached is None:  # first visit: compute once now, then the background job keeps it fresh
        await reports.refresh(session=session, contest_id=contest.id)
        cached = await reports.get(session=session, contest_id=contest.id, kind=kind)
    return cached


@router.get("/cau-hoi", response_class=HTMLResponse)
async def item_analysis(request: Request, contest: ContestDep, session: SessionDep) -> HTMLResponse:
    """Share right, discrimination and choices per question, with flags (precomputed)."""
    cached = await _cached(session, contest, "items")
    return templates.TemplateResponse(
        request, "admin/items.html", {"contest": contest, "report": cached}
    )


@router.get("/bat-thuong", response_class=HTMLResponse)
async def suspicious_activity(
    request: Request, contest: ContestDep, organiser: AdminDep, session: SessionDep
) -> HTMLResponse:
    """Busy addresses, impossible times, identical answer sheets (precomputed)."""
    cached = await _cached(session, contest, "suspicious")
    ids = {pid for group in cached.payload["identical_answers"] for pid in group["participants"]}
    names = await participant_service.public_names(session=session, ids=list(ids))
    return templates.TemplateResponse(
        request, "admin/suspicious.html", {"contest": contest, "report": cached, "names": names}
    )


@router.post("/lam-moi-bao-cao")
async def refresh_reports(
    contest: ContestDep, organiser: AdminDep, session: SessionDep
) -> Response:
    await reports.refresh(session=session, contest_id=contest.id)
    return RedirectResponse(f"/admin/cuoc-thi/{contest.slug}/cau-hoi", status_code=303)
