"""The shell for every role, on a wide screen (1280 x 800) and a phone (360 x 740): nothing
scrolls sideways, no navigation item is clipped, the page's heading is in the first screen,
the phone's drawer opens and closes by keyboard, and axe-core finds no violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
ROLES = ["admin", "coordinator", "volunteer", "referrer", "fundraiser"]


def _open_every_area(nav) -> None:
    closed = nav.locator("details:not([open]) > summary")
    while closed.count():
        closed.first.click()


def _check_links(page: Page, nav, width: int) -> int:
    links = nav.locator("a")
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        expect(link).to_be_visible()
        box = link.bounding_box()
        text = link.inner_text()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{text} clipped"
        assert link.evaluate("a => a.scrollWidth <= a.clientWidth + 1"), f"{text} cut off"
    return links.count()


def _heading_in_first_screen(page: Page, height: int) -> None:
    box = page.locator("main h1").bounding_box()
    assert box and box["y"] + box["height"] <= height, "heading below the first screen"


def _no_axe_violations(page: Page) -> None:
    """Run with every area open: the page then holds all of the shell's content."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("role", ROLES)
def test_the_shell_on_a_wide_screen(role, request, new_page):
    user = request.getfixturevalue(role)
    page = new_page(viewport=WIDE)
    log_in(page, user.email)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    _heading_in_first_screen(page, WIDE["height"])
    nav = page.locator("nav.sidenav")
    expect(nav).to_be_visible()
    expect(page.locator("[data-drawer-toggle]")).to_be_hidden()
    expect(nav.locator('[aria-current="page"]')).to_have_count(1)  # Home
    _open_every_area(nav)
    assert _check_links(page, nav, WIDE["width"]) >= 1
    _no_axe_violations(page)


@pytest.mark.parametrize("role", ROLES)
def test_the_shell_on_a_phone_with_the_keyboard(role, request, new_page):
    user = request.getfixturevalue(role)
    page = new_page(viewport=PHONE)
    log_in(page, user.email)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _heading_in_first_screen(page, PHONE["height"])
    nav = page.locator("nav.sidenav")
    expect(nav).to_be_hidden()

    button = page.locator("[data-drawer-toggle]")
    button.focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("!!document.activeElement.closest('#sidenav')"), "focus not in menu"
    _open_every_area(nav)
    assert _check_links(page, nav, PHONE["width"]) >= 1
    _no_axe_violations(page)
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
