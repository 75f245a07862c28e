"""QR posters: the link, the code a phone reads, the print files, and the command."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
import typer
from click.testing import Result
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode
from sqlmodel import func, select
from typer.testing import CliRunner

from app.models import Poster
from app.posters import service
from app.posters.cli import posters
from app.posters.layout import QUIET_ZONE, Box, Code, Label, layout
from app.posters.render import PosterData, poster_pdf, poster_png, poster_url, qr_png
from app.units import service as unit_service
from tests.factories import make_contest

TITLE = "Cuộc thi tìm hiểu về cải cách hành chính"
URL = "http://testserver/c/thu?u=XH&src=xh-abcd"


def sample(url: str = URL, rounds: int = 2) -> PosterData:
    return PosterData(
        contest_title=TITLE,
        slogan="Cải cách hành chính – Vì nhân dân phục vụ",
        rounds=[(f"Đợt {n}", "01/12/2026 08:00", "08/12/2026 08:00") for n in range(1, rounds + 1)],
        url=url,
        questions=20,
        minutes=15,
        location_label="Trung tâm Phục vụ hành chính công xã Xuân Hưng",
        unit_name="UBND xã Xuân Hưng",
    )


def read_qr(image: bytes | Path | Image.Image) -> list[str]:
    """What a real decoder (zbar) reads in a picture."""
    if not isinstance(image, Image.Image):
        image = Image.open(io.BytesIO(image) if isinstance(image, bytes) else image)
    # QR codes only: zbar otherwise sees the odd one-dimensional barcode in lines of text.
    found = decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])
    return [symbol.data.decode() for symbol in found]


def pdf_text(path: Path) -> str:
    output = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return " ".join(unicodedata.normalize("NFC", output.stdout).split())


def page_points(path: Path) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return round(float(size[1])), round(float(size[2]))


def render_page(path: Path, dpi: int) -> Image.Image:
    prefix = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(prefix)], check=True
    )
    return Image.open(f"{prefix}.png")


def test_link_carries_the_unit_and_the_poster():
    assert poster_url("http://x.vn/", "cchc-2026", "XH", "xh-ab2c") == (
        "http://x.vn/c/cchc-2026?u=XH&src=xh-ab2c"
    )
    assert (
        poster_url("http://x.vn", "cchc", None, "chung-ab2c") == "http://x.vn/c/cchc?src=chung-ab2c"
    )
    assert poster_url("http://x.vn", "a b", "P&Q", "p-q") == "http://x.vn/c/a%20b?u=P%26Q&src=p-q"


def test_small_qr_image_reads_back_as_the_link():
    assert read_qr(qr_png(URL)) == [URL]


def test_poster_picture_is_a4_at_150_dpi_and_its_code_reads_back():
    picture = poster_png(sample())
    assert Image.open(io.BytesIO(picture)).size == (1240, 1754)
    assert read_qr(picture) == [URL]


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("A3", (842, 1191))])
def test_print_pdf_has_the_paper_size_the_text_and_a_code_that_reads(tmp_path, size, points):
    path = tmp_path / f"poster-{size}.pdf"
    path.write_bytes(poster_pdf(sample(), size))

    assert page_points(path) == points
    page = render_page(path, dpi=72)
    assert all(abs(got - want) <= 1 for got, want in zip(page.size, points, strict=True))
    assert read_qr(render_page(path, dpi=100)) == [URL]
    text = pdf_text(path)
    for expected in (
        TITLE,
        "Cải cách hành chính – Vì nhân dân phục vụ",
        "Đợt 2: từ 01/12/2026 08:00 đến 08/12/2026 08:00",
        "Quét mã QR bằng camera điện thoại hoặc Zalo",
        "Đăng ký: họ tên, số điện thoại, đơn vị",
        "Làm bài 20 câu trong 15 phút và nộp bài",
        URL,
        "Trung tâm Phục vụ hành chính công xã Xuân Hưng",
        "UBND xã Xuân Hưng",
    ):
        assert expected in text, expected


def placed(rounds: int, size: str) -> tuple[float, Code, float, float]:
    """Symbol size (mm), the code, the link's baseline and the top of the footer band."""
    _, _, elements = layout(sample(rounds=rounds), size)
    code = next(e for e in elements if isinstance(e, Code))
    symbol = code.size * (len(code.matrix) - 2 * QUIET_ZONE) / len(code.matrix)
    footer = max((e for e in elements if isinstance(e, Box) and e.fill), key=lambda e: e.y)
    link = next(e for e in elements if isinstance(e, Label) and e.text == URL)
    return symbol, code, link.baseline, footer.y


@pytest.mark.parametrize("rounds", [1, 2, 3, 4, 5])
def test_code_is_at_least_9_cm_on_a4_and_scaled_up_on_a3(rounds):
    for size, least in (("A4", 90), ("A3", 90 * 2**0.5)):
        symbol, code, link, footer = placed(rounds, size)
        assert symbol >= least
        assert code.y + code.size < link < footer


def test_a_crowded_poster_shrinks_its_code_rather_than_cover_the_footer():
    symbol, code, link, footer = placed(10, "A4")
    assert 50 < symbol < 90
    assert code.y + code.size < link < footer


async def test_a_unit_and_place_keep_their_poster(session):
    setup_contest = (await make_contest(session)).contest
    xh = await unit_service.get_by_code(session=session, code="XH")

    first = await service.ensure_poster(session=session, contest=setup_contest, unit=xh)
    again = await service.ensure_poster(session=session, contest=setup_contest, unit=xh)
    elsewhere = await service.ensure_poster(
        session=session, contest=setup_contest, unit=xh, location="Nhà văn hoá thôn 1"
    )
    general = await service.ensure_poster(session=session, contest=setup_contest, unit=None)
    await session.commit()

    assert again.id == first.id and elsewhere.id != first.id
    assert re.fullmatch(r"xh-[a-z2-7]{4}", first.code)
    assert re.fullmatch(r"chung-[a-z2-7]{4}", general.code)
    data = await service.poster_data(session=session, contest=setup_contest, poster=first)
    assert data.url == f"http://testserver/c/thu?u=XH&src={first.code}"
    assert data.unit_name == "UBND xã Xuân Hưng"
    assert data.rounds == [("Đợt 1", "01/12/2026 08:00", "08/12/2026 08:00")]
    assert (data.questions, data.minutes) == (10, 10)


async def test_print_run_writes_every_file_and_a_zip(session, tmp_path):
    setup = await make_contest(session)
    units = [await unit_service.get_by_code(session=session, code="XH"), None]

    paths = await service.make_posters(
        session=session, contest=setup.contest, units=units, out_dir=tmp_path, location="Chợ xã"
    )

    codes = [p.code for p in (await session.exec(select(Poster).order_by(Poster.id))).all()]
    assert len(codes) == 2
    expected = [
        f"{c}{suffix}" for c in codes for suffix in ("-A4.pdf", "-A3.pdf", ".png", "-qr.png")
    ]
    assert [p.name for p in paths] == [*expected, "posters-thu.zip"]
    assert zipfile.ZipFile(paths[-1]).namelist() == expected
    link = f"http://testserver/c/thu?u=XH&src={codes[0]}"
    assert read_qr(tmp_path / f"{codes[0]}.png") == [link]
    assert read_qr(tmp_path / f"{codes[0]}-qr.png") == [link]
    assert read_qr(tmp_path / f"{codes[1]}-qr.png") == [f"http://testserver/c/thu?src={codes[1]}"]


async def test_print_run_for_600_units_finishes(session, tmp_path):
    setup = await make_contest(session)
    rows = [{"code": f"X{n:03d}", "name": f"UBND xã số {n}", "kind": "xã"} for n in range(600)]
    await unit_service.upsert_many(session=session, rows=rows)
    await session.commit()
    units = [await unit_service.get_by_code(session=session, code=row["code"]) for row in rows]

    started = time.perf_counter()
    # The A4 PDFs only: the whole set (A4, A3, PNG, QR) takes about three times as long.
    paths = await service.make_posters(
        session=session,
        contest=setup.contest,
        units=units,
        out_dir=tmp_path,
        formats=("A4",),
        workers=os.cpu_count() or 1,
    )
    elapsed = time.perf_counter() - started

    print(f"\n600 A4 posters + ZIP: {elapsed:.1f} s, {elapsed / 600 * 1000:.0f} ms per poster")
    assert len(paths) == 601 and len(zipfile.ZipFile(paths[-1]).namelist()) == 600
    assert elapsed < 300  # a safety net only; the figure printed above is what matters


async def invoke(*args: str) -> Result:
    """Runs the command as `cuocthi posters …` would, in a thread: it has its own event loop."""
    command = typer.Typer()
    command.command("posters")(posters)
    command.command("unused")(lambda: None)  # two commands: "posters" stays a sub-command
    return await asyncio.to_thread(CliRunner().invoke, command, ["posters", *args])


async def test_command_makes_posters_for_one_unit_then_for_all(session, tmp_path):
    await make_contest(session)

    one = await invoke("thu", "--unit", "XH", "--location", "Chợ xã", "--out", str(tmp_path / "a"))
    assert one.exit_code == 0, one.output
    assert "Xong: 1 áp phích, 4 tệp" in one.output
    assert (tmp_path / "a" / "posters-thu.zip").exists()
    assert len(list((tmp_path / "a").glob("xh-*-A4.pdf"))) == 1

    every = await invoke("thu", "--all-units", "--out", str(tmp_path / "b"))
    assert every.exit_code == 0, every.output
    assert "Đã tạo 2/2 áp phích…" in every.output and "Xong: 2 áp phích, 8 tệp" in every.output
    names = zipfile.ZipFile(tmp_path / "b" / "posters-thu.zip").namelist()
    assert sorted(name.split("-")[0] for name in names if name.endswith("-A3.pdf")) == ["snv", "xh"]

    await session.commit()  # a fresh snapshot, to see what the command wrote
    count = (await session.exec(select(func.count()).select_from(Poster))).one()
    assert count == 3  # XH at the market, XH and SNV with no place


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["khong-co", "--unit", "XH"], "Không có cuộc thi “khong-co”."),
        (["thu", "--unit", "KHONG"], "Không có đơn vị mã “KHONG”."),
        (["thu", "--unit", "XH", "--all-units"], "Chọn --unit hoặc --all-units"),
        (["thu", "--unit", "XH"], "Lỗi: không ghi được tệp vào"),
    ],
)
async def test_command_refuses_unknown_names_and_bad_folders_cleanly(
    session, tmp_path, args, message
):
    await make_contest(session)
    (tmp_path / "tep").write_text("not a folder")
    result = await invoke(*args, "--out", str(tmp_path / "tep" / "ra"))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
