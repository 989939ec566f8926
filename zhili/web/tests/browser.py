"""Browser tests: Debian's Chromium driven by Playwright for Python, against pytest-django's live
server. Never `playwright install`: the browser is /usr/bin/chromium (apt-get install chromium),
which .ci/run installs when it is missing; without it these tests are skipped, saying why.

Screenshots go to test-artifacts/screenshots/ (or $ZHILI_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ZHILI_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("ZHILI_TEST_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 860}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}: apt-get install chromium (as .ci/run does)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (a dev dependency)")
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are not
    # async code, so Django's guard against that does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server.url)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
