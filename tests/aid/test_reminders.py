"""Reminders the day before a pickup: tomorrow in the organisation's time zone, once."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django_scopes import scope

from kindred.aid import sms
from kindred.aid.models import Booking, OutgoingMessage
from kindred.aid.services import distribution
from kindred.aid.tasks import reminders

from .test_distribution_helpers import book, future, household_request, make_day

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    sms.outbox.clear()


def evening_before(day) -> datetime:
    return datetime.combine(day.date - timedelta(days=1), time(18), tzinfo=CPH)


def test_tomorrows_bookings_get_one_reminder(org, site, django_capture_on_commit_callbacks):
    day = make_day(org, site, on=future(3))
    email = book(org, household_request(org, "A", email="a@example.org"), day, notify=False)
    text = book(org, household_request(org, "B", phone="+4512121212"), day, "10:15", notify=False)
    book(org, household_request(org, "C"), day, "10:30", notify=False)  # no address
    now = evening_before(day)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_reminders(now=now) == 2
    assert len(mail.outbox) == 1 and email.code in mail.outbox[0].body
    assert len(sms.outbox) == 1 and sms.outbox[0][0] == "+4512121212"
    with scope(organization=org):
        assert Booking.objects.get(pk=text.pk).reminder_sent_at == now
        assert OutgoingMessage.objects.filter(kind="reminder").count() == 2
    # Run again (another worker, a later tick): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_reminders(now=now + timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_only_tomorrow_in_the_organisations_time_zone(org, site):
    day = make_day(org, site, on=future(3), start="00:30", end="01:00", minutes=30)
    book(org, household_request(org, email="a@example.org"), day, "00:30", notify=False)
    # 23:45 UTC two days before is 00:45 local the day before: the slot is tomorrow.
    day_before = day.date - timedelta(days=1)
    local_evening = datetime.combine(day_before, time(0, 45), tzinfo=CPH)
    two_days_before = local_evening - timedelta(hours=1)  # still the day before that
    assert reminders.send_reminders(now=two_days_before) == 0
    assert reminders.send_reminders(now=local_evening) == 1


def test_cancelled_bookings_and_days_get_no_reminder(org, site, admin):
    day = make_day(org, site, on=future(3))
    booking = book(org, household_request(org, "A", email="a@example.org"), day, notify=False)
    with scope(organization=org):
        distribution.cancel_booking(booking=booking)
    other = make_day(org, site, on=future(3), start="12:00", end="13:00")
    book(org, household_request(org, "B", email="b@example.org"), other, "12:00", notify=False)
    with scope(organization=org):
        distribution.cancel_day(org=org, day=other, actor=admin)
    assert reminders.send_reminders(now=evening_before(day)) == 0


def test_a_moved_booking_gets_a_new_reminder(org, site):
    day = make_day(org, site, on=future(3))
    later = make_day(org, site, on=future(5))
    booking = book(org, household_request(org, email="a@example.org"), day, notify=False)
    assert reminders.send_reminders(now=evening_before(day)) == 1
    with scope(organization=org):
        booking.refresh_from_db()
        distribution.rebook(
            booking=booking,
            day=later,
            slot_start=booking.slot_start.replace(
                year=later.date.year, month=later.date.month, day=later.date.day
            ),
        )
    assert reminders.send_reminders(now=evening_before(later)) == 1


def test_enqueue_reminders_runs_the_job(org, site, django_capture_on_commit_callbacks):
    day = make_day(org, site, on=future(3))
    book(org, household_request(org, email="a@example.org"), day, notify=False)
    with (
        time_machine.travel(evening_before(day), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders.enqueue_reminders()  # tests run tasks immediately
    assert len(mail.outbox) == 1
    with time_machine.travel(evening_before(day), tick=False):
        reminders.enqueue_reminders()
    assert len(mail.outbox) == 1
