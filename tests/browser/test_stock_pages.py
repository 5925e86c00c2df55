"""The stock pages in Chromium as a coordinator would use them: the current stock narrowed
by typing a search and choosing a site (the table changes without a page load and the
address keeps the filters), grouped by location with each group's totals, sorted by
quantity, exported to CSV with the same filters, an item type's history opened from a row;
at phone width the page fits the screen."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import make_location, make_site, stock

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def goods(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    bin_ = make_location(org, site, "Bin 7", kind="bin")
    shop = make_site(org, "Butikken", kind="shop")
    floor = make_location(org, shop, "Shop floor", kind="area")
    back = make_location(org, shop, "Back room", kind="room")
    stock(org, {shelf: {"child-winter-jacket-110": 4, "toy": 9}, bin_: {"sofa": 1}})
    stock(
        org,
        {
            floor: {"child-winter-jacket-116": 2, "child-winter-jacket-128": 7},
            back: {"child-winter-jacket-110": 3, "toy": 5},
        },
    )
    return shop


def _rows(page):
    return page.locator("#results table.list tbody tr:not(.group-head)")


def test_a_coordinator_narrows_groups_sorts_and_exports_the_stock(
    org, coordinator, goods, page, browser_log
):
    shop = goods
    log_in(page, coordinator.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text="Goods").click()  # open the Goods area
    nav.get_by_role("link", name="Stock", exact=True).click()
    expect(page.get_by_role("heading", name="Stock", exact=True)).to_be_visible()
    expect(_rows(page)).to_have_count(7)
    expect(page.locator("#results p.total").first).to_contain_text("Total: 31 pieces")
    page.evaluate("window.__samePage = true")

    # Typing narrows the list in place; the address keeps the filter for a reload or link.
    page.get_by_label("Search").fill("jacket")
    expect(_rows(page)).to_have_count(4)
    page.get_by_label("Site").select_option(label="Butikken")
    expect(_rows(page)).to_have_count(3)
    expect(page.locator("#results")).not_to_contain_text("Shelf A")
    expect(page).to_have_url(re.compile(rf"[?&]site={shop.pk}(&|$)"))
    assert page.evaluate("window.__samePage") is True

    # Grouped by location: one heading per location with the group's own totals.
    page.get_by_label("Group").select_option(label="By location")
    heads = page.locator("#results tr.group-head")
    expect(heads).to_have_count(2)
    expect(heads.filter(has_text="Shop floor")).to_contain_text("9 pieces")
    expect(heads.filter(has_text="Back room")).to_contain_text("3 pieces")

    page.get_by_label("Group").select_option(label="No grouping")
    page.get_by_label("Sort by").select_option(label="Largest quantity first")
    quantities = _rows(page).locator("td[data-label='Quantity']")
    expect(quantities.first).to_contain_text("7")
    expect(quantities.last).to_contain_text("2")

    # The export has exactly the rows on screen.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        records = list(csv.reader(io.StringIO(exported.read())))
    body = records[1:]
    assert len(body) == 3, records
    assert all("Butikken" in " ".join(row) for row in body)
    assert not any("Toy" in " ".join(row) for row in body)

    # A row's item type opens its history: where it is and every movement.
    with page.expect_navigation():
        _rows(page).first.get_by_role("link", name="Children's winter jacket").click()
    expect(page.get_by_role("heading", name="Children's winter jacket")).to_be_visible()
    expect(page.get_by_role("heading", name="In stock")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Intake")
    assert browser_log.errors == []
    assert page.evaluate("window.__cspViolations") == []


def test_the_stock_page_fits_a_phone_and_says_when_nothing_matches(
    org, volunteer, goods, new_page, browser_log
):
    page = new_page(viewport=PHONE)
    log_in(page, volunteer.email)
    page.goto(f"/o/{org.slug}/goods/stock/")
    expect(_rows(page)).to_have_count(7)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the stock page is {width}px wide"
    page.get_by_label("Search").fill("bicycle")
    expect(page.locator("#results p.empty")).to_have_text("Nothing in stock matches these filters.")
    assert browser_log.errors == []
