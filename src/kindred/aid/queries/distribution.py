"""Reads for distribution days and bookings: the days list, a day's slots with their
bookings, what a household's link page shows, and the calendar file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from icalendar import Calendar, Event, vText

from kindred.core.models import Organization, Site

from ..models import Booking, DistributionDay, HelpRequest, Reservation
from . import pickup
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


def _items(lines) -> list[ReservedItem]:
    totals: Counter = Counter()
    labels = {}
    for line in lines:
        totals[(line.item_type_id, line.size)] += line.quantity
        labels[line.item_type_id] = str(line.item_type.label)
    items = [ReservedItem(labels[t], size, total) for (t, size), total in totals.items()]
    return sorted(items, key=lambda i: (i.label, i.size))


def reserved_items(request: HelpRequest, site=None) -> list[ReservedItem]:
    """What is set aside for the request: item and quantity per size, no locations; with
    `site`, only what is held at that site (`pickup.at_site`, as the pick list and the
    station split it)."""
    lines = list(pickup.reserved_lines(request.organization, [request.pk]))
    if site is not None:
        lines, _elsewhere = pickup.at_site(lines, site.pk)
    return _items(lines)


@dataclass
class ReservedElsewhere:
    site: Site
    items: list[ReservedItem]


def reserved_elsewhere(request: HelpRequest, site) -> list[ReservedElsewhere]:
    """What is set aside for the request at other sites than `site` (its booked one)."""
    _here, elsewhere = pickup.at_site(
        pickup.reserved_lines(request.organization, [request.pk]), site.pk
    )
    by_site: dict[int, list] = {}
    sites = {}
    for line in elsewhere:
        by_site.setdefault(line.reservation.site_id, []).append(line)
        sites[line.reservation.site_id] = line.reservation.site
    return [
        ReservedElsewhere(sites[pk], _items(lines))
        for pk, lines in sorted(by_site.items(), key=lambda kv: sites[kv[0]].name)
    ]


@dataclass
class DayChoice:
    day: DistributionDay
    slots: list[Slot]
    current: datetime | None = None  # the household's booked slot on this day, if any


def day_choices(
    booking: Booking, *, now: datetime | None = None, limit: int = 10
) -> list[DayChoice]:
    """Upcoming, not cancelled days where the household can pick a slot: at the sites of
    the request's active reservations (any site when it has none), with a free slot that
    has not begun. The household's own booked slot is listed too (as `current`), even when
    it is full, so the page can show it chosen."""
    now = now or timezone.now()
    booked = booking.status == Booking.Status.BOOKED and booking.slot_start is not None
    own_day = booking.day_id if booked else None
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
        current = booking.slot_start if day.pk == own_day else None
        free = [s for s in slots(day) if s.start > now and (s.free > 0 or s.start == current)]
        if free:
            choices.append(DayChoice(day, free, current))
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
