"""The whole aid flow in a Bulgarian interface, in a real Chromium: a referrer submits a
request for a family; a coordinator approves it, runs the allocation and confirms it, and
sends the booking links; the household books a slot through the link it got by SMS (on a
phone); a volunteer at the station scans the booking's QR code and hands everything out.
The stock and the request's status follow."""

from __future__ import annotations

import io
import re
from datetime import time, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
import zxingcpp
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scope
from PIL import Image
from playwright.sync_api import Page, expect

from kindred.aid import sms
from kindred.aid.models import Booking, Handout, HelpRequest, Reservation
from kindred.aid.services import distribution
from kindred.core import services as core_services
from kindred.core.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import balance, item_type, make_location, make_user, stock

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def bg(msgid: str) -> str:
    with translation.override("bg"):
        return gettext(msgid)


def member(org, email: str, role: str):
    user = make_user(email, language="bg")
    with scope(organization=org):
        core_services.add_member(org=org, user=user, role=role, actor=None)
    return user


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_request_to_handout_in_bulgarian(new_page, org, site, settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    sms.outbox.clear()
    referrer = member(org, "sotsialen@home.test", Role.REFERRER)
    coordinator = member(org, "koordinator@home.test", Role.COORDINATOR)
    volunteer = member(org, "dobrovolets@home.test", Role.VOLUNTEER)
    shelf = make_location(org, site, "Рафт 1", kind="shelf")
    stock(org, {shelf: {"child-winter-jacket-110": 3, "toy": 4}})
    jacket, toy = item_type(org, "child-winter-jacket"), item_type(org, "toy")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with scope(organization=org):
        day = distribution.create_day(
            org=org,
            site=site,
            date=tomorrow,
            starts_at=time(10, 0),
            ends_at=time(12, 0),
            slot_minutes=30,
            capacity=2,
            actor=coordinator,
        )

    # 1. The referrer registers the family and its needs.
    page = new_page()
    log_in(page, referrer.email)
    page.goto(f"/o/{org.slug}/aid/requests/new/")
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    expect(page.locator("h1")).to_have_text(bg("New help request"))
    page.fill("#id_given_name", "Мария")
    page.fill("#id_family_name", "Петрова")
    page.fill("#id_phone", "+359 88 123 4567")
    page.select_option("#id_language", "bg")
    page.fill("#id_referrer_organisation", "Дирекция „Социално подпомагане“")
    page.select_option("#id_lines-0-item_type", str(jacket.pk))
    page.fill("#id_lines-0-sizes", "110, 116")
    page.fill("#id_lines-0-quantity", "2")
    page.select_option("#id_lines-0-urgency", "3")
    page.select_option("#id_lines-1-item_type", str(toy.pk))
    page.fill("#id_lines-1-quantity", "1")
    with page.expect_navigation():
        page.get_by_role("button", name=bg("Register the request")).click()
    with scope(organization=org):
        request = HelpRequest.objects.get(organization=org)
        assert request.lines.count() == 2
    assert request.status == HelpRequest.Status.SUBMITTED
    assert request.source == HelpRequest.Source.REFERRER
    expect(page.locator("main")).to_contain_text(request.reference)
    expect(page.locator("main")).to_contain_text(bg("Submitted"))

    # 2. The coordinator approves it, runs the allocation and confirms the proposal.
    page = new_page()
    log_in(page, coordinator.email)
    page.goto(f"/o/{org.slug}/aid/requests/{request.pk}/")
    with page.expect_navigation():
        page.locator("form[action$='/approve/'] button[type='submit']").click()
    expect(page.locator("main")).to_contain_text(bg("Approved"))
    page.goto(f"/o/{org.slug}/aid/allocation/")
    with page.expect_navigation():
        page.get_by_role("button", name=bg("Run the allocation")).click()
    confirm = page.get_by_role("button", name=bg("Confirm and reserve"))
    expect(confirm).to_be_visible()
    expect(page.locator("main")).to_contain_text("Петрова")
    with page.expect_navigation():
        confirm.click()
    with scope(organization=org):
        reservation = Reservation.objects.get(request=request)
        assert reservation.status == Reservation.Status.ACTIVE
        assert sorted((line.size, line.quantity) for line in reservation.lines.all()) == [
            ("", 1),
            ("110", 2),
        ]
        request.refresh_from_db()
        assert request.status == HelpRequest.Status.FULFILLING

    # … and sends the households of tomorrow's distribution day their links.
    page.goto(f"/o/{org.slug}/aid/days/{day.pk}/")
    with page.expect_navigation():
        page.locator("form[action$='/send-links/'] button[type='submit']").click()
    assert len(sms.outbox) == 1
    to, body = sms.outbox[0]
    assert to.replace(" ", "").endswith("881234567")
    link = re.search(r"https?://\S+/b/[\w-]+/", body)
    assert link, body

    # 3. The household opens the link on a phone and books the first free slot.
    phone = new_page(viewport=PHONE)
    phone.goto(urlparse(link.group(0)).path)
    expect(phone.locator("html")).to_have_attribute("lang", "bg")
    fits_phone(phone)
    expect(phone.locator("main")).to_contain_text(request.reference)
    expect(phone.locator("main")).not_to_contain_text("Петрова")  # no personal data on a link
    phone.locator("input[name='slot_start']").first.check()
    with phone.expect_navigation():
        phone.locator("form[action$='/book/'] button[type='submit']").click()
    with scope(organization=org):
        booking = Booking.objects.get(request=request, status=Booking.Status.BOOKED)
    assert booking.day_id == day.pk and booking.slot_start is not None
    qr = phone.locator("figure.qr img")
    expect(qr).to_be_visible()
    fits_phone(phone)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(found) == 1
    station_url = found[0].text
    assert station_url.endswith(f"/aid/station/b/{booking.code}/"), station_url

    # 4. At the station a volunteer's phone camera opens the QR code's address.
    station = new_page(viewport=PHONE)
    log_in(station, volunteer.email)
    station.goto(urlparse(station_url).path)
    expect(station.locator("html")).to_have_attribute("lang", "bg")
    expect(station.locator("main")).to_contain_text(booking.code)
    fits_phone(station)
    # The booking is for tomorrow: the station warns before anyone taps, refuses the first
    # tap with the day named, and hands out only once the volunteer confirms (audited).
    expect(station.locator(".station-warning")).to_be_visible()
    station.get_by_role("button", name=bg("Hand out everything")).click()
    expect(station.locator(".station-error")).to_be_visible()
    with scope(organization=org):
        assert not Handout.objects.filter(reservation=reservation).exists()
    fits_phone(station)
    with station.expect_navigation():
        station.get_by_role("button", name=bg("Hand out anyway")).click()
    expect(station.locator("main")).to_contain_text(bg("What was given"))

    with scope(organization=org):
        handout = Handout.objects.get(reservation=reservation)
        assert handout.kind == Handout.Kind.FULL
        reservation.refresh_from_db()
        booking.refresh_from_db()
        request.refresh_from_db()
    assert reservation.status == Reservation.Status.HANDED_OUT
    assert booking.status == Booking.Status.ATTENDED
    assert request.status == HelpRequest.Status.CLOSED
    assert balance(org, shelf, "child-winter-jacket-110") == Decimal(1)
    assert balance(org, shelf, "toy") == Decimal(3)

    # The coordinator sees the closed request, in Bulgarian.
    page.goto(f"/o/{org.slug}/aid/requests/{request.pk}/")
    expect(page.locator("main")).to_contain_text(bg("Closed"))
