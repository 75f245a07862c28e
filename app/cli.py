"""The `cuocthi` command."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession

from app import db
from app import redis as redis_module
from app.config import settings
from app.errors import AppError
from app.models import utcnow

T = TypeVar("T")

cli = typer.Typer(help="Cuộc thi tìm hiểu về cải cách hành chính.", no_args_is_help=True)
db_cli = typer.Typer(help="Cơ sở dữ liệu (database schema).", no_args_is_help=True)
questions_cli = typer.Typer(help="Ngân hàng câu hỏi (question bank).", no_args_is_help=True)
round_cli = typer.Typer(help="Đợt thi: tổng kết, công bố giải (rounds).", no_args_is_help=True)
attempts_cli = typer.Typer(help="Lượt thi (attempts).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(questions_cli, name="questions")
cli.add_typer(round_cli, name="round")
cli.add_typer(attempts_cli, name="attempts")
redis_cli = typer.Typer(
    help="Redis: bảng xếp hạng, bộ đếm (rebuilt from the database).", no_args_is_help=True
)
cli.add_typer(redis_cli, name="redis")
admin_cli = typer.Typer(help="Tài khoản ban tổ chức (organiser accounts).", no_args_is_help=True)
cli.add_typer(admin_cli, name="admin")
units_cli = typer.Typer(help="Đơn vị và biên chế (units).", no_args_is_help=True)
cli.add_typer(units_cli, name="units")
participants_cli = typer.Typer(
    help="Thí sinh: dữ liệu cá nhân (participants).", no_args_is_help=True
)
cli.add_typer(participants_cli, name="participants")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` with a database session, then disposes of the engine."""
    return run_with_services(lambda session, _redis: work(session))


def run_with_services(work: Callable[[AsyncSession, Redis], Awaitable[T]]) -> T:
    """Runs `work` with a database session and Redis; a refusal becomes a clean exit 1."""

    async def runner() -> T:
        engine = db.create_engine()
        redis = redis_module.create_client()
        try:
            async with db.session_factory(engine)() as session:
                return await work(session, redis)
        finally:
            await redis.aclose()
            await engine.dispose()

    try:
        return asyncio.run(runner())
    except AppError as error:
        typer.echo(f"Lỗi: {error.message}", err=True)
        raise typer.Exit(1) from error


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the database schema up to date."""
    db.upgrade(revision)
    typer.echo(f"Cơ sở dữ liệu đã cập nhật ({revision}).")


@db_cli.command("backup")
def db_backup(out: Path) -> None:
    """Back the database up (pg_dump custom format, or a SQLite copy) while it serves."""
    from app.backup import backup

    typer.echo(f"Đã sao lưu cơ sở dữ liệu vào {backup(out)}.")


@db_cli.command("restore")
def db_restore(dump: Path, yes: Annotated[bool, typer.Option("--yes")] = False) -> None:
    """Restore a backup made by `cuocthi db backup` (stop the servers first)."""
    from app.backup import restore

    if not yes:
        typer.confirm("Thay toàn bộ dữ liệu hiện có bằng bản sao lưu?", abort=True)
    restore(dump)
    typer.echo("Đã khôi phục. Khởi động lại máy chủ; Redis được nạp lại tự động.")


@db_cli.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION (e.g. -1 or base)."""
    db.downgrade(revision)
    typer.echo(f"Cơ sở dữ liệu đã hạ về {revision}.")


@cli.command()
def demo() -> None:
    """Load the question bank, the demo units and the demo contest (safe to run again)."""
    from app.demo import load_demo

    db.upgrade()
    done = run_with_services(lambda session, _redis: load_demo(session=session))
    typer.echo(
        f"Câu hỏi: {done['questions_created']} mới, {done['questions_updated']} cập nhật; "
        f"đơn vị: {done['units']}; cuộc thi mẫu: "
        + ("đã tạo" if done["contest_created"] else "đã có, giữ nguyên")
        + f". Mở {settings.base_url}/c/demo"
    )


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    with_demo: Annotated[bool, typer.Option("--demo", help="Load the demo contest first.")] = False,
) -> None:
    """Start the web server."""
    from app.serving import serve as run_server

    if workers > 1 and settings.embedded_redis:
        raise typer.BadParameter(
            "Chế độ Redis nhúng chỉ chạy một tiến trình; đặt CUOCTHI_REDIS_URL để dùng "
            "--workers lớn hơn 1 (embedded Redis needs a single worker).",
            param_hint="--workers",
        )
    if with_demo:
        demo()
    typer.echo(f"Cuộc thi CCHC đang chạy tại http://{host}:{port} (Ctrl+C để dừng).")
    run_server(host, port, workers)


@questions_cli.command("check")
def questions_check() -> None:
    """Validate the question bank in questions/ (schema, answers, quotes, duplicates)."""
    from app.questions.validation import check_bank, load_area_files

    problems = check_bank()
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} lỗi trong ngân hàng câu hỏi.", err=True)
        raise typer.Exit(1)
    total = sum(len(doc["questions"]) for doc in load_area_files().values())
    typer.echo(f"Ngân hàng câu hỏi hợp lệ: {total} câu hỏi.")


@questions_cli.command("load")
def questions_load() -> None:
    """Upsert the question bank into the database (idempotent; edits become new versions)."""
    from app.questions import service
    from app.questions.validation import check_bank, load_area_files

    if problems := check_bank():
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)

    async def load(session: AsyncSession) -> service.LoadReport:
        report = await service.load_areas(session=session, areas=load_area_files())
        await session.commit()
        return report

    report = run_in_session(load)
    typer.echo(
        f"Đã nạp: {report.created} mới, {report.updated} cập nhật, {report.unchanged} giữ nguyên."
    )


@round_cli.command("close")
def round_close(contest: str, number: int) -> None:
    """Close round NUMBER of CONTEST: true count, official standings, provisional winners."""
    from app.contests import closing
    from app.contests.ranking import PRIZE_NAMES

    async def close(session: AsyncSession, redis: Redis) -> closing.CloseReport:
        found, round_ = await closing.find_round(session=session, slug=contest, number=number)
        return await closing.close_round(
            session=session, redis=redis, contest=found, round_=round_, now=utcnow()
        )

    report = run_with_services(close)
    typer.echo(
        f"Đã tổng kết đợt {number}: {report.ranked} người được xếp hạng; "
        f"số người trả lời đúng tất cả (đáp án dự đoán): {report.true_count}."
    )
    for prize in PRIZE_NAMES:
        count = sum(1 for value in report.winners.values() if value == prize)
        if count:
            typer.echo(f"  {PRIZE_NAMES[prize]}: {count} (tạm thời, chờ hết thời gian khiếu nại)")


@round_cli.command("publish")
def round_publish(contest: str, number: int) -> None:
    """Publish the official winners of a closed round after the appeals window."""
    from app.contests import closing

    async def publish(session: AsyncSession, _redis: Redis) -> None:
        _, round_ = await closing.find_round(session=session, slug=contest, number=number)
        await closing.publish_winners(session=session, round_=round_, now=utcnow())

    run_with_services(publish)
    typer.echo(f"Đã công bố chính thức danh sách đoạt giải đợt {number}.")


@attempts_cli.command("sweep")
def attempts_sweep() -> None:
    """Finalise abandoned attempts whose time is up (the server also does this periodically)."""
    from app.attempts import service as attempt_service
    from app.hotdb import EngineDatabase

    async def sweep(session: AsyncSession, redis: Redis) -> int:
        database, total = EngineDatabase(session.bind), 0
        while done := await attempt_service.expire_overdue(db=database, redis=redis, now=utcnow()):
            total += len(done)
        return total

    typer.echo(f"Đã kết thúc {run_with_services(sweep)} lượt thi quá giờ.")


@questions_cli.command("import")
def questions_import(
    file: Path,
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx | gift | aiken | yaml")] = None,
) -> None:
    """Import questions into the organisers' bank; a file with any error imports nothing."""
    from app.questions import formats, service

    try:
        result = formats.parse_file(file, fmt)
    except (ValueError, OSError) as error:
        typer.echo(f"Lỗi: {error}", err=True)
        raise typer.Exit(1) from error
    for issue in result.skipped:
        typer.echo(f"{file.name}: {issue.location}: bỏ qua: {issue.message}")
    if result.errors:
        for issue in result.errors:
            typer.echo(f"{file.name}: {issue.location}: {issue.message}", err=True)
        typer.echo(f"{len(result.errors)} lỗi: không câu hỏi nào được nhập.", err=True)
        raise typer.Exit(1)

    async def load(session: AsyncSession) -> service.LoadReport:
        report = await service.import_questions(session=session, questions=result.questions)
        await session.commit()
        return report

    report = run_in_session(load)
    typer.echo(
        f"Đã nhập {len(result.questions)} câu hỏi ({report.created} mới, "
        f"{report.updated} cập nhật, {report.unchanged} không đổi); "
        f"bỏ qua {len(result.skipped)}."
    )


@questions_cli.command("export")
def questions_export(
    fmt: Annotated[str, typer.Option("--format", help="xlsx | gift | yaml")] = "yaml",
    out: Annotated[Path | None, typer.Option(help="Tệp kết quả (mặc định: màn hình)")] = None,
) -> None:
    """Export the bank in the database (current versions) as Excel, GIFT or the bank's YAML."""
    from app.questions import formats, service

    if fmt not in ("xlsx", "gift", "yaml"):
        raise typer.BadParameter("chọn xlsx, gift hoặc yaml", param_hint="--format")
    if fmt == "xlsx" and out is None:
        raise typer.BadParameter("tệp Excel cần --out TỆP.xlsx", param_hint="--out")
    questions = run_in_session(lambda session: service.export_questions(session=session))
    _write_output(formats.write(questions, fmt), out)
    if out is not None:
        typer.echo(f"Đã xuất {len(questions)} câu hỏi ra {out}.")


@questions_cli.command("template")
def questions_template(out: Path = Path("mau-ngan-hang-cau-hoi.xlsx")) -> None:
    """Write the Excel template organisers fill in to import their own questions."""
    from app.questions.formats import template_xlsx

    out.write_bytes(template_xlsx())
    typer.echo(f"Đã tạo tệp mẫu {out}.")


@questions_cli.command("derive")
def questions_derive(
    plan: Path,
    out: Annotated[Path | None, typer.Option(help="Tệp YAML kết quả (mặc định: màn hình)")] = None,
) -> None:
    """Propose draft questions (status: draft) about the documents a plan cites."""
    from app.questions import formats
    from app.questions.derive import derive_questions

    drafts = derive_questions(plan.read_text(encoding="utf-8"), plan.name)
    _write_output(formats.write(drafts, "yaml"), out)
    typer.echo(
        f"Đã đề xuất {len(drafts)} câu hỏi nháp từ {plan.name}; cần rà soát trước khi dùng.",
        err=out is None,
    )


@cli.command()
def receipt(code: str) -> None:
    """Verify a participant's receipt code (mã xác nhận) and show the attempt it stands for."""
    from app.attempts import service as attempt_service
    from app.models import Participant
    from app.web import local_time

    async def find(session: AsyncSession) -> str | None:
        attempt = await attempt_service.find_by_receipt(session=session, code=code)
        if attempt is None:
            return None
        person = await session.get(Participant, attempt.participant_id)
        return (
            f"Mã {attempt.receipt} hợp lệ: {person.full_name}, lượt thi {attempt.number}, "
            f"{attempt.correct_count}/{attempt.max_score} câu đúng, "
            f"thời gian {attempt.duration_ms / 1000:.3f} giây, "
            f"nộp lúc {local_time(attempt.submitted_at, '%H:%M:%S %d/%m/%Y')}."
        )

    found = run_in_session(find)
    if found is None:
        typer.echo(f"Mã xác nhận {code} không hợp lệ.", err=True)
        raise typer.Exit(1)
    typer.echo(found)


@redis_cli.command("rebuild")
def redis_rebuild(contest: Annotated[str | None, typer.Argument()] = None) -> None:
    """Recreate leaderboards and live counters from the database (all contests, or CONTEST)."""
    from app.contests import service as contest_service
    from app.leaderboard import sync

    async def rebuild(session: AsyncSession, redis: Redis) -> int:
        contest_id = None
        if contest is not None:
            found = await contest_service.get_by_slug(session=session, slug=contest)
            if found is None:
                raise AppError(404, "not_found", f"Không có cuộc thi “{contest}”.")
            contest_id = found.id
        return await sync.rebuild(session=session, redis=redis, contest_id=contest_id)

    if settings.embedded_redis:
        typer.echo(
            "Redis nhúng được dựng lại tự động mỗi khi máy chủ khởi động; "
            "lệnh này dành cho CUOCTHI_REDIS_URL.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(f"Đã dựng lại Redis từ cơ sở dữ liệu ({run_with_services(rebuild)} sự kiện).")


@admin_cli.command("create-user")
def admin_create_user(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="quan-tri | don-vi")] = "quan-tri",
    unit: Annotated[str | None, typer.Option(help="Mã đơn vị (vai trò don-vi)")] = None,
) -> None:
    """Create an organiser account (quản trị, or đơn vị for one unit and its children)."""
    from app.admin import audit, auth

    async def create(session: AsyncSession) -> None:
        organiser = await auth.create_user(
            session=session, username=username, password=password, role=role, unit_code=unit
        )
        audit.record(
            session=session,
            organiser=None,
            action="create_user",
            target=organiser.username,
            details={"role": role, "unit": unit},
        )
        await session.commit()

    run_in_session(create)
    typer.echo(f"Đã tạo tài khoản {username.strip().lower()} ({role}).")


@units_cli.command("import")
def units_import(file: Path) -> None:
    """Import units with headcount and hierarchy from .xlsx or .csv (all or nothing)."""
    from app.admin import audit
    from app.units import importer

    async def load(session: AsyncSession) -> tuple[int, list[str]]:
        count, errors = await importer.import_file(
            session=session, data=file.read_bytes(), filename=file.name
        )
        if not errors:
            audit.record(
                session=session,
                organiser=None,
                action="import_units",
                target=file.name,
                details={"units": count},
            )
            await session.commit()
        return count, errors

    count, errors = run_in_session(load)
    for error in errors:
        typer.echo(f"{file.name}: {error}", err=True)
    if errors:
        typer.echo("Không nhập đơn vị nào.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Đã nhập {count} đơn vị.")


@participants_cli.command("purge")
def participants_purge(
    before: Annotated[
        str | None, typer.Option(help="dd/mm/yyyy; mặc định: theo CUOCTHI_RETENTION_DAYS")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Không hỏi lại")] = False,
) -> None:
    """Delete participants registered before DATE, with their attempts (personal data)."""
    from datetime import datetime, timedelta

    from app.admin import audit
    from app.participants import privacy

    if before:
        try:
            cutoff = datetime.strptime(before, "%d/%m/%Y").replace(tzinfo=settings.tz)
        except ValueError as error:
            raise typer.BadParameter("ngày dạng dd/mm/yyyy", param_hint="--before") from error
    else:
        cutoff = utcnow() - timedelta(days=settings.retention_days)
    label = cutoff.astimezone(settings.tz).strftime("%d/%m/%Y")
    if not yes:
        typer.confirm(
            f"Xoá vĩnh viễn thí sinh đăng ký trước {label} và bài thi của họ?", abort=True
        )

    async def purge(session: AsyncSession) -> int:
        count = await privacy.purge(session=session, before=cutoff)
        audit.record(
            session=session,
            organiser=None,
            action="purge_participants",
            target=label,
            details={"participants": count},
        )
        await session.commit()
        return count

    typer.echo(f"Đã xoá {run_in_session(purge)} thí sinh đăng ký trước {label}.")


def _write_output(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)


def _register_domain_commands() -> None:
    """Commands that live with their domain package."""
    from app.exports.cli import export
    from app.posters.cli import posters

    cli.command("export")(export)
    cli.command("posters")(posters)


_register_domain_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
