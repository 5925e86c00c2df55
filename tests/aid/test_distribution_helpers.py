"""Builders shared by the distribution, booking and reminder tests (no tests here).

`reservation()` writes a reservation row with its lines directly, as tests/aid/builders.py
does for requests: the booking services only read which site a request's goods wait at."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import HelpRequest, Reservation, ReservationLine
from kindred.aid.services import distribution
from kindred.aid.services.common import number_for
from kindred.people.models import HouseholdMember
from tests.aid.builders import family, help_request
from tests.conftest import admin_of, make_location

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def future(days: int = 3) -> date:
    return timezone.localdate(timezone=COPENHAGEN) + timedelta(days=days)


def make_day(
    org,
    site,
    *,
    on: date | None = None,
    start="10:00",
    end="11:00",
    minutes=15,
    capacity=2,
    note="",
    actor=None,
):
    with scope(organization=org):
        return distribution.create_day(
            org=org,
            site=site,
            date=on or future(),
            starts_at=time.fromisoformat(start),
            ends_at=time.fromisoformat(end),
            slot_minutes=minutes,
            capacity=capacity,
            note=note,
            actor=actor or admin_of(org),
        )


def local(day, hhmm: str) -> datetime:
    return datetime.combine(
        day.date, time.fromisoformat(hhmm), tzinfo=ZoneInfo(day.organization.time_zone)
    )


def household_request(org, name="Petrov", *, email="", phone="", language="", status=None):
    household = family(org, name, adults=1, children=[2016])
    request = help_request(
        org,
        household,
        [("child-winter-jacket", ["110"], 1, 3), ("toy", [], 2, 1)],
        status=status or HelpRequest.Status.APPROVED,
    )
    with scope(organization=org):
        head = HouseholdMember.objects.get(household=household, relation="head").person
        head.email = email
        head.phone = phone
        head.save(update_fields=["email", "phone"])
        if language:
            request.language = language
            request.save(update_fields=["language"])
        request.refresh_from_db()
    return request


def reservation(org, request, site, *, created_at=None) -> Reservation:
    location = make_location(org, site, "Shelf R")
    with scope(organization=org):
        reservation = Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=request,
            household=request.household,
            site=site,
            expires_at=timezone.now() + timedelta(days=14),
            created_at=created_at or timezone.now(),
        )
        for need in request.lines.all():
            ReservationLine.objects.create(
                organization=org,
                reservation=reservation,
                need=need,
                location=location,
                item_type=need.item_type,
                size=need.sizes[0] if need.sizes else "",
                grade="good",
                quantity=need.quantity,
            )
    return reservation


def book(org, request, day, hhmm="10:00", **kwargs):
    with scope(organization=org):
        return distribution.book(request=request, day=day, slot_start=local(day, hhmm), **kwargs)
