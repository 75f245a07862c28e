"""`cuocthi export REPORT CONTEST`: results, winners, unit statistics, item analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from app.exports.service import FORMATS, REPORTS


def export(
    report: Annotated[str, typer.Argument(help="results | winners | units | items")],
    contest: Annotated[str, typer.Argument(help="Mã cuộc thi (slug), ví dụ: demo")],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả, ví dụ: ket-qua.xlsx")],
    round_number: Annotated[
        int | None, typer.Option("--round", help="Đợt thi (bắt buộc với winners)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx | csv")] = "xlsx",
) -> None:
    """Export a report of CONTEST as Excel (XLSX) or CSV; large exports stream to the file."""
    from app.admin import audit
    from app.cli import run_in_session  # app.cli registers this command: import it late
    from app.exports import service
    from app.web import thousands

    if report not in REPORTS:
        raise typer.BadParameter(f"chọn {', '.join(sorted(REPORTS))}", param_hint="REPORT")
    if fmt not in FORMATS:
        raise typer.BadParameter("chọn xlsx hoặc csv", param_hint="--format")

    def progress(rows: int) -> None:
        typer.echo(f"Đã ghi {thousands(rows)} dòng…", err=True)

    async def work(session: AsyncSession) -> int:
        rows = await service.export(
            session=session,
            report=report,
            contest_slug=contest,
            round_number=round_number,
            fmt=fmt,
            out=out,
            progress=progress,
        )
        audit.record(
            session=session,
            organiser=None,
            action="export",
            target=f"{contest}/{report}.{fmt}",
            details={"round": round_number, "rows": rows, "via": "cli"},
        )
        await session.commit()
        return rows

    rows = run_in_session(work)
    typer.echo(f"Đã xuất {thousands(rows)} dòng ra {out}.")
