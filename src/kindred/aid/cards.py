"""The aid app's cards on the home page (declared in contrib.py): what waits for someone
today. Each returns its template's context in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.utils import timezone

from .models import Booking, DistributionDay, HelpRequest, OutgoingMessage, Reservation

WAITING = (HelpRequest.Status.SUBMITTED, HelpRequest.Status.IN_REVIEW)
EXPIRING_WITHIN = timedelta(days=2)


def requests_waiting(request: HttpRequest) -> dict:
    """Requests waiting for review: how many, and since when the oldest has waited."""
    found = HelpRequest.objects.filter(organization=request.org, status__in=WAITING).aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    return {"count": found["count"], "oldest": found["oldest"]}


def distribution_days(request: HttpRequest) -> dict:
    """Today's distribution days and the next one, with their bookings by outcome."""
    today = timezone.localdate()
    days = list(
        DistributionDay.objects.filter(organization=request.org, date__gte=today, cancelled=False)
        .select_related("site")
        .annotate(
            booked=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)),
            collected=Count("bookings", filter=Q(bookings__status=Booking.Status.ATTENDED)),
            no_shows=Count("bookings", filter=Q(bookings__status=Booking.Status.NO_SHOW)),
        )
        .order_by("date", "starts_at", "pk")[:6]
    )
    todays = [d for d in days if d.date == today]
    later = [d for d in days if d.date > today][:1]
    return {"today": todays, "next": later}


def reservations_expiring(request: HttpRequest) -> dict:
    """Reserved goods that go back to stock within two days unless they are collected."""
    soon = Reservation.objects.filter(
        organization=request.org,
        status=Reservation.Status.ACTIVE,
        expires_at__lte=timezone.now() + EXPIRING_WITHIN,
    )
    first = list(soon.select_related("household", "site").order_by("expires_at", "pk")[:5])
    return {"count": soon.count(), "first": first}


def message_problems(request: HttpRequest) -> dict | None:
    """Messages to households (booking links, confirmations, reminders) that failed, being
    tried again or given up, newest first; no card when there are none."""
    failing = OutgoingMessage.objects.filter(
        organization=request.org, sent_at__isnull=True, attempts__gt=0
    )
    first = list(failing.select_related("booking").order_by("-created_at", "-pk")[:5])
    if not first:
        return None
    return {"count": failing.count(), "first": first}
