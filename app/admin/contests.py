"""Console pages to set contests up, preview a draw, close rounds and publish winners."""

from __future__ import annotations

import random

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin import audit
from app.admin.deps import AdminDep, OrganiserDep, ScopeDep, current_organiser
from app.attempts.draw import BlueprintError, draw
from app.clientip import ClientIP
from app.clock import NowDep
from app.config import settings
from app.contests import closing, setup
from app.contests import service as contest_service
from app.contests.ranking import PRIZE_NAMES, PRIZE_ORDER, RANKING_KEYS
from app.db import RowId, SessionDep
from app.documents.certificates import CertificateData, certificates_pdf
from app.documents.winners import WinnerRow, WinnersData, winners_pdf
from app.errors import AppError, not_found
from app.models import Contest, Organiser, Round
from app.questions.catalog import catalog
from app.redis import RedisDep
from app.web import local_time, templates

router = APIRouter(
    prefix="/admin/cuoc-thi", include_in_schema=False, dependencies=[Depends(current_organiser)]
)

DEFAULT_GROUPS = (
    "can-bo | Cán bộ, công chức, viên chức\nnguoi-dan | Người dân\nhoc-sinh | Học sinh, sinh viên"
)


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


def _contest_page(
    request: Request,
    contest: Contest,
    values: dict,
    errors: dict,
    *,
    rounds: list[Round],
    creating: bool,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "admin/contest.html",
        {
            "contest": contest,
            "values": values,
            "errors": errors,
            "rounds": rounds,
            "creating": creating,
            "ranking_keys": RANKING_KEYS,
            "targets": setup.PREDICTION_TARGETS,
            "collective_rules": setup.COLLECTIVE_RULES,
        },
        status_code=status_code,
    )


def _contest_values(contest: Contest, groups_text: str) -> dict[str, str]:
    return {
        "slug": contest.slug or "",
        "title": contest.title or "",
        "slogan": contest.slogan,
        "organiser_name": contest.organiser_name,
        "rules_summary": contest.rules_summary,
        "rules_full": contest.rules_full,
        "min_age": str(contest.min_age),
        "prediction_target": contest.prediction_target,
        "ranking_keys": "\n".join(contest.ranking_keys),
        "one_prize_per_person": "1" if contest.one_prize_per_person else "",
        "collective_rule": contest.collective_rule,
        "groups": groups_text,
    }


async def _groups_text(session: SessionDep, contest: Contest) -> str:
    groups = await contest_service.list_groups(session=session, contest_id=contest.id)
    return "\n".join(
        " | ".join([g.code, g.name] + ([setup.blueprint_text(g.blueprint)] if g.blueprint else []))
        for g in groups
    )


@router.get("/moi", response_class=HTMLResponse)
async def new_contest(request: Request, organiser: AdminDep) -> HTMLResponse:
    contest = Contest(slug="", title="")
    return _contest_page(
        request, contest, _contest_values(contest, DEFAULT_GROUPS), {}, rounds=[], creating=True
    )


@router.post("/moi")
async def create_contest(
    request: Request, organiser: AdminDep, session: SessionDep, ip: ClientIP
) -> Response:
    values = await _form(request)
    contest = Contest(slug="", title="")
    try:
        setup.apply_contest(contest, values, creating=True)
        groups = setup.checked_groups(values.get("groups", ""))
        if await contest_service.get_by_slug(session=session, slug=contest.slug):
            raise setup.FormError({"slug": "Địa chỉ này đã được dùng."})
    except setup.FormError as error:
        return _contest_page(
            request,
            Contest(slug="", title=""),
            values,
            error.fields,
            rounds=[],
            creating=True,
            status_code=422,
        )
    session.add(contest)
    await session.flush()
    setup.apply_groups(session, contest, groups, [])
    audit.record(
        session=session, organiser=organiser, action="create_contest", target=contest.slug, ip=ip
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{contest.slug}", status_code=303)


async def _contest(session: SessionDep, slug: str) -> Contest:
    contest = await contest_service.get_by_slug(session=session, slug=slug)
    if contest is None:
        raise not_found("Không tìm thấy cuộc thi.")
    return contest


@router.get("/{slug}", response_class=HTMLResponse)
async def contest_page(request: Request, slug: str, session: SessionDep) -> HTMLResponse:
    contest = await _contest(session, slug)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    values = _contest_values(contest, await _groups_text(session, contest))
    return _contest_page(request, contest, values, {}, rounds=rounds, creating=False)


@router.post("/{slug}")
async def save_contest(
    request: Request, slug: str, organiser: AdminDep, session: SessionDep, ip: ClientIP
) -> Response:
    contest = await _contest(session, slug)
    values = await _form(request)
    existing = await contest_service.list_groups(session=session, contest_id=contest.id)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    try:
        groups = setup.checked_groups(values.get("groups", ""))
        setup.apply_contest(contest, values, creating=False)
    except setup.FormError as error:
        # Nothing is committed: the session is discarded with the request.
        return _contest_page(
            request, contest, values, error.fields, rounds=rounds, creating=False, status_code=422
        )
    setup.apply_groups(session, contest, groups, existing)
    session.add(contest)
    audit.record(
        session=session,
        organiser=organiser,
        action="update_contest",
        target=slug,
        details={k: v for k, v in values.items() if k != "csrf"},
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{slug}?da_luu=1", status_code=303)


def _round_values(round_: Round) -> dict[str, str]:
    def local(moment) -> str:  # noqa: ANN001
        return moment.astimezone(settings.tz).strftime("%Y-%m-%dT%H:%M") if moment else ""

    return {
        "title": round_.title,
        "starts_at": local(round_.starts_at),
        "ends_at": local(round_.ends_at),
        "questions_per_attempt": str(round_.questions_per_attempt),
        "time_limit_minutes": str(round_.time_limit_seconds // 60),
        "max_attempts": str(round_.max_attempts),
        "attempt_period": round_.attempt_period,
        "review_policy": round_.review_policy,
        "blueprint": setup.blueprint_text(round_.blueprint),
        **{f"prize_{key}": str((round_.prizes or {}).get(key, 0)) for key in PRIZE_ORDER},
    }


def _round_page(
    request: Request,
    contest: Contest,
    round_: Round,
    values: dict,
    errors: dict,
    *,
    creating: bool,
    status_code: int = 200,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "admin/round.html",
        {
            "contest": contest,
            "round": round_,
            "values": values,
            "errors": errors,
            "creating": creating,
            "prize_names": PRIZE_NAMES,
        },
        status_code=status_code,
    )


def _number(values: dict[str, str], name: str) -> int:
    text = values.get(name, "").strip()
    return int(text) if text.lstrip("-").isdigit() else -1


def _round_form(values: dict[str, str]) -> setup.RoundForm:
    return setup.RoundForm(
        title=values.get("title", ""),
        starts_at=values.get("starts_at", ""),
        ends_at=values.get("ends_at", ""),
        questions_per_attempt=_number(values, "questions_per_attempt"),
        time_limit_minutes=_number(values, "time_limit_minutes"),
        max_attempts=_number(values, "max_attempts"),
        attempt_period=values.get("attempt_period", ""),
        review_policy=values.get("review_policy", ""),
        blueprint=values.get("blueprint", ""),
        prizes={key: max(_number(values, f"prize_{key}"), 0) for key in PRIZE_ORDER},
    )


async def _round(session: SessionDep, contest: Contest, number: int) -> Round:
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    found = next((r for r in rounds if r.number == number), None)
    if found is None:
        raise not_found("Không tìm thấy đợt thi.")
    return found


@router.get("/{slug}/dot/moi", response_class=HTMLResponse)
async def new_round(
    request: Request, slug: str, organiser: AdminDep, session: SessionDep
) -> HTMLResponse:
    contest = await _contest(session, slug)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    template = (
        rounds[-1]
        if rounds
        else Round(
            contest_id=contest.id,
            number=0,
            starts_at=None,
            ends_at=None,
            prizes={"nhat": 1, "nhi": 2, "ba": 3},
        )
    )
    round_ = Round(contest_id=contest.id, number=len(rounds) + 1, starts_at=None, ends_at=None)
    values = {
        **_round_values(template),
        "title": f"Đợt {round_.number}",
        "starts_at": "",
        "ends_at": "",
    }
    return _round_page(request, contest, round_, values, {}, creating=True)


@router.post("/{slug}/dot/moi")
async def create_round(
    request: Request, slug: str, organiser: AdminDep, session: SessionDep, ip: ClientIP
) -> Response:
    contest = await _contest(session, slug)
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    round_ = Round(contest_id=contest.id, number=len(rounds) + 1, starts_at=None, ends_at=None)
    values = await _form(request)
    try:
        await setup.apply_round(session, round_, _round_form(values))
    except setup.FormError as error:
        return _round_page(
            request, contest, round_, values, error.fields, creating=True, status_code=422
        )
    audit.record(
        session=session,
        organiser=organiser,
        action="create_round",
        target=f"{slug}/{round_.number}",
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{slug}", status_code=303)


@router.get("/{slug}/dot/{number}", response_class=HTMLResponse)
async def round_page(
    request: Request, slug: str, number: RowId, organiser: AdminDep, session: SessionDep
) -> HTMLResponse:
    contest = await _contest(session, slug)
    round_ = await _round(session, contest, number)
    return _round_page(request, contest, round_, _round_values(round_), {}, creating=False)


@router.post("/{slug}/dot/{number}")
async def save_round(
    request: Request,
    slug: str,
    number: RowId,
    organiser: AdminDep,
    session: SessionDep,
    ip: ClientIP,
) -> Response:
    contest = await _contest(session, slug)
    round_ = await _round(session, contest, number)
    values = await _form(request)
    try:
        await setup.apply_round(session, round_, _round_form(values))
    except setup.FormError as error:
        return _round_page(
            request, contest, round_, values, error.fields, creating=False, status_code=422
        )
    audit.record(
        session=session,
        organiser=organiser,
        action="update_round",
        target=f"{slug}/{number}",
        details={k: v for k, v in values.items() if k != "csrf"},
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{slug}", status_code=303)


@router.get("/{slug}/dot/{number}/xem-truoc", response_class=HTMLResponse)
async def preview_draw(
    request: Request, slug: str, number: RowId, organiser: AdminDep, session: SessionDep
) -> HTMLResponse:
    """One draw exactly as a participant would get it, with the right answers marked."""
    contest = await _contest(session, slug)
    round_ = await _round(session, contest, number)
    items = await catalog.active_items(session)
    try:
        drawn = draw(items, round_.blueprint, round_.questions_per_attempt, random.Random())
        problem = None
    except BlueprintError as error:
        drawn, problem = [], str(error)
    by_id = {item.version_id: item for item in items}
    return templates.TemplateResponse(
        request,
        "admin/preview.html",
        {
            "contest": contest,
            "round": round_,
            "problem": problem,
            "questions": [(by_id[q["v"]], q["o"]) for q in drawn],
        },
    )


@router.post("/{slug}/dot/{number}/tong-ket")
async def close_round(
    slug: str,
    number: RowId,
    organiser: AdminDep,
    session: SessionDep,
    redis: RedisDep,
    now: NowDep,
    ip: ClientIP,
) -> Response:
    """Freezes the round: true count, official standings, provisional winners."""
    contest, round_ = await closing.find_round(session=session, slug=slug, number=number)
    report = await closing.close_round(
        session=session, redis=redis, contest=contest, round_=round_, now=now
    )
    audit.record(
        session=session,
        organiser=organiser,
        action="close_round",
        target=f"{slug}/{number}",
        details={
            "true_count": report.true_count,
            "ranked": report.ranked,
            "winners": len(report.winners),
        },
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{slug}/dot/{number}/giai", status_code=303)


@router.post("/{slug}/dot/{number}/cong-bo")
async def publish(
    slug: str, number: RowId, organiser: AdminDep, session: SessionDep, now: NowDep, ip: ClientIP
) -> Response:
    """Makes the winners official once the appeals window has passed."""
    _, round_ = await closing.find_round(session=session, slug=slug, number=number)
    await closing.publish_winners(session=session, round_=round_, now=now)
    audit.record(
        session=session,
        organiser=organiser,
        action="publish_winners",
        target=f"{slug}/{number}",
        ip=ip,
    )
    await session.commit()
    return RedirectResponse(f"/admin/cuoc-thi/{slug}/dot/{number}/giai", status_code=303)


@router.get("/{slug}/dot/{number}/giai", response_class=HTMLResponse)
async def winners_page(
    request: Request, slug: str, number: RowId, session: SessionDep, scope: ScopeDep, now: NowDep
) -> HTMLResponse:
    """The official standings' winners with every tie-break, and the round's status."""
    contest, round_ = await closing.find_round(session=session, slug=slug, number=number)
    rows = await closing.winner_rows(session=session, round_id=round_.id, unit_ids=scope)
    appeals_end = closing.appeals_end(round_)
    return templates.TemplateResponse(
        request,
        "admin/winners.html",
        {
            "contest": contest,
            "round": round_,
            "rows": rows,
            "prize_names": PRIZE_NAMES,
            "appeals_end": appeals_end,
            "can_publish": bool(appeals_end and now >= appeals_end),
            "now": now,
        },
    )


async def _winner_documents(session: SessionDep, slug: str, number: int, scope: set[int] | None):  # noqa: ANN202
    contest, round_ = await closing.find_round(session=session, slug=slug, number=number)
    if round_.closed_at is None:
        raise AppError(409, "round_not_closed", "Đợt thi chưa được tổng kết.")
    rows = await closing.winner_rows(session=session, round_id=round_.id, unit_ids=scope)
    return contest, round_, rows


@router.get("/{slug}/dot/{number}/bien-ban.pdf")
async def winners_record(
    slug: str,
    number: RowId,
    organiser: OrganiserDep,
    session: SessionDep,
    scope: ScopeDep,
    ip: ClientIP,
) -> Response:
    """Biên bản xét giải: the winners with every tie-break and a signature block."""
    contest, round_, rows = await _winner_documents(session, slug, number, scope)
    appeals_end = closing.appeals_end(round_)
    data = WinnersData(
        organiser_name=contest.organiser_name,
        contest_title=contest.title,
        round_label=round_.title or f"Đợt {round_.number}",
        round_starts=local_time(round_.starts_at),
        round_ends=local_time(round_.ends_at),
        true_count=round_.true_count or 0,
        official=round_.winners_published_at is not None,
        appeals_until=local_time(appeals_end),
        rows=[
            WinnerRow(
                full_name=person.full_name,
                unit_name=unit,
                prize=PRIZE_NAMES[s.prize],
                correct=s.correct_count,
                max_score=round_.questions_per_attempt,
                prediction_distance=s.prediction_distance,
                duration_ms=s.duration_ms,
                submitted_at=local_time(s.submitted_at, "%d/%m/%Y %H:%M:%S"),
            )
            for s, person, unit in rows
        ],
    )
    return await _audited_pdf(
        session,
        organiser,
        ip,
        f"{slug}/{number}/bien-ban.pdf",
        len(rows),
        winners_pdf(data),
        f"bien-ban-xet-giai-{slug}-dot-{number}.pdf",
    )


@router.get("/{slug}/dot/{number}/chung-nhan.pdf")
async def certificates(
    slug: str,
    number: RowId,
    organiser: OrganiserDep,
    session: SessionDep,
    scope: ScopeDep,
    ip: ClientIP,
) -> Response:
    """Giấy chứng nhận: one landscape page per winner."""
    contest, round_, rows = await _winner_documents(session, slug, number, scope)
    items = [
        CertificateData(
            organiser_name=contest.organiser_name,
            contest_title=contest.title,
            round_label=round_.title or f"Đợt {round_.number}",
            full_name=person.full_name,
            unit_name=unit,
            prize=PRIZE_NAMES[s.prize],
        )
        for s, person, unit in rows
    ]
    if not items:
        raise AppError(404, "no_winners", "Đợt thi không có người đoạt giải.")
    return await _audited_pdf(
        session,
        organiser,
        ip,
        f"{slug}/{number}/chung-nhan.pdf",
        len(items),
        certificates_pdf(items),
        f"giay-chung-nhan-{slug}-dot-{number}.pdf",
    )


async def _audited_pdf(
    session: AsyncSession,
    organiser: Organiser,
    ip: str,
    target: str,
    rows: int,
    content: bytes,
    filename: str,
) -> Response:
    """A document download, written to the audit log first."""
    audit.record(
        session=session,
        organiser=organiser,
        action="export",
        target=target,
        details={"rows": rows},
        ip=ip,
    )
    await session.commit()
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
