import asyncio
import csv
import io
import re
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner

from app.errors import AppError
from app.exports.cli import export as export_command
from app.exports.service import export
from app.exports.writers import Column, Sheet, write_csv, write_xlsx
from app.models import Unit
from app.units import service as unit_service
from app.units.service import unit_and_children
from tests.conftest import BACKEND
from tests.factories import close_first_round, make_contest, register, right_answers

BOM = b"\xef\xbb\xbf"
XH_NAME = "UBND xã Xuân Hưng"


async def play(
    client, clock, auth, correct: int = 10, prediction: int | None = 1, seconds: float = 60
) -> dict:
    """Starts and submits an attempt with `correct` right answers after `seconds`."""
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    right = list(right_answers(body))[:correct]
    return await submit(client, clock, auth, body, lambda q: q["id"] in right, prediction, seconds)


def option_a(body: dict) -> dict[str, int]:
    """Option A (the first as written in the bank, "Sai …1") of every question, a wrong one."""
    return {
        q["id"]: next(o["id"] for o in q["options"] if re.fullmatch(r"Sai \d+\.\d+\.1", o["text"]))
        for q in body["questions"]
    }


async def submit(client, clock, auth, body, is_right: Callable, prediction=1, seconds=60) -> dict:
    """Submits the key where `is_right(question)`, else option A (displays are shuffled)."""
    good, bad = right_answers(body), option_a(body)
    answers = {q["id"]: (good if is_right(q) else bad)[q["id"]] for q in body["questions"]}
    clock.advance(seconds=seconds)
    response = await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": answers, "prediction": prediction},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def add_unit_without_staff(session) -> None:
    """Phòng Xuân Hưng: under the xã, headcount 0, nobody registered."""
    rows = [{"code": "PX", "name": "Phòng Xuân Hưng", "kind": "phòng", "parent": "XH"}]
    await unit_service.upsert_many(session=session, rows=rows)
    await session.commit()


async def units_by_code(session) -> dict[str, Unit]:
    return {unit.code: unit for unit in (await session.exec(select(Unit))).all()}


def read_xlsx(path: Path) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[tuple]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return sheet, list(sheet.iter_rows(values_only=True))


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


async def run(session, tmp_path, report, fmt="xlsx", round_number=None, unit_ids=None):
    out = tmp_path / f"{report}.{fmt}"
    count = await export(
        session=session,
        report=report,
        contest_slug="thu",
        round_number=round_number,
        fmt=fmt,
        out=out,
        unit_ids=unit_ids,
    )
    return count, out


async def played_contest(client, app, session, clock):
    """An (10 then 7 right) and Bình (5) in XH, Chi registered in SNV, Dũng left one open."""
    setup = await make_contest(session)
    await add_unit_without_staff(session)
    _, an = await register(client, name="Nguyễn Văn An", phone="0912345678", birth_year=1985)
    _, binh = await register(client, name="Trần Thị Bình", group="nguoi-dan")
    await register(client, name="Lê Văn Chi", unit="SNV")
    _, dung = await register(client, name="Phạm Dũng", unit="SNV")
    await play(client, clock, an, correct=10, prediction=3, seconds=95.5)
    await play(client, clock, an, correct=7, seconds=30)
    await play(client, clock, binh, correct=5, seconds=200)
    await client.post("/api/v1/contests/thu/attempts", headers=dung)  # never submitted
    await close_first_round(session, app, setup, clock)  # Dũng's attempt expires with nothing saved
    return setup


async def test_results_xlsx_has_vietnamese_headers_a_frozen_row_and_local_times(
    client, app, session, clock, tmp_path
):
    await played_contest(client, app, session, clock)
    count, out = await run(session, tmp_path, "results")
    sheet, rows = read_xlsx(out)
    assert count == 4 and len(rows) == 5
    assert rows[0] == (
        "STT", "Họ và tên", "Năm sinh", "Số điện thoại", "Đơn vị", "Đối tượng", "Đợt",
        "Lượt thi", "Số câu đúng", "Điểm", "Điểm tối đa", "Thời gian làm bài (giây)",
        "Thời điểm nộp", "Dự đoán", "Trạng thái", "Mã xác nhận",
    )  # fmt: skip
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width == 28
    first = rows[1]
    assert first[:11] == (
        1, "Nguyễn Văn An", 1985, "0912345678", XH_NAME, "Cán bộ, công chức", 1, 1, 10, 10, 10
    )  # fmt: skip
    assert first[11] == 95.5 and first[13:15] == (3, "Đã nộp")
    # Submitted at 08:01:35.5 in Vietnam (01:01:35.5 UTC): Excel gets the local wall time.
    assert abs(first[12] - datetime(2026, 12, 1, 8, 1, 35, 500000)) < timedelta(milliseconds=1)
    assert sheet["M2"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert re.fullmatch(r"[A-Z2-7]{4,}-[A-Z2-7]{6}", first[15])
    assert [row[1] for row in rows[1:]] == [
        "Nguyễn Văn An", "Nguyễn Văn An", "Trần Thị Bình", "Phạm Dũng"
    ]  # fmt: skip
    assert rows[2][7:9] == (2, 7) and rows[3][5] == "Người dân"
    assert rows[4][8] == 0 and rows[4][14] == "Hết giờ" and rows[4][13] is None


async def test_results_csv_is_utf8_with_bom_and_local_times(client, app, session, clock, tmp_path):
    await played_contest(client, app, session, clock)
    count, out = await run(session, tmp_path, "results", fmt="csv")
    rows = read_csv(out)
    assert count == 4 and rows[0][:2] == ["STT", "Họ và tên"]
    assert rows[1][1] == "Nguyễn Văn An" and rows[1][4] == XH_NAME
    assert rows[1][11] == "95.5" and rows[1][12] == "01/12/2026 08:01:35"
    assert rows[4][13] == ""  # no prediction on an expired attempt


async def test_unit_statistics_count_best_attempts_and_keep_units_without_anyone(
    client, app, session, clock, tmp_path
):
    await played_contest(client, app, session, clock)
    count, out = await run(session, tmp_path, "units")
    sheet, rows = read_xlsx(out)
    assert rows[0] == (
        "Mã đơn vị", "Tên đơn vị", "Khối", "Biên chế", "Số người đăng ký", "Số người dự thi",
        "Số lượt thi", "Tỷ lệ tham gia (%)", "Điểm trung bình", "Số bài đạt điểm tối đa",
    )  # fmt: skip
    by_code = {row[0]: row for row in rows[1:]}
    assert count == 3 and set(by_code) == {"XH", "SNV", "PX"}
    # XH: An's best is 10 (his second attempt, 7, does not lower it), Bình's 5.
    assert by_code["XH"] == ("XH", XH_NAME, "Khác", 40, 2, 2, 3, 5.0, 7.5, 1)
    # SNV: Chi never started; Dũng's expired attempt counts, with nothing right.
    assert by_code["SNV"][3:] == (100, 2, 1, 1, 1.0, 0.0, 0)
    assert by_code["PX"][3:] == (0, 0, 0, 0, None, None, 0)  # no headcount: no rate
    assert sheet.freeze_panes == "A2"


async def test_winners_in_rank_order_with_prizes_and_every_tie_break(
    client, app, session, clock, tmp_path
):
    setup = await make_contest(session, prizes={"nhat": 1, "nhi": 1, "ba": 1})
    for name, correct, prediction, seconds in [
        ("Lê Văn Một", 10, 3, 300),
        ("Phạm Thị Hai", 10, 2, 100),
        ("Đỗ Văn Ba", 10, 2, 200),
        ("Vũ Thị Bốn", 9, 2, 50),
    ]:
        _, auth = await register(client, name=name)
        await play(client, clock, auth, correct, prediction, seconds)
    with pytest.raises(AppError, match="chưa được tổng kết") as refused:
        await run(session, tmp_path, "winners", round_number=1)
    assert refused.value.status == 409
    await close_first_round(session, app, setup, clock)
    with pytest.raises(AppError, match="chọn một đợt thi") as refused:
        await run(session, tmp_path, "winners")
    assert refused.value.status == 422
    count, out = await run(session, tmp_path, "winners", round_number=1)
    _, rows = read_xlsx(out)
    assert rows[0] == (
        "Hạng", "Giải", "Họ và tên", "Năm sinh", "Số điện thoại", "Đơn vị", "Số câu đúng",
        "Dự đoán", "Chênh lệch dự đoán", "Thời gian làm bài (giây)", "Thời điểm nộp",
        "Mã xác nhận",
    )  # fmt: skip
    assert count == 3
    assert [row[:3] for row in rows[1:]] == [
        (1, "Giải Nhất", "Lê Văn Một"),
        (2, "Giải Nhì", "Phạm Thị Hai"),
        (3, "Giải Ba", "Đỗ Văn Ba"),
    ]
    assert [(row[6], row[7], row[8], row[9]) for row in rows[1:]] == [
        (10, 3, 0, 300.0),
        (10, 2, 1, 100.0),
        (10, 2, 1, 200.0),
    ]
    assert all(isinstance(row[10], datetime) and row[11] for row in rows[1:])


EASY, TRAP, HARD = "lv0-000", "lv0-001", "lv0-002"


def question_is(*external_ids: str) -> Callable[[dict], bool]:
    """Matches questions of the synthetic bank by id ("lv0-001" is "Câu hỏi 1 của lĩnh vực 0?")."""
    texts = {f"Câu hỏi {int(e[4:])} của lĩnh vực {e[2]}?" for e in external_ids}
    return lambda question: question["text"] in texts


def all_but(*external_ids: str) -> Callable[[dict], bool]:
    excluded = question_is(*external_ids)
    return lambda question: not excluded(question)


async def test_item_analysis_flags_easy_hard_and_doubtful_keys(
    client, app, session, clock, tmp_path
):
    await make_contest(session, questions=30)  # every attempt shows the whole bank
    strongest, strong = all_but(TRAP), all_but(TRAP, HARD)
    weak = question_is(EASY, TRAP)
    for is_right in (strongest, strong, strong, weak, weak, weak):
        _, auth = await register(client)
        body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
        await submit(client, clock, auth, body, is_right)
    count, out = await run(session, tmp_path, "items", round_number=1)
    _, rows = read_xlsx(out)
    assert rows[0] == (
        "Mã câu hỏi", "Phiên bản", "Câu hỏi", "Số lượt trả lời", "Tỷ lệ đúng (%)",
        "Độ phân biệt", "Tỷ lệ chọn A (%)", "Tỷ lệ chọn B (%)", "Tỷ lệ chọn C (%)",
        "Tỷ lệ chọn D (%)", "Đánh giá",
    )  # fmt: skip
    by_id = {row[0]: row for row in rows[1:]}
    assert count == 30 and all(row[3] == 6 for row in by_id.values())
    assert by_id[EASY][4:] == (100.0, 0.0, 0.0, 100.0, 0.0, 0.0, "Quá dễ")
    # The two strongest both chose A, the distractor, while the weakest chose the key, B.
    assert by_id[TRAP][4:] == (50.0, -1.0, 50.0, 50.0, 0.0, 0.0, "Có thể sai đáp án")
    assert by_id[HARD][4:6] == (16.67, 0.5) and by_id[HARD][-1] == "Quá khó"
    assert by_id["lv0-003"][4:6] == (50.0, 1.0) and by_id["lv0-003"][-1] is None
    assert by_id[EASY][2] == "Câu hỏi 0 của lĩnh vực 0?" and by_id[EASY][1] == 1


async def test_a_unit_organiser_sees_only_their_unit_and_its_children(
    client, app, session, clock, tmp_path
):
    await played_contest(client, app, session, clock)
    units = await units_by_code(session)
    scope = unit_and_children(list(units.values()), units["XH"].id)
    assert scope == {units["XH"].id, units["PX"].id}
    _, out = await run(session, tmp_path, "results", fmt="csv", unit_ids=scope)
    assert {row[4] for row in read_csv(out)[1:]} == {XH_NAME}
    _, out = await run(session, tmp_path, "units", fmt="csv", unit_ids=scope)
    assert [row[0] for row in read_csv(out)[1:]] == ["XH", "PX"]


async def test_a_withdrawal_is_shown_in_results_and_leaves_the_statistics(
    client, app, session, clock, tmp_path
):
    await make_contest(session)
    _, stays = await register(client, name="Nguyễn Văn An")
    _, leaves = await register(client, name="Trần Thị Bình")
    await play(client, clock, stays, correct=6)
    await play(client, clock, leaves, correct=9)
    assert (await client.post("/api/v1/me/withdraw", headers=leaves)).status_code == 200
    _, out = await run(session, tmp_path, "results", fmt="csv")
    statuses = {row[1]: row[-2] for row in read_csv(out)[1:]}
    assert statuses == {"Nguyễn Văn An": "Đã nộp", "Trần Thị Bình": "Đã nộp (đã rút đồng ý)"}
    _, out = await run(session, tmp_path, "units", fmt="csv")
    xh = next(row for row in read_csv(out)[1:] if row[0] == "XH")
    assert xh[4:] == ["1", "1", "1", "2.5", "6.0", "0"]


def test_unit_and_children_walks_every_level_and_survives_a_cycle():
    tree = [
        Unit(id=1, code="T", name="Tỉnh", search_name="tinh", kind="tỉnh"),
        Unit(id=2, code="S", name="Sở", search_name="so", kind="sở", parent_id=1),
        Unit(id=3, code="P", name="Phòng", search_name="phong", kind="phòng", parent_id=2),
        Unit(id=4, code="X", name="Xã", search_name="xa", kind="xã", parent_id=1),
        Unit(id=5, code="A", name="Vòng A", search_name="a", kind="x", parent_id=6),
        Unit(id=6, code="B", name="Vòng B", search_name="b", kind="x", parent_id=5),
    ]
    assert unit_and_children(tree, 2) == {2, 3}
    assert unit_and_children(tree, 1) == {1, 2, 3, 4}
    assert unit_and_children(tree, 5) == {5, 6}


async def test_unknown_contest_round_or_report_is_refused(client, app, session, clock, tmp_path):
    await make_contest(session)
    with pytest.raises(AppError, match="Không có cuộc thi") as refused:
        await export(
            session=session, report="results", contest_slug="khac", round_number=None,
            fmt="xlsx", out=tmp_path / "x.xlsx",
        )  # fmt: skip
    assert refused.value.status == 404
    with pytest.raises(AppError, match="không có đợt 9"):
        await run(session, tmp_path, "results", round_number=9)
    with pytest.raises(AppError, match="Không có báo cáo") as refused:
        await run(session, tmp_path, "scores")
    assert refused.value.status == 422 and not list(tmp_path.iterdir())


def cli_app() -> typer.Typer:
    application = typer.Typer()
    application.command("export")(export_command)

    @application.callback()
    def main() -> None:
        """A stand-in for the `cuocthi` command."""

    return application


async def test_the_export_command_writes_the_file_and_says_how_many_rows(
    client, app, session, clock, tmp_path
):
    await played_contest(client, app, session, clock)
    runner, out = CliRunner(), tmp_path / "ket-qua.csv"
    arguments = ["export", "results", "thu", "--round", "1", "--format", "csv", "--out", str(out)]
    result = await asyncio.to_thread(runner.invoke, cli_app(), arguments)
    assert result.exit_code == 0, result.output
    assert f"Đã xuất 4 dòng ra {out}." in result.output
    assert len(read_csv(out)) == 5
    winners = ["export", "winners", "thu", "--out", str(tmp_path / "giai.xlsx")]
    result = await asyncio.to_thread(runner.invoke, cli_app(), winners)
    assert result.exit_code == 1 and "chọn một đợt thi" in result.output
    unknown = ["export", "diem", "thu", "--out", str(out)]
    result = await asyncio.to_thread(runner.invoke, cli_app(), unknown)
    assert result.exit_code == 2


async def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    sheet = Sheet("Thử", [Column("Họ và tên", 20), Column("Số", 8, "int")])

    async def rows():
        yield ('=HYPERLINK("http://x") An', 1)
        yield ("Nguyễn Văn Bình", None)

    await write_xlsx([(sheet, rows())], tmp_path / "a.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "a.xlsx").active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    await write_csv(sheet, rows(), tmp_path / "a.csv")
    assert read_csv(tmp_path / "a.csv")[1:] == [
        ['\'=HYPERLINK("http://x") An', "1"],
        ["Nguyễn Văn Bình", ""],
    ]


async def traced(work: Awaitable[int]) -> tuple[int, int]:
    """What `work` returns, and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        return await work, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.skipif(BACKEND != "embedded", reason="no database involved: once is enough")
async def test_writers_stream_120000_rows_in_bounded_memory(tmp_path):
    sheet = Sheet(
        "Kết quả",
        [
            Column("STT", 8, "int"),
            Column("Họ và tên", 28),
            Column("Thời gian làm bài (giây)", 12, "decimal"),
            Column("Thời điểm nộp", 20, "datetime"),
        ],
    )
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

    async def rows():
        for number in range(1, 120_001):
            yield (
                number,
                f"Nguyễn Văn An {number}",
                number / 1000,
                start + timedelta(seconds=number),
            )

    for fmt in ("xlsx", "csv"):
        reported: list[int] = []
        out = tmp_path / f"big.{fmt}"
        if fmt == "xlsx":
            work = write_xlsx([(sheet, rows())], out, progress=reported.append)
        else:
            work = write_csv(sheet, rows(), out, progress=reported.append)
        began = time.perf_counter()
        count, peak = await traced(work)
        seconds = time.perf_counter() - began
        print(f"{fmt}: 120.000 dòng, {seconds:.1f} s, đỉnh {peak / 2**20:.1f} MB")
        assert count == 120_000 and reported == [100_000]
        assert peak < 60 * 2**20
    last = read_csv(tmp_path / "big.csv")[-1]
    assert last[0] == "120000" and last[3] == "02/12/2026 17:20:00"  # 10:20:00 UTC
