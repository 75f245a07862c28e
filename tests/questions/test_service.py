"""Loading the bank into the database, versions, and the import/export commands."""

import copy

import pytest
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import cli
from app.models import Attempt, QuestionVersion
from app.questions import formats
from app.questions import service as question_service
from app.questions.catalog import catalog
from tests.factories import make_contest, register, synthetic_bank


async def count(session, model):
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_loading_twice_changes_nothing(session):
    bank = synthetic_bank()
    first = await question_service.load_areas(session=session, areas=bank)
    second = await question_service.load_areas(session=session, areas=bank)
    await session.commit()
    assert (first.created, second.created, second.updated, second.unchanged) == (30, 0, 0, 30)
    assert await count(session, QuestionVersion) == 30


async def test_editing_a_question_makes_a_new_version_and_past_attempts_keep_theirs(
    client, session, clock
):
    await make_contest(session, questions=30)
    _, auth = await register(client)
    started = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    shown = {q["id"]: q["text"] for q in started["questions"]}
    edited = synthetic_bank()
    for document in edited.values():
        for question in document["questions"]:
            question["text"] = question["text"].replace("Câu hỏi", "Câu hỏi (sửa)")
    report = await question_service.load_areas(session=session, areas=edited)
    await session.commit()
    assert report.updated == 30 and await count(session, QuestionVersion) == 60
    review = (await client.get(f"/api/v1/attempts/{started['attempt_id']}", headers=auth)).json()
    assert {q["id"]: q["text"] for q in review["questions"]} == shown
    attempt = await session.get(Attempt, started["attempt_id"])
    assert all(q["v"] <= 30 for q in attempt.questions)
    catalog.clear()  # servers re-check the bank every few seconds: as if that time passed
    _, newcomer = await register(client)
    fresh = (await client.post("/api/v1/contests/thu/attempts", headers=newcomer)).json()
    assert all("(sửa)" in q["text"] for q in fresh["questions"])


async def test_drafts_are_never_drawn(client, session, clock):
    bank = synthetic_bank(areas=3, per_area=10)
    for question in bank["linh-vuc-2"]["questions"]:
        question["status"] = "draft"
    await make_contest(session, questions=20)
    await question_service.load_areas(session=session, areas=bank)
    await session.commit()
    _, auth = await register(client)
    started = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    assert not any("lĩnh vực 2" in q["text"] for q in started["questions"])


@pytest.fixture
def runner():
    return CliRunner()


def test_import_reports_counts_and_skips(runner, tmp_path, schema):
    gift = tmp_path / "bo-cau-hoi.gift"
    gift.write_text(
        "$CATEGORY: Cải cách thủ tục hành chính\n\n"
        "::q1:: Bộ phận Một cửa tiếp nhận gì? "
        "{=Hồ sơ thủ tục hành chính ~Đơn khiếu nại ~Thư góp ý}\n\n"
        "Thủ đô của Việt Nam là Hà Nội. {T}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["questions", "import", str(gift)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 1 câu hỏi (1 mới" in result.output
    assert "bỏ qua" in result.output and "dòng 5" in result.output


def test_a_file_with_errors_imports_nothing(runner, tmp_path, schema):
    aiken = tmp_path / "loi.txt"
    aiken.write_text(
        "Câu hỏi một?\nA. Có\nB. Không\nANSWER: A\n\nCâu hỏi hai?\nA. Có\nB. Không\nANSWER: D\n",
        encoding="utf-8",
    )
    before = runner.invoke(cli, ["questions", "export", "--format", "yaml"]).output
    result = runner.invoke(cli, ["questions", "import", str(aiken)])
    assert result.exit_code == 1
    assert "loi.txt: dòng" in result.output and "không câu hỏi nào được nhập" in result.output
    assert runner.invoke(cli, ["questions", "export", "--format", "yaml"]).output == before


def test_export_then_import_is_a_fixed_point(runner, tmp_path, schema):
    bank = tmp_path / "bank.yaml"
    bank.write_bytes(
        formats.write(
            [
                {**q, "area": doc["area"], "source": None}
                for doc in synthetic_bank().values()
                for q in copy.deepcopy(doc["questions"])
            ],
            "yaml",
        )
    )
    assert runner.invoke(cli, ["questions", "import", str(bank)]).exit_code == 0
    xlsx = tmp_path / "bank.xlsx"
    exported = runner.invoke(cli, ["questions", "export", "--format", "xlsx", "--out", str(xlsx)])
    assert exported.exit_code == 0 and xlsx.exists()
    again = runner.invoke(cli, ["questions", "import", str(xlsx)])
    assert "0 mới, 0 cập nhật" in again.output
    gift = runner.invoke(cli, ["questions", "export", "--format", "gift"])
    assert gift.output.count("::lv0-") == 10


def test_template_lists_the_vietnamese_headers(runner, tmp_path):
    out = tmp_path / "mau.xlsx"
    assert runner.invoke(cli, ["questions", "template", "--out", str(out)]).exit_code == 0
    from openpyxl import load_workbook

    headers = [cell.value for cell in load_workbook(out)["Câu hỏi"][1]]
    for header in (
        "Câu hỏi",
        "Phương án A",
        "Phương án D",
        "Đáp án",
        "Lĩnh vực",
        "Mức độ",
        "Giải thích",
        "Nguồn",
    ):
        assert header in headers
