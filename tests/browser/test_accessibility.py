"""axe-core on every participant page at phone size; page weight and a slow 3G link."""

from __future__ import annotations

import gzip
import re
import time

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_participant_flow import register

BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    results = Axe().run(
        page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]}
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_participant_pages_have_no_serious_accessibility_violations(live_server, page):
    checked = {}
    page.goto(f"{live_server}/c/demo")
    checked["landing"] = blocking_violations(page)
    page.goto(f"{live_server}/c/demo/dang-ky")
    page.get_by_role("button", name="Đăng ký").click()  # with every error shown
    checked["register-errors"] = blocking_violations(page)
    register(page, live_server, name="Đinh Thị Tiếp Cận")
    checked["lobby"] = blocking_violations(page)
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    checked["quiz"] = blocking_violations(page)
    page.locator("#jump button").last.click()
    page.get_by_role("button", name="Câu sau →").click()
    page.locator("#submit").click()
    checked["quiz-confirm"] = blocking_violations(page)
    page.locator("#confirm-yes").click()
    expect(page.get_by_role("heading", name="Kết quả bài thi")).to_be_visible()
    checked["result"] = blocking_violations(page)
    for path in ("/c/demo/bang-xep-hang", "/c/demo/tiep-tuc", "/quyen-rieng-tu", "/"):
        page.goto(f"{live_server}{path}")
        checked[path] = blocking_violations(page)
    assert {name: found for name, found in checked.items() if found} == {}


def test_timer_is_announced_politely_and_labels_are_tied(live_server, page):
    register(page, live_server, name="Hồ Văn Nghe")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    assert page.locator("#timer-live").get_attribute("aria-live") == "polite"
    assert page.locator("main").count() == 1 and page.locator("header, footer").count() == 2
    first = page.locator("fieldset.question").first
    assert first.locator("legend").inner_text().startswith("Câu 1/20.")
    assert first.get_by_role("radio").count() == 4


def _compressed_size(client: httpx.Client, path: str) -> int:
    return len(gzip.compress(client.get(path).content))


def test_quiz_page_with_its_css_and_js_is_under_50_kb_compressed(live_server, page):
    register(page, live_server, name="Mai Văn Nhẹ")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    html = page.content()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html)
    with httpx.Client(base_url=live_server) as client:
        total = len(gzip.compress(html.encode())) + sum(_compressed_size(client, a) for a in assets)
    print(f"quiz page with CSS and JS: {total / 1024:.1f} KB compressed")
    assert 0 < total < 50 * 1024
    assert all(
        not src.startswith("http")
        for src in re.findall(r'(?:href|src)="([^"]+)"', html)
        if not src.startswith(("/", "#", "?")) and "zalo" not in src and "facebook" not in src
    )


def test_quiz_works_on_a_throttled_3g_link(live_server, page):
    register(page, live_server, name="Vương Thị Chậm")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    # "Regular 3G": 750 kbit/s down, 250 kbit/s up, 100 ms latency.
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 100,
            "downloadThroughput": 750 * 1024 / 8,
            "uploadThroughput": 250 * 1024 / 8,
        },
    )
    started = time.monotonic()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("#progress")).to_have_text("Câu 1/20")
    loaded = time.monotonic() - started
    page.locator("fieldset.question:visible label.option").first.click()
    expect(page.locator("#save-status")).to_have_text("Đã lưu câu trả lời.", timeout=10000)
    print(f"quiz page usable after {loaded:.2f} s on throttled 3G")
    assert loaded < 5
