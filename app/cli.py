"""The `cuocthi` command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from app import db
from app.config import settings

T = TypeVar("T")

cli = typer.Typer(help="Cuộc thi tìm hiểu về cải cách hành chính.", no_args_is_help=True)
db_cli = typer.Typer(help="Cơ sở dữ liệu (database schema).", no_args_is_help=True)
questions_cli = typer.Typer(help="Ngân hàng câu hỏi (question bank).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(questions_cli, name="questions")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` with a database session, then disposes of the engine."""

    async def runner() -> T:
        engine = db.create_engine()
        try:
            async with db.session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(runner())


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the database schema up to date."""
    db.upgrade(revision)
    typer.echo(f"Cơ sở dữ liệu đã cập nhật ({revision}).")


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
    done = run_in_session(lambda session: load_demo(session=session))
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
    import uvicorn

    if workers > 1 and settings.embedded_redis:
        raise typer.BadParameter(
            "Chế độ Redis nhúng chỉ chạy một tiến trình; đặt CUOCTHI_REDIS_URL để dùng "
            "--workers lớn hơn 1 (embedded Redis needs a single worker).",
            param_hint="--workers",
        )
    if with_demo:
        demo()
    typer.echo(f"Cuộc thi CCHC đang chạy tại http://{host}:{port} (Ctrl+C để dừng).")
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=False,
                log_level="info", access_log=False)


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


def main() -> None:
    cli()
if __name__ == "__main__":
    main()
