"""`cuocthi posters CONTEST [--unit CODE | --all-units] [--location TEXT] --out DIR`.

app.cli registers the function: `cli.command("posters")(posters)`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import not_found


def posters(
    contest: Annotated[
        str, typer.Argument(metavar="CONTEST", help="Mã (slug) của cuộc thi, ví dụ demo.")
    ],
    unit: Annotated[
        str | None,
        typer.Option("--unit", metavar="CODE", help="Mã đơn vị: một áp phích cho đơn vị này."),
    ] = None,
    all_units: Annotated[
        bool, typer.Option("--all-units", help="Mỗi đơn vị trong cơ sở dữ liệu một áp phích.")
    ] = False,
    location: Annotated[
        str,
        typer.Option(
            "--location", metavar="TEXT", help="Nơi dán, in trên áp phích (ví dụ: Trung tâm …)."
        ),
    ] = "",
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Thư mục ghi các tệp.")
    ] = ...,  # required
) -> None:
    """Tạo áp phích mã QR: PDF A4, A3, ảnh PNG, ảnh mã QR và tệp ZIP (QR posters).

    Không có --unit hay --all-units: một áp phích chung cho cả cuộc thi.
    """
    # Imported here: app.cli registers this command, so importing it at the top would cycle.
    from app.cli import run_in_session
    from app.contests import service as contest_service
    from app.posters import service
    from app.web import seconds, thousands

    started = time.perf_counter()

    async def make(session: AsyncSession) -> tuple[int, list[Path]]:
        found = await contest_service.get_by_slug(session=session, slug=contest)
        if found is None:
            raise not_found(f"Không có cuộc thi “{contest}”.")
        units = await service.resolve_units(session=session, unit_code=unit, all_units=all_units)
        paths = await service.make_posters(
            session=session,
            contest=found,
            units=units,
            out_dir=out,
            location=location,
            progress=_progress_printer(),
            # Rendering is the slow part and each poster stands alone: use every core.
            workers=min(os.cpu_count() or 1, len(units)),
        )
        return len(units), paths

    try:
        count, paths = run_in_session(make)
    except OSError as error:  # an --out folder that cannot be written, a full disk
        typer.echo(f"Lỗi: không ghi được tệp vào {out}: {error.strerror or error}.", err=True)
        raise typer.Exit(1) from error
    elapsed = time.perf_counter() - started
    typer.echo(
        f"Xong: {thousands(count)} áp phích, {thousands(len(paths) - 1)} tệp trong {out} "
        f"({seconds(round(elapsed * 1000))})."
    )
    typer.echo(f"Tệp nén để gửi các đơn vị: {paths[-1]}")


def _progress_printer() -> Callable[[int, int], None]:
    """Prints a line each time another tenth of the run is done."""
    from app.web import thousands

    last_tenth = 0

    def report(done: int, total: int) -> None:
        nonlocal last_tenth
        tenth = done * 10 // total
        if tenth > last_tenth:
            last_tenth = tenth
            typer.echo(f"Đã tạo {thousands(done)}/{thousands(total)} áp phích…")

    return report
