"""A live server in its own process and Debian's Chromium at phone size, for browser tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from app import db
from app.demo import load_demo
from tests.conftest import truncate_all

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 640}


def run_db(work: Callable[..., Awaitable[object]]) -> object:
    """Runs `work(session)` against the test database from synchronous test code."""

    async def runner() -> object:
        engine = db.create_engine()
        try:
            async with db.session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    # Playwright's sync API keeps an event loop running in this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(schema: None) -> Iterator[str]:
    """The demo contest served by a real uvicorn process on loopback."""

    async def fresh_demo(session) -> None:  # noqa: ANN001
        await truncate_all(session.bind)
        await load_demo(session=session)

    run_db(fresh_demo)
    port = _free_port()
    env = {**os.environ, "CUOCTHI_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError("the live server did not start within 30 s")
    yield base
    server.terminate()
    server.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: run the suite with `bash tests/run`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def phone_page(browser: Browser, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        java_script_enabled=javascript,
    )
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = phone_page(browser)
    yield opened
    opened.context.close()


def screenshot(page: Page, name: str) -> None:
    """A full-page phone screenshot kept under tests/artifacts/screenshots for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    backend = os.environ.get("CUOCTHI_TEST_BACKEND", "embedded")
    page.screenshot(path=str(SCREENSHOTS / f"{backend}-{name}.png"), full_page=True)


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
