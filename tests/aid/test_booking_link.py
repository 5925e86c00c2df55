"""The household's personal link /b/<token>/: no login, its language, only the reference,
the QR code, booking, rebooking and cancelling, and the calendar file."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_scopes import scope
from icalendar import Calendar

from kindred.aid import sms
from kindred.aid.models import Booking
from kindred.aid.services import distribution
from tests.conftest import snapshot

from .test_distribution_helpers import (
    book,
    future,
    household_request,
    local,
    make_day,
    reservation,
)


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    sms.outbox.clear()


def link(booking, suffix="") -> str:
    return reverse("aid:booking-link", args=[booking.token]) + suffix


@pytest.fixture
def household(org, site):
    request = household_request(org, "Ivanova", email="olga@example.org", phone="+4511111111")
    reservation(org, request, site)
    return request


def test_unknown_token_is_404(db):
    client = Client()
    assert client.get("/b/not-a-token/").status_code == 404
    assert client.get("/b/not-a-token/calendar.ics").status_code == 404
    assert client.post("/b/not-a-token/cancel/").status_code == 404


def test_booked_link_shows_reference_items_slot_and_qr_but_no_personal_data(org, site, household):
    site.street, site.postcode, site.city = "Havnegade 1", "7400", "Herning"
    site.save()
    day = make_day(org, site)
    booking = book(org, household, day, "10:15")
    response = Client().get(link(booking))
    assert response.status_code == 200
    html = response.content.decode()
    assert household.reference in html
    assert "Havnegade 1" in html
    assert "10:15" in html
    assert booking.code in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    assert "Child winter jacket" in html or "jacket" in html.lower()
    for private in ("Ivanova", "olga@example.org", "11111111", "Maria"):
        assert private not in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    assert reverse("aid:booking-ics", args=[booking.token]) in html


def test_link_is_in_the_requests_language_and_switchable(org, site):
    request = household_request(org, "Bo", language="sv")
    day = make_day(org, site)
    booking = book(org, request, day)
    response = Client().get(link(booking))
    assert response["Content-Language"] == "sv"
    assert '<html lang="sv">' in response.content.decode()
    response = Client().get(link(booking, "?lang=uk"))
    assert response["Content-Language"] == "uk"
    response = Client().get(link(booking, "?lang=xx"))
    assert response["Content-Language"] == "sv"


def test_unbooked_link_offers_free_times_at_the_reservation_site(org, site, household):
    day = make_day(org, site, capacity=1)
    make_day(org, site, on=future(4), note="")  # also offered
    full = make_day(org, site, on=future(6), start="10:00", end="10:15", capacity=1)
    book(org, household_request(org, "Other"), full)
    with scope(organization=org):
        booking = distribution.open_link(request=household, actor=None)
    html = Client().get(link(booking)).content.decode()
    assert local(day, "10:00").isoformat() in html
    assert local(full, "10:00").isoformat() not in html  # no free time left that day
    assert 'src="data:image/svg+xml' not in html


def test_household_books_rebooks_and_cancels_through_its_link(
    org, site, household, django_capture_on_commit_callbacks
):
    day = make_day(org, site)
    with scope(organization=org):
        booking = distribution.open_link(request=household, actor=None)
    client = Client(enforce_csrf_checks=True)
    page = client.get(link(booking))
    token = page.cookies["csrftoken"].value
    data = {"day": day.pk, "slot_start": local(day, "10:30").isoformat(), "lang": "en"}

    # Without the CSRF token the POST is refused.
    assert client.post(link(booking, "book/"), data).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link(booking, "book/"), data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.slot_start == local(day, "10:30")
    assert len(mail.outbox) == 1  # the confirmation

    data["slot_start"] = local(day, "10:45").isoformat()
    client.post(link(booking, "book/"), data, HTTP_X_CSRFTOKEN=token)
    booking.refresh_from_db()
    assert booking.slot_start == local(day, "10:45")

    response = client.post(link(booking, "cancel/"), {"lang": "en"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_booking_a_full_time_through_the_link_answers_409_and_changes_nothing(org, site, household):
    day = make_day(org, site, capacity=1)
    book(org, household_request(org, "Other"), day, "10:00")
    with scope(organization=org):
        booking = distribution.open_link(request=household, actor=None)
    before = snapshot(org)
    response = Client().post(
        link(booking, "book/"), {"day": day.pk, "slot_start": local(day, "10:00").isoformat()}
    )
    assert response.status_code == 409
    assert snapshot(org) == before


def test_bad_slot_value_is_400(org, site, household):
    day = make_day(org, site)
    booking = book(org, household, day)
    response = Client().post(link(booking, "book/"), {"day": day.pk, "slot_start": "soon"})
    assert response.status_code == 400


def test_calendar_file_has_one_event_with_the_slot(org, site, household):
    site.street, site.city = "Havnegade 1", "Herning"
    site.save()
    day = make_day(org, site, minutes=15)
    booking = book(org, household, day, "10:45")
    response = Client().get(link(booking, "calendar.ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == local(day, "10:45")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=15)
    assert str(booking.pk) in str(event["uid"]) and booking.code in str(event["uid"])
    assert "Havnegade 1" in str(event["location"])


def test_calendar_file_of_an_unbooked_link_is_404(org, site, household):
    with scope(organization=org):
        booking = distribution.open_link(request=household, actor=None)
    assert Client().get(link(booking, "calendar.ics")).status_code == 404


def _slot_labels(html: str) -> dict[str, str]:
    """Each time's whole-row label on the page, by its radio's value."""
    labels = re.findall(r'<label class="slot[^"]*">.*?</label>', html, re.S)
    return {re.search(r'value="([^"]+)"', label).group(1): label for label in labels}


def test_the_households_own_time_is_marked_and_checked_even_when_full(org, site, household):
    """Issue 14 item 8: the current slot was not marked. It is listed (full or not) with
    "Your time", checked, and the page says how to change it; other times say how many
    places are left."""
    day = make_day(org, site, capacity=1)
    booking = book(org, household, day, "10:15")  # now full: the household holds its place
    html = Client().get(link(booking, "?lang=en")).content.decode()
    labels = _slot_labels(html)
    own = labels[local(day, "10:15").isoformat()]
    assert "Your time" in own and " checked" in own and "slot-current" in own
    other = labels[local(day, "10:30").isoformat()]
    assert "1 place left" in other and "checked" not in other and "Your time" not in other
    assert sum(" checked" in label for label in labels.values()) == 1
    assert "You have booked 10:15\u201310:30 on" in html
    assert "Move to this time" in html


def test_an_unbooked_link_checks_nothing_and_says_choose(org, site, household):
    day = make_day(org, site, capacity=2)
    with scope(organization=org):
        booking = distribution.open_link(request=household, actor=None)
    html = Client().get(link(booking, "?lang=en")).content.decode()
    labels = _slot_labels(html)
    assert len(labels) == 4
    assert all("checked" not in label and "2 places left" in label for label in labels.values())
    assert "You have booked" not in html and "Book this time" in html
    assert local(day, "10:00").isoformat() in labels


def test_choosing_the_same_time_again_changes_nothing_and_says_so(
    org, site, household, django_capture_on_commit_callbacks
):
    day = make_day(org, site)
    booking = book(org, household, day, "10:15", notify=False)
    before = snapshot(org)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link(booking, "book/"),
            {"day": day.pk, "slot_start": local(day, "10:15").isoformat(), "lang": "en"},
            follow=True,
        )
    assert "This is already your time" in response.content.decode()
    assert snapshot(org) == before
    assert mail.outbox == []
