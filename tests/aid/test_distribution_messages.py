"""Messages to households: the booking link by e-mail or SMS, in the request's language,
recorded as OutgoingMessage rows and sent only after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.aid import sms
from kindred.aid.models import OutgoingMessage
from kindred.aid.services import AidError, distribution, messaging
from kindred.core import outbox
from tests.conftest import snapshot

from .test_distribution_helpers import book, household_request, make_day


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
