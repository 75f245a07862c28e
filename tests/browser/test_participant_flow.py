"""From a QR poster to a submitted quiz, in Chromium at 360×640."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from sqlmodel import select

from app.models import Attempt, Contest
from tests.browser.conftest import no_horizontal_scroll, phone_page, run_db, screenshot
from tests.factories import open_contest_now

PHONE_NUMBERS = iter(f"09{n:08d}" for n in range(70000000, 79999999))


def register(
    page: Page,
    base: str,
    slug: str = "demo",
    *,
    unit: str = "XH-VHXH",
    name: str = "Nguyễn Thị Hoa",
) -> None:
    page.goto(f"{base}/c/{slug}/dang-ky?u={unit}")
    page.get_by_label("Họ và tên", exact=True).fill(name)
    page.get_by_label("Số điện thoại", exact=True).fill(next(PHONE_NUMBERS))
    page.get_by_label("Năm sinh", exact=True).fill("1988")
    page.get_by_label("Người dân").check()
    page.get_by_label(re.compile("^Tôi đồng ý")).check()
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()


def answer_current(page: Page, option: int = 0) -> None:
    page.locator("fieldset.question:visible label.option").nth(option).click()


def saved_answers(attempt_id: int) -> dict:
    async def read(session):  # noqa: ANN001, ANN202
        return (await session.get(Attempt, attempt_id)).answers

    return run_db(read)


def attempt_id_of(page: Page) -> int:
    return int(page.url.rstrip("/").split("/")[-1])


def test_from_qr_link_to_result_with_reload_and_offline(live_server, page):
    page.goto(f"{live_server}/c/demo?u=XH-VHXH&src=poster-xh")
    assert no_horizontal_scroll(page)
    screenshot(page, "01-landing")
    page.get_by_role("link", name="Tham gia dự thi").click()
    expect(page.get_by_label("Đơn vị", exact=True)).to_have_value("XH-VHXH")
    page.get_by_label("Họ và tên", exact=True).fill("Trần Văn Minh")
    page.get_by_label("Số điện thoại", exact=True).fill("0912 000 111")
    page.get_by_label("Năm sinh", exact=True).fill("1979")
    page.get_by_label("Cán bộ, công chức, viên chức").check()
    page.get_by_label(re.compile("^Tôi đồng ý")).check()
    screenshot(page, "02-register")
    page.get_by_role("button", name="Đăng ký").click()
    screenshot(page, "03-lobby")
    page.get_by_role("button", name="Bắt đầu làm bài").click()

    expect(page.locator("#progress")).to_have_text("Câu 1/20")
    attempt_id = attempt_id_of(page)
    page_ticket = page.locator("#quiz").get_attribute("data-ticket")
    assert page_ticket.split(".")[0] == str(attempt_id)  # the attempt's facts, then a signature
    for _ in range(5):
        answer_current(page, 1)
        page.get_by_role("button", name="Câu sau →").click()
    expect(page.locator("#save-status")).to_have_text("Đã lưu câu trả lời.")
    screenshot(page, "04-quiz")
    assert no_horizontal_scroll(page)
    assert len(saved_answers(attempt_id)) == 5

    page.reload()
    expect(page.locator("#progress")).to_have_text("Câu 1/20")
    assert page.locator("input[type=radio]:checked").count() == 5

    page.context.set_offline(True)
    page.locator("#jump button").nth(5).click()
    answer_current(page, 2)
    page.get_by_role("button", name="Câu sau →").click()
    answer_current(page, 2)
    expect(page.locator("#save-status")).to_contain_text("Mất kết nối")
    screenshot(page, "05-offline")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text("Đã lưu câu trả lời.", timeout=15000)
    assert len(saved_answers(attempt_id)) == 7

    for index in range(7, 20):
        page.locator("#jump button").nth(index).click()
        answer_current(page, 0)
    page.locator("#jump button").last.click()
    page.get_by_role("button", name="Câu sau →").click()
    page.get_by_label(re.compile("Dự đoán số người")).fill("250")
    page.locator("#submit").click()
    expect(page.locator("#confirm-text")).to_contain_text("tất cả các câu")
    screenshot(page, "06-confirm")
    with page.expect_request(re.compile(r"/submit$")) as submitted:
        page.locator("#confirm-yes").click()
    sent = submitted.value.post_data_json
    assert len(sent["answers"]) == 20 and sent["prediction"] == 250
    assert sent["ticket"] == page_ticket  # the quiz page's ticket: settled without a read

    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
    expect(page.locator(".receipt")).to_have_text(re.compile(r"^[A-Z2-7]{4,}-[A-Z2-7]{6}$"))
    expect(page.locator(".result")).to_contain_text("/20")
    expect(page.locator(".result")).to_contain_text("Thứ hạng hiện tại")
    assert no_horizontal_scroll(page)
    screenshot(page, "07-result")


def _short_contest(time_limit: int) -> str:
    """A contest open now with a very short time limit, to watch the deadline pass."""

    async def create(session) -> str:  # noqa: ANN001
        slug = f"nhanh-{time_limit}"
        if (await session.exec(select(Contest).where(Contest.slug == slug))).first():
            return slug
        await open_contest_now(
            session, slug=slug, questions=5, time_limit=time_limit, max_attempts=1
        )
        return slug

    return run_db(create)


def test_the_page_submits_by_itself_at_the_deadline(live_server, page):
    slug = _short_contest(time_limit=8)
    register(page, live_server, slug)
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    answer_current(page, 0)
    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible(timeout=30000)
    expect(page.locator(".result")).to_contain_text("/5")


def test_without_javascript_the_plain_form_works(live_server, browser):
    page = phone_page(browser, javascript=False)
    try:
        register(page, live_server, name="Lê Thị Không Script")
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        questions = page.locator("fieldset.question[data-question]")
        assert questions.count() == 20  # all on one page, no script needed
        for index in range(20):
            questions.nth(index).locator("label.option").first.click()
        page.get_by_label(re.compile("Dự đoán số người")).fill("99")
        screenshot(page, "08-no-js-quiz")
        page.get_by_role("button", name="Nộp bài").click()
        expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
        expect(page.locator(".result")).to_contain_text("99")
    finally:
        page.context.close()


def test_registration_errors_are_shown_next_to_the_field_and_values_kept(live_server, page):
    page.goto(f"{live_server}/c/demo/dang-ky")
    page.get_by_label("Họ và tên", exact=True).fill("Phạm Văn Bảy")
    page.get_by_label("Số điện thoại", exact=True).fill("12345")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("#f-phone-error")).to_contain_text("Số điện thoại không hợp lệ")
    expect(page.get_by_label("Họ và tên", exact=True)).to_have_value("Phạm Văn Bảy")
    screenshot(page, "09-register-errors")


def test_unit_search_ignores_diacritics(live_server, page):
    page.goto(f"{live_server}/c/demo/dang-ky")
    page.get_by_label("Tìm đơn vị").fill("xuan hung van hoa")
    matching = page.locator("#f-unit_code option:not([hidden]):not([value=''])")
    expect(matching).to_have_count(2)  # Phòng Văn hóa – Xã hội and Trung tâm Văn hóa…
    for name in matching.all_inner_texts():
        assert "Xuân Hưng" in name and "Văn hóa" in name
    expect(page.get_by_label("Đơn vị", exact=True)).to_have_value(re.compile("^XH-"))


def test_unit_picker_stays_usable_with_1200_units(live_server, page):
    from app.units import service as unit_service

    async def many_units(session) -> None:  # noqa: ANN001
        rows = [
            {
                "code": f"XA-{n:04d}",
                "name": f"UBND xã Thử Nghiệm Số {n}",
                "kind": "xã",
                "block": "cap-xa",
                "headcount": 20,
            }
            for n in range(1200)
        ]
        await unit_service.upsert_many(session=session, rows=rows)
        await session.commit()

    run_db(many_units)
    page.goto(f"{live_server}/c/demo/dang-ky")
    assert page.locator("#f-unit_code option").count() > 1200
    started = time.monotonic()
    page.get_by_label("Tìm đơn vị").fill("thu nghiem so 1187")
    matching = page.locator("#f-unit_code option:not([hidden]):not([value=''])")
    expect(matching).to_have_count(1)
    print(f"filtering 1,234 units took {1000 * (time.monotonic() - started):.0f} ms")
    expect(page.get_by_label("Đơn vị", exact=True)).to_have_value("XA-1187")
