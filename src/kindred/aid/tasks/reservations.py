"""Reservation expiry: `kindred worker` calls `enqueue_expiry()` every few minutes; it
queues `expire_reservations` when some active reservation's time is up. Expiring is
idempotent (each reservation's status is read again under its row lock), so a second
queued task, from this worker or another, finds nothing left to do."""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task

from ..models import Reservation
from ..services import reservations as services


def enqueue_expiry(now=None) -> bool:
    """Queue the expiry when a reservation is due; returns whether it was queued."""
    now = now or timezone.now()
    with scopes_disabled():
        due = Reservation.objects.filter(
            status=Reservation.Status.ACTIVE, expires_at__lte=now
        ).exists()
    if due:
        expire_reservations.enqueue()
    return due


@task()
def expire_reservations() -> int:
    """Expire every overdue reservation and return its units to stock."""
    return services.expire_due()
