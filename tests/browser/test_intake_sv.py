"""The intake table in a Swedish interface, in a real Chromium: a volunteer registers a
company's donation of three lines with the keyboard only, saves it, opens the printable
thank-you receipt and sees the stock rise."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Page, expect

from kindred.core import services as core_services
from kindred.core.roles import Role
from kindred.goods.models import DonationReceipt
from kindred.people import services as people
from tests.browser.conftest import log_in
from tests.conftest import admin_of, balance, item_type, make_location, make_site, make_user

pytestmark = pytest.mark.browser


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return gettext(msgid)


def add_line(page: Page, item: str, size: str, quantity: str, lines_after: int) -> None:
    """Item, Enter; size, Enter (when it has sizes); quantity, Enter."""
    page.keyboard.type(item)
    page.keyboard.press("Enter")
    if size:
        expect(page.locator("#entry-size")).to_be_focused()
        page.keyboard.type(size)
        page.keyboard.press("Enter")
    expect(page.locator("#entry-quantity")).to_be_focused()
    page.keyboard.type(quantity)
    page.keyboard.press("Enter")
    expect(page.locator("#lines tr.intake-line")).to_have_count(lines_after)
    expect(page.locator("#entry-item")).to_be_focused()


def test_a_company_donation_of_three_lines_by_keyboard_then_the_thank_you(page: Page, org):
    volunteer = make_user("volontar@home.test", language="sv")
    with scope(organization=org):
        core_services.add_member(org=org, user=volunteer, role=Role.VOLUNTEER, actor=None)
        people.create_contact(
            org=org, values={"kind": "company", "name": "Bageriet AB"}, actor=admin_of(org)
        )
    site = make_site(org, "Lagret", city="Göteborg")
    shelf = make_location(org, site, "Hylla A", kind="shelf")
    for code in ("child-winter-jacket", "toy", "unsorted-textiles"):
        item_type(org, code)
    assert balance(org, shelf, "child-winter-jacket-110") == 0

    log_in(page, volunteer.email)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.goto(f"/o/{org.slug}/goods/intake/")
    expect(page.locator("main h1")).to_have_text(sv("Intake table"))

    # The donor: the registered company, picked by typing its name.
    expect(page.locator("#id_donor")).to_be_focused()
    page.keyboard.type("Bageriet AB")
    expect(page.locator("#donor-status")).to_contain_text("Bageriet AB")
    page.keyboard.press("Enter")  # on to the first line
    expect(page.locator("#entry-item")).to_be_focused()

    add_line(page, sv("Children's winter jacket"), "110", "3", 1)
    add_line(page, sv("Toy"), "", "5", 2)
    add_line(page, sv("Unsorted textiles (sacks)"), "", "12,5", 3)
    expect(page.locator("#total-lines")).to_have_text("3")
    # Totals per unit, never added across units, in Swedish (decimal comma, no "12,500").
    expect(page.locator("[data-total-unit=piece] strong")).to_have_text("8")
    expect(page.locator("[data-total-unit=kg] strong")).to_have_text("12,5")
    expect(page.locator("[data-total-unit=pair]")).to_be_hidden()
    expect(page.locator("tr.intake-line").nth(2)).to_contain_text("12,5")

    # Enter in the empty item field goes to "Save receipt"; Enter saves.
    page.keyboard.press("Enter")
    expect(page.locator("#save-receipt")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/goods/receipts/\d+/\?saved=1$"))
    expect(page.locator("main h1")).to_contain_text("R-1")

    with scopes_disabled():
        receipt = DonationReceipt.objects.get(organization=org)
    assert receipt.donor_kind == "contact" and receipt.donor_contact.name == "Bageriet AB"
    assert receipt.channel == "company"  # chosen with the company

    # The printable thank-you receipt.
    page.get_by_role("link", name=sv("Print thank-you receipt")).click()
    receipt_text = page.locator("#thank-you")
    expect(receipt_text).to_contain_text("Home Charity")
    expect(receipt_text).to_contain_text("Bageriet AB")
    expect(receipt_text).to_contain_text(sv("Children's winter jacket"))
    expect(receipt_text).to_contain_text("R-1")

    # The stock rose.
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, shelf, "toy") == 5
    assert balance(org, shelf, "unsorted-textiles") == Decimal("12.5")
    assert page.evaluate("window.__cspViolations") == []
