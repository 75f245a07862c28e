"""Printable documents: the biên bản xét giải and the certificates, read back with poppler."""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import date
from pathlib import Path

from PIL import Image

from app.documents.certificates import CertificateData, certificates_pdf
from app.documents.pdf import place_date
from app.documents.winners import WinnerRow, WinnersData, seconds_text, winners_pdf

PRIZES = ("Giải Nhất", "Giải Nhì", "Giải Ba", "Giải Khuyến khích")


def pdf_text(path: Path, page: int | None = None) -> str:
    """The text poppler reads from a PDF (or one page), NFC, whitespace collapsed."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    output = subprocess.run(
        ["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(unicodedata.normalize("NFC", output).split())


def pdf_info(path: Path) -> dict[str, str]:
    output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(
        (key.strip(), value.strip())
        for key, value in (line.split(":", 1) for line in output.stdout.splitlines() if ":" in line)
    )


def page_size_points(path: Path) -> tuple[int, int]:
    width, _, height = pdf_info(path)["Page size"].split()[:3]
    return round(float(width)), round(float(height))


def assert_points(image: Image.Image, points: tuple[int, int]) -> None:
    """A page rendered at 72 dpi is as many pixels as points (pdftoppm rounds 595.28 up)."""
    assert all(abs(got - want) <= 1 for got, want in zip(image.size, points, strict=True)), (
        image.size
    )


def rendered_page(path: Path, page: int = 1, dpi: int = 72) -> Image.Image:
    """A page drawn by pdftoppm, as any viewer or printer driver would."""
    prefix = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile"]
        + [str(path), str(prefix)],
        check=True,
    )
    return Image.open(f"{prefix}.png")


def winners(count: int = 3, *, official: bool = False) -> WinnersData:
    rows = [
        WinnerRow(
            full_name="Nguyễn Thị Thu Hương" if n == 0 else f"Trần Văn Ấn {n}",
            unit_name="Trung tâm Phục vụ hành chính công xã Xuân Hưng" if n % 2 else "Sở Nội vụ",
            prize=PRIZES[min(n, 3)],
            correct=20,
            max_score=20,
            prediction_distance=None if n == 2 else n,
            duration_ms=95123 + n,
            submitted_at="01/12/2026 08:15:42",
        )
        for n in range(count)
    ]
    return WinnersData(
        organiser_name="Ban Tổ chức Cuộc thi tìm hiểu về cải cách hành chính",
        contest_title="Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
        round_label="Đợt 1",
        round_starts="01/12/2026 08:00",
        round_ends="08/12/2026 08:00",
        true_count=37,
        rows=rows,
        official=official,
        appeals_until="11/12/2026 08:00",
        place="Xuân Hưng",
        signed_on=date(2026, 12, 8),
    )


def test_working_time_has_three_decimals_and_a_decimal_comma():
    assert seconds_text(95123) == "95,123"
    assert seconds_text(60000) == "60,000"


def test_date_line_takes_leading_zeros_as_administrative_documents_do():
    assert place_date("Xuân Hưng", date(2026, 1, 5)) == "Xuân Hưng, ngày 05 tháng 01 năm 2026"
    assert place_date("Xuân Hưng", date(2026, 3, 9)) == "Xuân Hưng, ngày 09 tháng 3 năm 2026"
    assert place_date("Huế", date(2026, 12, 15)) == "Huế, ngày 15 tháng 12 năm 2026"
    assert place_date("", None) == "…………, ngày …… tháng …… năm ………"


def test_winners_record_is_a4_with_the_facts_the_table_and_three_signatures(tmp_path):
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(winners_pdf(winners(4)))

    assert page_size_points(path) == (595, 842)
    assert_points(rendered_page(path), (595, 842))
    text = pdf_text(path)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BAN TỔ CHỨC CUỘC THI TÌM HIỂU VỀ CẢI CÁCH HÀNH CHÍNH",
        "BIÊN BẢN XÉT GIẢI",
        "Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
        "Đợt 1 (từ 01/12/2026 08:00 đến 08/12/2026 08:00)",
        "Số người trả lời đúng tất cả các câu hỏi: 37",
        "Kết quả tạm thời (đang trong thời gian khiếu nại đến 11/12/2026 08:00)",
        "Nguyễn Thị Thu Hương",
        "Giải Khuyến khích",
        "95,123",
        "01/12/2026 08:15:42",
        "Xuân Hưng, ngày 08 tháng 12 năm 2026",
        "NGƯỜI LẬP BIỂU",
        "THƯ KÝ HỘI ĐỒNG",
        "CHỦ TỊCH HỘI ĐỒNG",
        "(Ký, ghi rõ họ tên)",
    ):
        assert expected in text, expected
    assert "Kết quả chính thức" not in text


def test_long_winners_list_repeats_the_heading_row_on_every_page(tmp_path):
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(winners_pdf(winners(80)))

    pages = int(pdf_info(path)["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        text = pdf_text(path, page)
        # Cells that wrap come out interleaved: look for the headings that fit on one line.
        assert all(heading in text for heading in ("STT", "Họ và tên", "Đơn vị", "Giải")), page
        assert f"Trang {page}/{pages}" in text
    assert "Trần Văn Ấn 79" in pdf_text(path, pages)
    assert "CHỦ TỊCH HỘI ĐỒNG" in pdf_text(path, pages)


def test_published_winners_say_the_result_is_official(tmp_path):
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(winners_pdf(winners(official=True)))

    text = pdf_text(path)
    assert "Kết quả chính thức" in text
    assert "tạm thời" not in text


def test_certificates_are_one_landscape_a4_page_per_winner(tmp_path):
    names = ["Nguyễn Thị Thu Hương", "Trần Văn Ấn", "Tôn Nữ Hoàng Phương Thảo"]
    items = [
        CertificateData(
            organiser_name="Ban Tổ chức Cuộc thi tìm hiểu về cải cách hành chính",
            contest_title="Cuộc thi tìm hiểu về cải cách hành chính năm 2026",
            round_label="Đợt 1",
            full_name=name,
            unit_name="UBND xã Xuân Hưng",
            prize=prize,
            place="Xuân Hưng",
            signed_on=date(2026, 12, 15),
            signer_name="Lê Văn Bình",
        )
        for name, prize in zip(names, PRIZES, strict=False)
    ]
    path = tmp_path / "giay-chung-nhan.pdf"
    path.write_bytes(certificates_pdf(items))

    assert pdf_info(path)["Pages"] == "3"
    assert page_size_points(path) == (842, 595)
    assert_points(rendered_page(path, 3), (842, 595))
    for page, (name, prize) in enumerate(zip(names, PRIZES, strict=False), start=1):
        text = pdf_text(path, page)
        for expected in (
            "GIẤY CHỨNG NHẬN",
            f"Chứng nhận: Ông/Bà {name}",
            "Đơn vị: UBND xã Xuân Hưng",
            f"Đã đạt {prize}",
            "Cuộc thi tìm hiểu về cải cách hành chính năm 2026 – Đợt 1",
            "Xuân Hưng, ngày 15 tháng 12 năm 2026",
            "TM. BAN TỔ CHỨC",
            "TRƯỞNG BAN",
            "Lê Văn Bình",
        ):
            assert expected in text, (page, expected)
