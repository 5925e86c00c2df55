"""The slots of a distribution day and who still waits for one: reads, shared by the pages,
the API and the services that book (services/distribution.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kindred.core.models import Organization

from ..models import Booking, DistributionDay, HelpRequest, Reservation

BOOKED = Booking.Status.BOOKED
# Bookings that hold a place in their slot (a cancelled one frees it).
TAKING = (Booking.Status.BOOKED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW)
# Requests that may get a pickup slot.
BOOKABLE_REQUESTS = (HelpRequest.Status.APPROVED, HelpRequest.Status.FULFILLING)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the organisation's time zone
    end: datetime
    booked: int
    free: int


def zone(org: Organization) -> ZoneInfo:
    return ZoneInfo(org.time_zone)


def slot_starts(day: DistributionDay) -> list[datetime]:
    """The start of every whole slot of the day. Wall-clock arithmetic in the organisation's
    zone: a slot at 10:00 stays at 10:00 local time on a daylight-saving day."""
    tz = zone(day.organization)
    first = datetime.combine(day.date, day.starts_at, tzinfo=tz)
    last = datetime.combine(day.date, day.ends_at, tzinfo=tz)
    step = timedelta(minutes=day.slot_minutes)
    starts = []
    current = first
    while current + step <= last:
        starts.append(current)
        current = current + step
    return starts


def _taken_now(day: DistributionDay, *, exclude: int | None = None) -> Counter:
    qs = Booking.objects.filter(day=day, status__in=TAKING, slot_start__isnull=False)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return Counter(qs.values_list("slot_start", flat=True))


def slots(day: DistributionDay, *, taken: Counter | None = None) -> list[Slot]:
    """The day's slots with the places booked and free in each."""
    taken = _taken_now(day) if taken is None else taken
    step = timedelta(minutes=day.slot_minutes)
    result = []
    for start in slot_starts(day):
        booked = taken.get(start, 0)
        result.append(Slot(start, start + step, booked, max(0, day.capacity - booked)))
    return result


def day_bounds(day: DistributionDay) -> tuple[datetime, datetime]:
    tz = zone(day.organization)
    return (
        datetime.combine(day.date, day.starts_at, tzinfo=tz),
        datetime.combine(day.date, day.ends_at, tzinfo=tz),
    )


def waiting_requests(day: DistributionDay) -> list[HelpRequest]:
    """Requests with an active reservation at the day's site and no booked slot, oldest
    reservation first."""
    reserved = (
        Reservation.objects.filter(
            organization_id=day.organization_id,
            site_id=day.site_id,
            status=Reservation.Status.ACTIVE,
            request__status__in=BOOKABLE_REQUESTS,
        )
        .order_by("created_at", "pk")
        .values_list("request_id", flat=True)
    )
    ordered = list(dict.fromkeys(reserved))
    slotted = set(
        Booking.objects.filter(
            organization_id=day.organization_id,
            request_id__in=ordered,
            status=BOOKED,
            day__isnull=False,
        ).values_list("request_id", flat=True)
    )
    wanted = [pk for pk in ordered if pk not in slotted]
    by_pk = HelpRequest.objects.select_related("organization", "applicant").in_bulk(wanted)
    return [by_pk[pk] for pk in wanted if pk in by_pk]
