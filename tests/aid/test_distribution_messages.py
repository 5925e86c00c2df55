"""Messages to households: the booking link by e-mail or SMS, in the request's language,
recorded as OutgoingMessage rows and sent only after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext
from django_scopes import scope

from kindred.aid import sms
from kindred.aid.models import OutgoingMessage
from kindred.aid.services import AidError, distribution, messaging
from kindred.core import outbox
from tests.conftest import snapshot

from .test_distribution_helpers import book, household_request, make_day, reservation


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    settings.KINDRED_BASE_URL = "https://kindred.example.org"
    sms.outbox.clear()


def test_link_goes_by_email_when_there_is_an_address(
    org, site, admin, django_capture_on_commit_callbacks
):
    request = household_request(org, email="olga@example.org", phone="+4511111111")
    booking = book(org, request, make_day(org, site), notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        message = messaging.send_booking_link(booking=booking, actor=admin)
    [email] = mail.outbox
    assert email.to == ["olga@example.org"]
    assert f"https://kindred.example.org/b/{booking.token}/" in email.body
    assert sms.outbox == []
    message.refresh_from_db()
    assert message.channel == "email" and message.kind == "booking_link"
    assert message.sent_at is not None and message.error == ""


def test_link_goes_by_sms_without_an_email_address(
    org, site, admin, django_capture_on_commit_callbacks
):
    request = household_request(org, phone="+4511111111")
    booking = book(org, request, make_day(org, site), notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        messaging.send_booking_link(booking=booking, actor=admin, base_url="http://testserver/")
    [(to, body)] = sms.outbox
    assert to == "+4511111111"
    assert f"http://testserver/b/{booking.token}/" in body
    assert mail.outbox == []


def test_channel_can_be_chosen(org, site, admin, django_capture_on_commit_callbacks):
    request = household_request(org, email="olga@example.org", phone="+4511111111")
    booking = book(org, request, make_day(org, site), notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        messaging.send_booking_link(booking=booking, channel="sms", actor=admin)
    assert len(sms.outbox) == 1 and mail.outbox == []


def test_without_any_address_the_link_is_refused_and_nothing_recorded(org, site, admin):
    booking = book(org, household_request(org), make_day(org, site), notify=False)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError) as error:
        messaging.send_booking_link(booking=booking, actor=admin)
    assert error.value.field == "channel"
    assert snapshot(org) == before


def test_message_is_in_the_requests_language(org, site, admin, django_capture_on_commit_callbacks):
    request = household_request(org, email="olga@example.org", language="bg")
    booking = book(org, request, make_day(org, site), notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        messaging.send_booking_link(booking=booking, actor=admin)
    with scope(organization=org):
        assert messaging.language_of(request) == "bg"
    # The text is rendered under translation.override("bg"); the link carries no language.
    assert booking.token in mail.outbox[0].body


def test_nothing_is_sent_when_the_transaction_rolls_back(
    org, site, admin, django_capture_on_commit_callbacks
):
    booking = book(
        org, household_request(org, email="a@example.org"), make_day(org, site), notify=False
    )
    with (
        scope(organization=org),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        messaging.send_booking_link(booking=booking, actor=admin)
        raise RuntimeError("rolled back")
    assert mail.outbox == []
    with scope(organization=org):
        assert not OutgoingMessage.objects.exists()


def test_booking_sends_a_confirmation(org, site, django_capture_on_commit_callbacks):
    request = household_request(org, email="olga@example.org")
    day = make_day(org, site)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(org, request, day, "10:30")
    [email] = mail.outbox
    assert "10:30" in email.body and booking.code in email.body
    with scope(organization=org):
        assert OutgoingMessage.objects.get().kind == OutgoingMessage.Kind.CONFIRMATION


def test_a_failing_sms_backend_records_the_error(
    org, site, admin, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.aid.test_distribution_messages.BrokenBackend"
    booking = book(
        org, household_request(org, phone="+4599999999"), make_day(org, site), notify=False
    )
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        message = messaging.send_booking_link(booking=booking, actor=admin)
    message.refresh_from_db()
    assert message.sent_at is None and message.error == "no signal"
    assert message.attempts == 1 and message.next_attempt_at is not None


def test_a_failed_message_is_retried_with_back_off_then_given_up_and_shown(
    org,
    site,
    admin,
    volunteer,
    outsider,
    other_org,
    client_for,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SMS_BACKEND = "tests.aid.test_distribution_messages.BrokenBackend"
    booking = book(
        org, household_request(org, phone="+4599999999"), make_day(org, site), notify=False
    )
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        message = messaging.send_booking_link(booking=booking, actor=admin)
    waits = []
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        message.refresh_from_db()
        assert messaging.retry_due() == 0  # not due yet
        waits.append(message.next_attempt_at - timezone.now())
        assert messaging.retry_due(now=message.next_attempt_at) == 1  # the worker's schedule
    message.refresh_from_db()
    assert [round(w / timedelta(minutes=1)) for w in waits] == [1, 2, 4, 8, 16]
    assert (message.attempts, message.sent_at, message.next_attempt_at) == (6, None, None)
    assert message.given_up
    assert messaging.retry_due(now=timezone.now() + timedelta(days=1)) == 0
    home = reverse("core:dashboard", kwargs={"org_slug": org.slug})
    page = client_for(admin).get(home).content.decode()
    assert "+4599999999" in page and "no signal" in page
    assert "+4599999999" not in client_for(volunteer).get(home).content.decode()  # a coordinator's
    theirs = reverse("core:dashboard", kwargs={"org_slug": other_org.slug})
    assert "+4599999999" not in client_for(outsider).get(theirs).content.decode()
    assert client_for(outsider).get(home).status_code == 404

    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"  # the provider is back
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        again = messaging.send_booking_link(booking=booking, actor=admin)
    again.refresh_from_db()
    assert again.sent_at is not None and again.attempts == 0
    assert len(sms.outbox) == 1


class BrokenBackend:
    def send(self, to: str, body: str) -> None:
        raise sms.SmsError("no signal")


def test_open_link_without_a_slot_can_be_sent(org, site, admin, django_capture_on_commit_callbacks):
    request = household_request(org, phone="+4511111111")
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        booking = distribution.open_link(request=request, actor=admin)
        messaging.send_booking_link(booking=booking, actor=admin)
    assert booking.token in sms.outbox[0][1]


def test_a_booked_household_gets_its_time_and_how_to_change_it_not_choose_your_time(
    org, site, admin, django_capture_on_commit_callbacks
):
    """Issue 14 item 8: "Send link" to a household that had booked said "choose your pickup
    time". Now it gives the booked time and the link to change it, by e-mail and by SMS."""
    request = household_request(org, email="olga@example.org", phone="+4511111111")
    day = make_day(org, site)
    booking = book(org, request, day, "10:30", notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        messaging.send_booking_link(booking=booking, actor=admin)
        messaging.send_booking_link(booking=booking, channel="sms", actor=admin)
    [email] = mail.outbox
    assert email.subject == f"Your pickup time at {org.name}"
    assert "10:30" in email.body and site.name in email.body
    assert "change or cancel it here" in email.body
    assert "hoose" not in email.subject + email.body
    assert f"https://kindred.example.org/b/{booking.token}/" in email.body
    [(_to, text)] = sms.outbox
    assert "10:30" in text and site.name in text and "change" in text
    assert "hoose" not in text
    assert text.endswith(f"https://kindred.example.org/b/{booking.token}/")


def test_a_household_without_a_time_is_asked_to_choose_one(
    org, site, admin, django_capture_on_commit_callbacks
):
    request = household_request(org, email="olga@example.org", phone="+4511111111")
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        booking = distribution.open_link(request=request, actor=admin)
        messaging.send_booking_link(booking=booking, actor=admin)
        messaging.send_booking_link(booking=booking, channel="sms", actor=admin)
    [email] = mail.outbox
    assert email.subject == f"Choose your pickup time at {org.name}"
    assert "Choose a time to collect them here:" in email.body
    [(_to, text)] = sms.outbox
    assert "choose your pickup time" in text and booking.token in text


def test_the_days_links_tell_booked_households_their_time_and_ask_the_others_to_choose(
    org, site, admin, django_capture_on_commit_callbacks
):
    day = make_day(org, site)
    booked = household_request(org, "Booked", phone="+4511111111")
    waiting = household_request(org, "Waiting", phone="+4522222222")
    reservation(org, waiting, site)
    book(org, booked, day, "10:15", notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        assert distribution.send_links(day=day, actor=admin) == (2, 0)
    texts = dict(sms.outbox)
    assert "10:15" in texts["+4511111111"] and "hoose" not in texts["+4511111111"]
    assert "choose your pickup time" in texts["+4522222222"]


def test_a_booked_households_message_is_in_its_language(
    org, site, admin, django_capture_on_commit_callbacks
):
    request = household_request(org, phone="+4511111111", language="uk")
    booking = book(org, request, make_day(org, site), "10:45", notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        messaging.send_booking_link(booking=booking, actor=admin, base_url="http://x/")
    [(_to, text)] = sms.outbox
    with translation.override("uk"), timezone.override(org.time_zone):
        start = timezone.localtime(booking.slot_start)
        expected = gettext(
            "%(org)s: your pickup time is %(date)s at %(time)s, %(site)s. "
            "See, change or cancel it here:"
        ) % {
            "org": org.name,
            "date": dateformat.format(start, "j M"),
            "time": "10:45",
            "site": site.name,
        }
    assert text == f"{expected} http://x/b/{booking.token}/"


def test_send_link_on_the_days_page_tells_a_booked_household_its_time(
    org, site, coordinator, client_for, django_capture_on_commit_callbacks
):
    """The staff's "Send link" button (the observed case): the SMS gives the time."""
    request = household_request(org, phone="+4511111111")
    day = make_day(org, site)
    booking = book(org, request, day, "10:15", notify=False)
    url = reverse("aid:booking-send-link", args=[org.slug, booking.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(url, {"channel": ""})
    assert response.status_code == 302
    [(_to, text)] = sms.outbox
    assert "10:15" in text and "hoose" not in text and booking.token in text
