"""Booking reminders: the day before a pickup slot, one message per booking.

`kindred worker` calls `enqueue_reminders()` every few minutes; it queues `send_reminders`,
which finds the booked slots of tomorrow (each organisation's own calendar day) whose
reminder has not gone out. Each booking is claimed with a conditional UPDATE
(`reminder_sent_at IS NULL` → now) in the same transaction as its message row: of two
workers running at once exactly one claims it, and a rolled-back message un-claims it.
The message itself is sent after commit (services/messaging.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks import task

from ..models import Booking
from ..services import messaging

logger = logging.getLogger(__name__)

# Slots start within this window of `now` to be "tomorrow" in some time zone (UTC-12…+14).
HORIZON = timedelta(hours=62)


def due_bookings(now: datetime) -> list[Booking]:
    """Booked slots of tomorrow (in their organisation's time zone) without a reminder."""
    with scopes_disabled():
        candidates = list(
            Booking.objects.filter(
                status=Booking.Status.BOOKED,
                reminder_sent_at__isnull=True,
                day__isnull=False,
                day__cancelled=False,
                slot_start__gt=now,
                slot_start__lte=now + HORIZON,
            )
            .select_related("organization", "request__organization", "day__site")
            .order_by("slot_start", "pk")
        )
    due = []
    for booking in candidates:
        tz = ZoneInfo(booking.organization.time_zone)
        tomorrow = timezone.localtime(now, tz).date() + timedelta(days=1)
        if timezone.localtime(booking.slot_start, tz).date() == tomorrow:
            due.append(booking)
    return due


def send_reminders(*, now: datetime | None = None) -> int:
    """Send tomorrow's reminders; returns how many messages were recorded. Idempotent."""
    now = now or timezone.now()
    sent = 0
    for booking in due_bookings(now):
        org = booking.organization
        with scope(organization=org), transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, status=Booking.Status.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue  # another worker was first, or the booking changed meanwhile
            booking.reminder_sent_at = now
            message = messaging.send_reminder(booking=booking)
            if message is None:
                # No address: nothing to send. Un-claim, so a phone number added later
                # still gets tomorrow's reminder.
                transaction.set_rollback(True)
                continue
            sent += 1
    if sent:
        logger.info("Sent %s booking reminders", sent)
    return sent


@task()
def reminders_job() -> int:
    return send_reminders()


def enqueue_reminders() -> None:
    """Scheduled by `kindred worker`: enqueue reminders for tomorrow's bookings. Queued only
    when something is due, so the queue does not fill with empty runs."""
    if due_bookings(timezone.now()):
        reminders_job.enqueue()
