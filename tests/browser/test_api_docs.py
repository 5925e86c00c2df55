"""The API reference at /api/v1/docs on a phone (360 x 740, a mobile browser that lays a
page without a viewport out 980 px wide), in Ukrainian: the contents and every tag's page
fit the screen, every operation of the OpenAPI document is listed, and axe-core finds no
violation on the contents and on one tag's page (issue 14 item 12; ADR 0024).

axe runs on one tag's page, not all twelve: they come from one template, and axe takes
about 6 ms per element (the largest page, "aid", has 3,700 elements: 21 s)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
METHODS = {"get", "post", "put", "patch", "delete"}


def fits(page: Page) -> None:
    assert page.evaluate("window.innerWidth") == PHONE["width"]  # not a 980 px layout
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def no_axe_violations(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_api_reference_is_accessible_and_fits_a_phone(browser, live_server, transactional_db):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="uk-UA"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        document = page.request.get("/api/v1/openapi.json").json()
        operations = [
            (method.upper(), path, op["tags"][0])
            for path, item in document["paths"].items()
            for method, op in item.items()
            if method in METHODS
        ]
        tags = sorted({tag for _m, _p, tag in operations})

        page.goto("/api/v1/docs")
        expect(page.locator("html")).to_have_attribute("lang", "uk")
        expect(page.locator("h1")).to_contain_text("Kindred API")
        fits(page)
        expect(page.locator("ul.api-index li")).to_have_count(len(operations))
        expect(page.locator("a[href='/api/v1/openapi.json']")).to_have_count(1)
        no_axe_violations(page)

        for tag in tags:
            page.goto(f"/api/v1/docs?tag={quote(tag)}")
            fits(page)
            count = sum(1 for _m, _p, t in operations if t == tag)
            expect(page.locator("article.api-op .method")).to_have_count(count)

        # From the contents to an operation, and from its answer to the schema.
        page.goto("/api/v1/docs")
        with page.expect_navigation():
            page.locator("#tag-households ~ ul a").first.click()
        expect(page.locator("h1")).to_contain_text("households")
        link = page.locator("article.api-op .api-type a[href^='#schema-']").first
        target = link.get_attribute("href")
        link.click()
        expect(page.locator(target)).to_be_in_viewport()
        no_axe_violations(page)
    finally:
        context.close()
