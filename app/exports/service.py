"""Exports: which report, which sheet, which file. The queries stream, the writers stream."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from string import ascii_uppercase

from sqlmodel.ext.asyncio.session import AsyncSession

from app.contests import service as contest_service
from app.errors import AppError, not_found
from app.exports import queries, writers
from app.exports.writers import Column, Progress, Sheet
from app.models import Contest, Round

REPORTS = {"results", "winners", "units", "items"}
FORMATS = {"xlsx", "csv"}

PERSON = [Column("Họ và tên", 28), Column("Năm sinh", 9, "int"), Column("Số điện thoại", 14)]
RESULTS = Sheet(
    "Kết quả",
    [
        Column("STT", 7, "int"),
        *PERSON,
        Column("Đơn vị", 34),
        Column("Đối tượng", 20),
        Column("Đợt", 6, "int"),
        Column("Lượt thi", 8, "int"),
        Column("Số câu đúng", 11, "int"),
        Column("Điểm", 8, "int"),
        Column("Điểm tối đa", 11, "int"),
        Column("Thời gian làm bài (giây)", 14, "decimal"),
        Column("Thời điểm nộp", 20, "datetime"),
        Column("Dự đoán", 10, "int"),
        Column("Trạng thái", 11),
        Column("Mã xác nhận", 13),
    ],
)
WINNERS = Sheet(
    "Người đoạt giải",
    [
        Column("Hạng", 7, "int"),
        Column("Giải", 18),
        *PERSON,
        Column("Đơn vị", 34),
        Column("Số câu đúng", 11, "int"),
        Column("Dự đoán", 10, "int"),
        Column("Chênh lệch dự đoán", 12, "int"),
        Column("Thời gian làm bài (giây)", 14, "decimal"),
        Column("Thời điểm nộp", 20, "datetime"),
        Column("Mã xác nhận", 13),
    ],
)
UNITS = Sheet(
    "Thống kê đơn vị",
    [
        Column("Mã đơn vị", 12),
        Column("Tên đơn vị", 40),
        Column("Khối", 12),
        Column("Biên chế", 10, "int"),
        Column("Số người đăng ký", 12, "int"),
        Column("Số người dự thi", 12, "int"),
        Column("Số lượt thi", 10, "int"),
        Column("Tỷ lệ tham gia (%)", 12, "decimal"),
        Column("Điểm trung bình", 11, "decimal"),
        Column("Số bài đạt điểm tối đa", 13, "int"),
    ],
)


def items_sheet(options: int) -> Sheet:
    """One "Tỷ lệ chọn" column per option position (A, B, C, D…) of the widest question."""
    letters = [ascii_uppercase[i] if i < 26 else str(i + 1) for i in range(options)]
    return Sheet(
        "Phân tích câu hỏi",
        [
            Column("Mã câu hỏi", 14),
            Column("Phiên bản", 9, "int"),
            Column("Câu hỏi", 60),
            Column("Số lượt trả lời", 12, "int"),
            Column("Tỷ lệ đúng (%)", 11, "decimal"),
            Column("Độ phân biệt", 11, "decimal"),
            *(Column(f"Tỷ lệ chọn {letter} (%)", 11, "decimal") for letter in letters),
            Column("Đánh giá", 20),
        ],
    )


async def export(
    *,
    session: AsyncSession,
    report: str,
    contest_slug: str,
    round_number: int | None,
    fmt: str,
    out: Path,
    unit_ids: set[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """Writes one report to `out` as XLSX or CSV; returns the number of rows written."""
    if report not in REPORTS:
        raise AppError(
            422,
            "unknown_report",
            f"Không có báo cáo “{report}”: chọn {', '.join(sorted(REPORTS))}.",
        )
    if fmt not in FORMATS:
        raise AppError(
            422, "unknown_format", f"Không hỗ trợ định dạng “{fmt}”: chọn xlsx hoặc csv."
        )
    contest, round_ = await _find(session, contest_slug, round_number)
    sheet, rows = await _report(session, report, contest, round_, unit_ids)
    return await _write_atomically(out, fmt, sheet, rows, progress)


async def _find(
    session: AsyncSession, slug: str, round_number: int | None
) -> tuple[Contest, Round | None]:
    """The contest, and the round when one is asked for; 404 for either that does not exist."""
    contest = await contest_service.get_by_slug(session=session, slug=slug)
    if contest is None:
        raise not_found(f"Không có cuộc thi “{slug}”.")
    if round_number is None:
        return contest, None
    rounds = await contest_service.list_rounds(session=session, contest_id=contest.id)
    round_ = next((r for r in rounds if r.number == round_number), None)
    if round_ is None:
        raise not_found(f"Cuộc thi “{slug}” không có đợt {round_number}.")
    return contest, round_


async def _report(
    session: AsyncSession,
    report: str,
    contest: Contest,
    round_: Round | None,
    unit_ids: set[int] | None,
) -> tuple[Sheet, AsyncIterator[tuple]]:
    scope = (session, contest.id, None if round_ is None else round_.number)
    if report == "results":
        return RESULTS, queries.results(*scope, unit_ids)
    if report == "units":
        return UNITS, queries.units(*scope, unit_ids)
    if report == "items":
        options = await queries.option_count(*scope, unit_ids)
        return items_sheet(options), queries.items(*scope, unit_ids, options)
    # What is left is "winners": the official standings of one closed round.
    if round_ is None:
        raise AppError(422, "round_required", "Danh sách người đoạt giải cần chọn một đợt thi.")
    if round_.closed_at is None:
        # The standings are written when a round closes: say so rather than export nothing.
        raise AppError(
            409,
            "round_not_closed",
            f"Đợt {round_.number} chưa được tổng kết, chưa có người đoạt giải.",
        )
    return WINNERS, queries.winners(session, contest.id, round_.number, unit_ids)


async def _write_atomically(
    out: Path, fmt: str, sheet: Sheet, rows: AsyncIterator[tuple], progress: Progress | None
) -> int:
    """Writes beside `out` and renames, so a failed export never leaves a half file behind.

    The file is readable by its owner only (mkstemp): exports hold names and phone numbers.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    try:
        if fmt == "xlsx":
            count = await writers.write_xlsx([(sheet, rows)], Path(temporary), progress=progress)
        else:
            count = await writers.write_csv(sheet, rows, Path(temporary), progress=progress)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
