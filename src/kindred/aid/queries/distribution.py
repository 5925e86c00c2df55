"""Reads for distribution days and bookings: the days list, a day's slots with their
bookings, what a household's link page shows, and the calendar file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from icalendar import Calendar, Event, vText

from kindred.core.models import Organization
from kindred.goods.models import ItemType

from ..models import Booking, DistributionDay, HelpRequest, Reservation, ReservationLine
from .slots import Slot, slots, waiting_requests, zone

SORTS = {
    "date": ("date", "starts_at", "pk"),
    "-date": ("-date", "-starts_at", "-pk"),
}


def days(
    org: Organization,
    *,
    when: str = "upcoming",
    site_id: int | None = None,
    search: str = "",
    today: date | None = None,
) -> QuerySet[DistributionDay]:
    """Days of the organisation: `when` is "upcoming" (today on, soonest first), "past"
    (latest first) or "all"; search in the note and the site's name."""
    today = today or timezone.localdate(timezone=zone(org))
    qs = (
        DistributionDay.objects.filter(organization=org)
        .select_related("site")
        .annotate(
            booked=Count(
                "bookings",
                filter=Q(bookings__status__in=("booked", "attended", "no_show")),
                distinct=True,
            )
        )
    )
    if site_id:
        qs = qs.filter(site_id=site_id)
    if search:
        qs = qs.filter(Q(note__icontains=search) | Q(site__name__icontains=search))
    if when == "upcoming":
        return qs.filter(date__gte=today).order_by(*SORTS["date"])
    if when == "past":
        return qs.filter(date__lt=today).order_by(*SORTS["-date"])
    return qs.order_by(*SORTS["-date"])


@dataclass
class SlotRow:
    slot: Slot
    bookings: list[Booking] = field(default_factory=list)


def day_slots(day: DistributionDay) -> tuple[list[SlotRow], list[Booking]]:
    """The day's slots, each with its bookings (cancelled ones included, shown struck), and
    bookings whose time is no longer one of the day's slots."""
    bookings = list(
        Booking.objects.filter(day=day)
        .select_related("request", "household")
        .order_by("slot_start", "status", "pk")
    )
    taken: dict[datetime, int] = {}
    for b in bookings:
        if b.status != Booking.Status.CANCELLED and b.slot_start is not None:
            taken[b.slot_start] = taken.get(b.slot_start, 0) + 1
    rows = [SlotRow(slot) for slot in slots(day, taken=Counter(taken))]
    by_start = {row.slot.start: row for row in rows}
    stray = []
    for b in bookings:
        row = by_start.get(b.slot_start)
        if row is None:
            stray.append(b)
        else:
            row.bookings.append(b)
    return rows, stray


def waiting_count(day: DistributionDay) -> int:
    """Requests with an active reservation at the day's site and no booked slot yet."""
    return len(waiting_requests(day))


def bookable_requests(org: Organization) -> QuerySet[HelpRequest]:
    return (
        HelpRequest.objects.filter(
            organization=org,
            status__in=(HelpRequest.Status.APPROVED, HelpRequest.Status.FULFILLING),
        )
        .select_related("household")
        .order_by("-submitted_at", "-pk")
    )


def bookings(
    org: Organization,
    *,
    day_id: int | None = None,
    request_id: int | None = None,
    status: str = "",
    code: str = "",
) -> QuerySet[Booking]:
    """Bookings, newest first; `code` finds one by the code the household reads out (any
    case, spaces and dashes ignored)."""
    qs = Booking.objects.filter(organization=org).select_related("request", "day__site")
    code = "".join(ch for ch in code.upper() if ch.isalnum())
    if code:
        qs = qs.filter(code=code)
    if day_id:
        qs = qs.filter(day_id=day_id)
    if request_id:
        qs = qs.filter(request_id=request_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


# The household's link page ---------------------------------------------------------------


def find_booking(token: str) -> Booking | None:
    """The booking of a personal link (outside any scope: the caller activates it)."""
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return (
            Booking.objects.select_related(
                "organization", "request__organization", "day__site", "day__organization"
            )
            .filter(token=token)
            .first()
        )


@dataclass
class ReservedItem:
    label: str
    size: str
    quantity: int


def reserved_items(request: HelpRequest) -> list[ReservedItem]:
    """What is set aside for the request: item and quantity per size, no locations."""
    rows = list(
        ReservationLine.objects.filter(
            organization_id=request.organization_id,
            reservation__request=request,
            reservation__status=Reservation.Status.ACTIVE,
        )
        .values("item_type_id", "size")
        .annotate(total=Sum("quantity"))
        .order_by("item_type_id", "size")
    )
    types = ItemType.objects.in_bulk({r["item_type_id"] for r in rows})
    items = [ReservedItem(str(types[r["item_type_id"]].label), r["size"], r["total"]) for r in rows]
    return sorted(items, key=lambda i: (i.label, i.size))


@dataclass
class DayChoice:
    day: DistributionDay
    slots: list[Slot]


def day_choices(
    booking: Booking, *, now: datetime | None = None, limit: int = 10
) -> list[DayChoice]:
    """Upcoming, not cancelled days where the household can pick a slot: at the sites of
    the request's active reservations (any site when it has none), with a free slot that
    has not begun."""
    now = now or timezone.now()
    org = booking.organization
    today = timezone.localtime(now, zone(org)).date()
    site_ids = set(
        Reservation.objects.filter(
            organization=org, request_id=booking.request_id, status=Reservation.Status.ACTIVE
        ).values_list("site_id", flat=True)
    )
    qs = DistributionDay.objects.filter(
        organization=org, cancelled=False, date__gte=today, date__lte=today + timedelta(days=120)
    ).select_related("site", "organization")
    if site_ids:
        qs = qs.filter(site_id__in=site_ids)
    choices = []
    for day in qs.order_by("date", "starts_at", "pk")[: limit * 3]:
        free = [s for s in slots(day) if s.free > 0 and s.start > now]
        if free:
            choices.append(DayChoice(day, free))
        if len(choices) >= limit:
            break
    return choices


def calendar_file(booking: Booking, *, url: str = "") -> bytes:
    """An iCalendar file with one event: the booked slot at the site (RFC 5545)."""
    day = booking.day
    org = booking.organization
    start = timezone.localtime(booking.slot_start, zone(org))
    calendar = Calendar()
    calendar.add("prodid", "-//Kindred//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking.pk}-{booking.code}@kindred")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=day.slot_minutes))
    event.add("summary", _("Pickup at %(org)s") % {"org": org.name})
    location = ", ".join(p for p in [day.site.name, day.site.address] if p)
    event["location"] = vText(location)
    description = _("Booking code: %(code)s") % {"code": booking.code}
    if url:
        description += "\n" + url
        event.add("url", url)
    event.add("description", description)
    calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for the TZID of the start and end
    return calendar.to_ical()
