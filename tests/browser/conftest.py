"""Playwright (sync API) against pytest-django's live server, with Debian's Chromium.

Never downloads a Playwright browser: Chromium comes from the system (/usr/bin/chromium).
Outside CI a missing Chromium skips these tests (tests/conftest.py); in CI they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests import committing
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 10_000

# Records every Content-Security-Policy violation, whether or not it reaches the console.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not executable:
        pytest.fail(f"Chromium is required for browser tests but {CHROMIUM} is missing")
    # Playwright's sync API runs an event loop in this thread; Django would then refuse the
    # ORM calls the tests make between page actions ("You cannot call this from an async
    # context"). Those calls are synchronous and safe, so allow them while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserLog:
    """What the page said: console messages and uncaught script errors."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def mentioning(self, text: str) -> list[str]:
        return [line for line in self.console + self.errors if text.lower() in line.lower()]


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(browser, live_server, browser_log) -> Iterator:
    """Open a page in a fresh context (own cookies): `new_page(viewport={"width": 360, ...})`."""
    contexts = []

    def open_page(*, viewport: dict | None = None) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",  # English unless the test picks another language
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: browser_log.console.append(_describe(m)))
        page.on("pageerror", lambda e: browser_log.errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def _describe(message: ConsoleMessage) -> str:
    return f"[{message.type}] {message.text}"


def choose_language(page: Page, code: str) -> None:
    """Use the header's language picker: open the <details> menu, press the language."""
    picker = page.locator("details.lang-picker")
    picker.locator("summary").click()
    with page.expect_navigation():
        picker.locator(f"button[value='{code}']").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def submit_login(page: Page, email: str, password: str) -> None:
    form = page.locator("main form")
    form.locator("input[name='username']").fill(email)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("button[type='submit']").click()


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    submit_login(page, email, password)
    expect(page.locator("details.user-menu")).to_be_visible()  # signed in


# Browser tests run against a live server, so their data is committed: personas of their
# own, built for each test (tests/committing.py), instead of the shared ones.
personas = committing.personas
