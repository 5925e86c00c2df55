"""The household's booking link on a phone (360 x 740), in Ukrainian (long words): every
time is one whole-row label at least 44 px high with its radio on the same line as the
time, the household's own time is marked and checked, the page says how to change it, and
moving to another time works (issue 14 item 8)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope
from playwright.sync_api import Locator, Page, expect

from kindred.aid.models import Booking
from tests.aid.test_distribution_helpers import (
    book,
    household_request,
    local,
    make_day,
    reservation,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
MIN_TARGET = 44  # px: WCAG 2.5.5's target size


def uk(msgid: str) -> str:
    with translation.override("uk"):
        return gettext(msgid)


def slot(page: Page, start) -> Locator:
    return page.locator(f"label.slot:has(input[value='{start.isoformat()}'])")


def check_slots(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide"
    labels = page.locator("label.slot")
    assert labels.count() >= 4
    for i in range(labels.count()):
        label = labels.nth(i)
        label.scroll_into_view_if_needed()
        box = label.bounding_box()
        radio = label.locator("input[type=radio]").bounding_box()
        time = label.locator(".slot-time").bounding_box()
        assert box and radio and time
        text = label.inner_text()
        assert box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET, f"{text}: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{text} clipped"
        # The radio and its time on one line: each one's middle within the other's row.
        radio_middle = radio["y"] + radio["height"] / 2
        time_middle = time["y"] + time["height"] / 2
        assert time["y"] <= radio_middle <= time["y"] + time["height"], text
        assert radio["y"] <= time_middle <= radio["y"] + radio["height"], text
        assert radio["x"] + radio["width"] <= time["x"], text  # radio first, then the time


def test_the_booking_link_on_a_phone_marks_the_households_time_and_moves_it(new_page, org, site):
    site.name = "Центральний склад допомоги"
    site.street, site.postcode, site.city = "Havnegade 112", "7400", "Herning"
    site.save()
    request = household_request(org, "Коваленко", phone="+4511111111", language="uk")
    reservation(org, request, site)
    day = make_day(org, site, start="10:00", end="11:00", minutes=15, capacity=1)
    booking = book(org, request, day, "10:15", notify=False)  # its slot is now full

    page = new_page(viewport=PHONE)
    page.goto(f"/b/{booking.token}/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    check_slots(page)

    own = page.locator("label.slot-current")
    expect(own).to_have_count(1)
    expect(own).to_contain_text("10:15")
    expect(own.locator(".badge")).to_have_text(uk("Your time"))
    expect(own.locator("input[type=radio]")).to_be_checked()
    expect(page.locator("label.slot input:checked")).to_have_count(1)
    expect(page.locator(".rebook-note")).to_contain_text("10:15")
    expect(page.locator(".rebook-note")).to_contain_text("10:30")

    # A tap on the row (its text, not the small radio) chooses the time; then move.
    later = slot(page, local(day, "10:45"))
    later.locator(".slot-extra").click()
    expect(later.locator("input[type=radio]")).to_be_checked()
    with page.expect_navigation():
        page.get_by_role("button", name=uk("Move to this time")).click()
    with scope(organization=org):
        booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert booking.slot_start == local(day, "10:45")

    # The page now marks the new time, still in Ukrainian, still fitting the phone.
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    own = page.locator("label.slot-current")
    expect(own).to_contain_text("10:45")
    expect(own.locator("input[type=radio]")).to_be_checked()
    expect(slot(page, local(day, "10:15"))).to_have_class("slot")  # no longer marked
    check_slots(page)
