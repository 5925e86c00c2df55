"""Where a household collects its goods, and what is reserved for it there (ADR 0022).

A request's pickup site is the site of its live booking for a day that has not passed, else
the site chosen on the request, else none yet. The allocation reserves a request's goods only
at that site; the booking page, the pick list and the station all read the reserved lines
through `reserved_lines()` and split them with `at_site()`, so what the booking page promises
for a site is what that site's pick list lists and its station offers without a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Organization, Site

from ..models import Booking, HelpRequest, Reservation, ReservationLine
from .slots import zone

# Where the pickup site came from.
BOOKING = "booking"
REQUEST = "request"
STOCK = "stock"  # none was known: the run chose the site holding most of what it needs
SOURCES = {
    BOOKING: _("booked time"),
    REQUEST: _("chosen on the request"),
    STOCK: _("not chosen yet: the site with most of what it needs"),
}


@dataclass(frozen=True)
class PickupSite:
    site: Site | None
    source: str = ""  # BOOKING, REQUEST, STOCK or "" (none)
    day: date | None = None  # the booked day

    @property
    def source_text(self) -> str:
        return str(SOURCES.get(self.source, ""))


def today_of(org: Organization) -> date:
    return timezone.localdate(timezone=zone(org))


def pickup_sites(
    org: Organization, requests: Iterable[HelpRequest], *, today: date | None = None
) -> dict[int, PickupSite]:
    """{request id: PickupSite} for the given requests (two queries, however many)."""
    requests = list(requests)
    today = today or today_of(org)
    booked = {
        b.request_id: b
        for b in Booking.objects.filter(
            organization=org,
            request_id__in=[r.pk for r in requests],
            status=Booking.Status.BOOKED,
            day__isnull=False,
            day__cancelled=False,
            day__date__gte=today,
        ).select_related("day__site")
    }
    chosen = Site.objects.in_bulk({r.pickup_site_id for r in requests if r.pickup_site_id})
    result = {}
    for request in requests:
        booking = booked.get(request.pk)
        if booking is not None:
            result[request.pk] = PickupSite(booking.day.site, BOOKING, booking.day.date)
        elif request.pickup_site_id in chosen:
            result[request.pk] = PickupSite(chosen[request.pickup_site_id], REQUEST)
        else:
            result[request.pk] = PickupSite(None)
    return result


def pickup_site(org: Organization, request: HelpRequest, *, today: date | None = None):
    return pickup_sites(org, [request], today=today)[request.pk]


def live_bookings(org: Organization, request_ids: Iterable[int]) -> dict[int, Booking]:
    """Each request's booked (not cancelled, not yet attended) booking, with its day's
    site: the day and the site the household comes on, which the station warns against
    and the handout checks."""
    return {
        b.request_id: b
        for b in Booking.objects.filter(
            organization=org, request_id__in=set(request_ids), status=Booking.Status.BOOKED
        ).select_related("day__site")
    }


def reserved_lines(org: Organization, request_ids: Iterable[int]) -> QuerySet[ReservationLine]:
    """The lines of the requests' active reservations, with what the pages show of them."""
    return (
        ReservationLine.objects.filter(
            organization=org,
            reservation__status=Reservation.Status.ACTIVE,
            reservation__request_id__in=list(request_ids),
        )
        .select_related(
            "location",
            "item_type",
            "reservation__site",
            "reservation__request",
            "reservation__household",
        )
        .order_by("location__name", "location_id", "item_type_id", "size", "pk")
    )


def at_site(lines: Iterable[ReservationLine], site_id: int | None):
    """(the lines of reservations held at `site_id`, the lines of those held elsewhere)."""
    here, elsewhere = [], []
    for line in lines:
        (here if line.reservation.site_id == site_id else elsewhere).append(line)
    return here, elsewhere


__all__ = [
    "BOOKING",
    "REQUEST",
    "SOURCES",
    "STOCK",
    "PickupSite",
    "at_site",
    "pickup_site",
    "pickup_sites",
    "reserved_lines",
    "today_of",
]
