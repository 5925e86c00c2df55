"""Distribution days, their slots and households' bookings (ADR 0013, point 6).

A day at a site runs from `starts_at` to `ends_at` (wall-clock times in the organisation's
time zone) in whole slots of `slot_minutes`, each taking at most `capacity` households.

A request has at most one live booking (status BOOKED; a database constraint): booking
again moves it, and a booking without a day is a link sent before a slot was chosen.
Capacity is checked under a row lock on the distribution day (select_for_update), so two
households cannot both take a slot's last place: the second one waits for the first's
commit and then sees the slot full.

Messages (confirmation, cancellation notice) are recorded in the same transaction and go
out after commit (services/messaging.py).
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Mapping
from datetime import date as date_type
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core import audit
from kindred.core.models import Organization, Site, User
from kindred.core.services import Invalid, NotFound, update_and_audit

from ..models import Booking, DistributionDay, HelpRequest
from ..queries.slots import (
    BOOKABLE_REQUESTS,
    BOOKED,
    day_bounds,
    slot_starts,
    slots,
)
from ..queries.slots import _taken_now as _taken
from ..queries.slots import waiting_requests as _waiting_requests
from . import messaging
from .common import AidError, random_code

AUDIT: dict = {
    "aid.day_created": gettext_lazy("Distribution day planned"),
    "aid.day_changed": gettext_lazy("Distribution day changed"),
    "aid.day_cancelled": gettext_lazy("Distribution day cancelled"),
    "aid.booked": gettext_lazy("Pickup slot booked"),
    "aid.rebooked": gettext_lazy("Pickup slot moved"),
    "aid.booking_cancelled": gettext_lazy("Booking cancelled"),
    "aid.slots_assigned": gettext_lazy("Pickup slots assigned automatically"),
    "aid.booking_link_sent": gettext_lazy("Booking link sent to a household"),
}

DAY_FIELDS = ("site", "date", "starts_at", "ends_at", "slot_minutes", "capacity", "note")
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 600
MAX_CAPACITY = 1000
CODE_LENGTH = 8


# Slots ---------------------------------------------------------------------------------------


# Days ----------------------------------------------------------------------------------------


def wall_clock(value: Any, *, on: Any, org: Organization, field: str) -> Any:
    """A day's hours are the site's wall-clock times. A time given with a UTC offset
    ("10:00:00Z", "09:00+01:00") is read as that moment on the day's date and turned into the
    organisation's time zone (daylight saving included); one that falls on another date
    there is refused. Anything else is returned as it came, for `_check_day` to judge."""
    if not isinstance(value, time) or value.tzinfo is None or not isinstance(on, date_type):
        return value
    moment = datetime.combine(on, value).astimezone(zoneinfo.ZoneInfo(org.time_zone))
    if moment.date() != on:
        raise Invalid(
            _("In the organisation's time zone this time falls on another day."), field=field
        )
    return moment.time().replace(tzinfo=None)


def _check_day(day: DistributionDay) -> None:
    """The day's own rules, as translated field errors (422)."""
    if day.site_id is None:
        raise Invalid(_("Choose a site."), field="site")
    if day.site.organization_id != day.organization_id or day.site.archived:
        raise Invalid(_("Choose one of the organisation's sites."), field="site")
    if not isinstance(day.date, date_type):
        raise Invalid(_("Enter a date."), field="date")
    # Hours are the site's wall-clock times: a time with a UTC offset ("10:00+01:00") is
    # none, and could neither be compared with a stored one nor be stored.
    if not isinstance(day.starts_at, time) or day.starts_at.tzinfo is not None:
        raise Invalid(_("Enter a time."), field="starts_at")
    if not isinstance(day.ends_at, time) or day.ends_at.tzinfo is not None:
        raise Invalid(_("Enter a time."), field="ends_at")
    if day.ends_at <= day.starts_at:
        raise Invalid(_("The day must end after it starts."), field="ends_at")
    minutes = day.slot_minutes
    if not isinstance(minutes, int) or not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        raise Invalid(
            _("A slot lasts from %(min)s to %(max)s minutes.")
            % {"min": MIN_SLOT_MINUTES, "max": MAX_SLOT_MINUTES},
            field="slot_minutes",
        )
    start, end = day_bounds(day)
    if start + timedelta(minutes=minutes) > end:
        raise Invalid(
            _("The slot is longer than the opening hours: make it shorter or open longer."),
            field="slot_minutes",
        )
    if not isinstance(day.capacity, int) or not 1 <= day.capacity <= MAX_CAPACITY:
        raise Invalid(
            _("Each slot takes from 1 to %(max)s households.") % {"max": MAX_CAPACITY},
            field="capacity",
        )
    if len(day.note or "") > 300:
        raise Invalid(_("Use at most %(max)s characters.") % {"max": 300}, field="note")


def _check_bookings_fit(day: DistributionDay) -> None:
    """After a change, every live booking must still sit in a slot of the day with room."""
    taken = _taken(day)
    if not taken:
        return
    if day.cancelled:
        return
    starts = set(slot_starts(day))
    for start, count in taken.items():
        if start not in starts:
            raise AidError(
                _(
                    "Households are booked at times this change would remove: move their "
                    "bookings first."
                ),
                field="starts_at",
            )
        if count > day.capacity:
            raise AidError(
                _("%(n)s households are already booked in one slot: the capacity cannot be lower.")
                % {"n": count},
                field="capacity",
            )


@transaction.atomic
def create_day(
    *,
    org: Organization,
    site: Site,
    date: date_type,
    starts_at: time,
    ends_at: time,
    slot_minutes: int = 15,
    capacity: int = 4,
    note: str = "",
    actor: User | None,
) -> DistributionDay:
    """Plan a distribution day at a site."""
    starts_at = wall_clock(starts_at, on=date, org=org, field="starts_at")
    ends_at = wall_clock(ends_at, on=date, org=org, field="ends_at")
    day = DistributionDay(
        organization=org,
        site=site,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        slot_minutes=slot_minutes,
        capacity=capacity,
        note=(note or "").strip(),
        created_by=actor,
    )
    _check_day(day)
    day.save()
    audit.log(
        org=org,
        actor=actor,
        action="aid.day_created",
        obj=day,
        changes={f: [None, getattr(day, f)] for f in DAY_FIELDS},
    )
    return day


def _lock_day(org: Organization, day: DistributionDay) -> DistributionDay:
    locked = (
        DistributionDay.objects.select_for_update(of=("self",))
        .select_related("site", "organization")
        .filter(organization=org, pk=day.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("There is no such distribution day."))
    return locked


@transaction.atomic
def update_day(
    *, org: Organization, day: DistributionDay, values: Mapping[str, Any], actor: User | None
) -> DistributionDay:
    """Change a day's site, date, hours, slot length, capacity or note. Refused when a
    booked household's slot would vanish or a slot would hold more than the capacity."""
    unknown = set(values) - set(DAY_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    locked = _lock_day(org, day)
    if locked.cancelled:
        raise AidError(_("This distribution day was cancelled."))
    values = dict(values)
    if "note" in values:
        values["note"] = (values["note"] or "").strip()
    for field in ("starts_at", "ends_at"):
        if field in values:
            on = values.get("date", locked.date)
            values[field] = wall_clock(values[field], on=on, org=org, field=field)

    def check(changed: list[str]) -> None:
        if changed:
            _check_day(locked)
            _check_bookings_fit(locked)

    update_and_audit(
        locked,
        values,
        DAY_FIELDS,
        org=org,
        actor=actor,
        action="aid.day_changed",
        validate=(),  # _check_day says what is wrong in the day's own words
        check=check,
    )
    return locked


@transaction.atomic
def cancel_day(
    *, org: Organization, day: DistributionDay, actor: User | None, base_url: str | None = None
) -> int:
    """Cancel a day: its live bookings are cancelled and each household is told (with its
    link, to choose another day). Returns the number of bookings cancelled."""
    locked = _lock_day(org, day)
    if locked.cancelled:
        raise AidError(_("This distribution day was already cancelled."))
    locked.cancelled = True
    locked.save(update_fields=["cancelled"])
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(organization=org, day=locked, status=BOOKED)
        .select_related("request__organization", "request__applicant", "organization")
        .order_by("pk")
    )
    for booking in bookings:
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        booking.day = locked
        messaging.send_day_cancelled(booking=booking, base_url=base_url)
    audit.log(
        org=org,
        actor=actor,
        action="aid.day_cancelled",
        obj=locked,
        changes={"cancelled": [False, True], "bookings": [None, len(bookings)]},
    )
    day.cancelled = True
    return len(bookings)


# Bookings ------------------------------------------------------------------------------------


def _new_code(org: Organization) -> str:
    """8 random characters, unique in the organisation (checked; the constraint is the
    backstop against a race, see _save_new)."""
    for _attempt in range(20):
        code = random_code(CODE_LENGTH)
        if not Booking.objects.filter(organization=org, code=code).exists():
            return code
    raise AidError(_("No free booking code was found; try again."))  # pragma: no cover


def _save_new(booking: Booking) -> None:
    """Insert a booking; on the (astronomically rare) clash of codes, draw another one."""
    for _attempt in range(5):
        booking.token = secrets.token_urlsafe(32)
        booking.code = _new_code(booking.organization)
        try:
            with transaction.atomic():
                booking.save()
            return
        except IntegrityError as error:
            if Booking.objects.filter(request_id=booking.request_id, status=BOOKED).exists():
                raise AidError(_("This request already has a booking.")) from error
    raise AidError(_("No free booking code was found; try again."))  # pragma: no cover


def _check_request(request: HelpRequest) -> None:
    if request.status not in BOOKABLE_REQUESTS:
        raise AidError(
            _("Only an approved request can get a pickup slot."),
            field="request",
        )


def _place(
    org: Organization,
    day: DistributionDay,
    slot_start: datetime,
    *,
    moving: Booking | None,
    now: datetime | None = None,
) -> DistributionDay:
    """Lock the day and check that `slot_start` is one of its slots with a free place.
    Returns the locked day. The lock is what makes the capacity check safe."""
    locked = _lock_day(org, day)
    if locked.cancelled:
        raise AidError(_("This distribution day was cancelled."), field="day")
    if slot_start is None or timezone.is_naive(slot_start):
        raise Invalid(_("Choose a time."), field="slot_start")
    starts = slot_starts(locked)
    if slot_start not in starts:
        raise Invalid(_("Choose one of the day's times."), field="slot_start")
    now = now or timezone.now()
    if slot_start + timedelta(minutes=locked.slot_minutes) <= now:
        raise AidError(_("This time is already over: choose a later one."), field="slot_start")
    taken = _taken(locked, exclude=moving.pk if moving is not None else None)
    if taken.get(slot_start, 0) >= locked.capacity:
        raise AidError(_("This time is fully booked: choose another one."), field="slot_start")
    return locked


def live_booking(request: HelpRequest, *, lock: bool = False) -> Booking | None:
    qs = Booking.objects.filter(organization_id=request.organization_id, request=request)
    if lock:
        qs = qs.select_for_update()
    return qs.filter(status=BOOKED).first()


@transaction.atomic
def open_link(*, request: HelpRequest, actor: User | None) -> Booking:
    """The request's live booking, or a new one without a slot yet: its personal link lets
    the household choose a time itself."""
    existing = live_booking(request, lock=True)
    if existing is not None:
        return existing
    _check_request(request)
    booking = Booking(
        organization_id=request.organization_id,
        request=request,
        household_id=request.household_id,
        created_by=actor,
    )
    booking.organization = request.organization
    _save_new(booking)
    return booking


def book(
    *,
    request: HelpRequest,
    day: DistributionDay,
    slot_start: datetime,
    actor: User | None = None,
    base_url: str | None = None,
    notify: bool = True,
) -> Booking:
    """Book the request's household into a slot. A request has at most one live booking:
    if it has one (with or without a slot), that booking is moved here."""
    org = request.organization
    with transaction.atomic():
        if day.organization_id != org.pk:
            raise NotFound(_("There is no such distribution day."))
        _check_request(request)
        # The day's lock first: the same request booked twice at once then moves its one
        # live booking instead of the second insert failing on the constraint.
        _lock_day(org, day)
        existing = live_booking(request, lock=True)
        locked = _place(org, day, slot_start, moving=existing)
        if existing is not None:
            return _move(existing, locked, slot_start, actor=actor, base_url=base_url)
        booking = Booking(
            organization=org,
            request=request,
            household_id=request.household_id,
            day=locked,
            slot_start=slot_start,
            created_by=actor,
        )
        _save_new(booking)
        audit.log(
            org=org,
            actor=actor,
            action="aid.booked",
            obj=booking,
            changes={"day": [None, str(locked)], "slot_start": [None, slot_start.isoformat()]},
        )
        if notify:
            messaging.send_confirmation(booking=booking, base_url=base_url)
    return booking


def _move(
    booking: Booking,
    day: DistributionDay,
    slot_start: datetime,
    *,
    actor: User | None,
    base_url: str | None,
) -> Booking:
    old_day, old_start = booking.day, booking.slot_start
    if booking.day_id == day.pk and booking.slot_start == slot_start:
        return booking
    booking.day = day
    booking.slot_start = slot_start
    booking.reminder_sent_at = None  # a new slot gets its own reminder
    booking.save(update_fields=["day", "slot_start", "reminder_sent_at", "updated_at"])
    audit.log(
        org=booking.organization,
        actor=actor,
        action="aid.rebooked" if old_day is not None else "aid.booked",
        obj=booking,
        changes={
            "day": [str(old_day) if old_day else None, str(day)],
            "slot_start": [old_start.isoformat() if old_start else None, slot_start.isoformat()],
        },
    )
    messaging.send_confirmation(booking=booking, base_url=base_url)
    return booking


@transaction.atomic
def rebook(
    *,
    booking: Booking,
    day: DistributionDay,
    slot_start: datetime,
    actor: User | None = None,
    base_url: str | None = None,
) -> Booking:
    """Move a booking to another slot (or give a link without a slot its first one). A
    booking cancelled with its day (or by the household) comes back to life when its
    request has no other live booking, so the same link keeps working."""
    org = booking.organization
    if day.organization_id != org.pk:
        raise NotFound(_("There is no such distribution day."))
    # Day before booking, as book() does: two writers never wait on each other in a circle.
    _lock_day(org, day)
    locked_booking = Booking.objects.select_for_update().filter(pk=booking.pk).first()
    if locked_booking is None:
        raise NotFound(_("There is no such booking."))
    if locked_booking.status in (Booking.Status.ATTENDED, Booking.Status.NO_SHOW):
        raise AidError(_("This pickup is over: the booking cannot be changed."))
    request = HelpRequest.objects.select_related("organization").get(pk=locked_booking.request_id)
    _check_request(request)
    if locked_booking.status == Booking.Status.CANCELLED:
        other = live_booking(request, lock=True)
        if other is not None:
            raise AidError(_("This request already has another booking."))
        locked_day = _place(org, day, slot_start, moving=None)
        locked_booking.status = BOOKED
        locked_booking.day = None
        locked_booking.slot_start = None
        locked_booking.save(update_fields=["status", "updated_at"])
    else:
        locked_day = _place(org, day, slot_start, moving=locked_booking)
    return _move(locked_booking, locked_day, slot_start, actor=actor, base_url=base_url)


@transaction.atomic
def cancel_booking(*, booking: Booking, actor: User | None = None) -> Booking:
    """Cancel a live booking: its place is free again. The link stays valid to book again."""
    locked = Booking.objects.select_for_update().filter(pk=booking.pk).first()
    if locked is None:
        raise NotFound(_("There is no such booking."))
    if locked.status != BOOKED:
        raise AidError(_("Only a booked slot can be cancelled."))
    locked.status = Booking.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit.log(
        org=locked.organization,
        actor=actor,
        action="aid.booking_cancelled",
        obj=locked,
        changes={"status": [BOOKED.value, Booking.Status.CANCELLED.value]},
    )
    booking.status = locked.status
    return locked


# Day actions ---------------------------------------------------------------------------------


def assign_slots(*, day: DistributionDay, actor: User | None, base_url: str | None = None) -> int:
    """Give every household with an active reservation at the day's site and no booked slot
    a slot of this day, earliest slots first, never over capacity. Returns how many were
    booked (fewer than waiting when the day is full)."""
    org = day.organization
    assigned = 0
    with transaction.atomic():
        locked = _lock_day(org, day)
        if locked.cancelled:
            raise AidError(_("This distribution day was cancelled."))
        now = timezone.now()
        taken = _taken(locked)
        free = [slot for slot in slots(locked, taken=taken) if slot.free > 0 and slot.end > now]
        queue = [[slot.start, slot.free] for slot in free]
        for request in _waiting_requests(locked):
            while queue and queue[0][1] <= 0:
                queue.pop(0)
            if not queue:
                break
            start = queue[0][0]
            book(request=request, day=locked, slot_start=start, actor=actor, base_url=base_url)
            queue[0][1] -= 1
            assigned += 1
        if assigned:
            audit.log(
                org=org,
                actor=actor,
                action="aid.slots_assigned",
                obj=locked,
                changes={"bookings": [None, assigned]},
            )
    return assigned


def send_links(
    *, day: DistributionDay, actor: User | None, base_url: str | None = None
) -> tuple[int, int]:
    """Send each household of the day its personal link: those booked on the day, and those
    with an active reservation at the site and no slot yet (a link without a slot is opened
    for them, to choose one). Returns (sent, without an address)."""
    org = day.organization
    sent = missing = 0
    with transaction.atomic():
        locked = _lock_day(org, day)
        if locked.cancelled:
            raise AidError(_("This distribution day was cancelled."))
        bookings = list(
            Booking.objects.filter(organization=org, day=locked, status=BOOKED)
            .select_related("request__organization", "request__applicant", "day__site")
            .order_by("slot_start", "pk")
        )
        for request in _waiting_requests(locked):
            bookings.append(open_link(request=request, actor=actor))
        for booking in bookings:
            message = messaging.queue_message(
                booking=booking, kind=messaging.Kind.BOOKING_LINK, base_url=base_url
            )
            if message is None:
                missing += 1
            else:
                sent += 1
        if sent:
            audit.log(
                org=org,
                actor=actor,
                action="aid.booking_link_sent",
                obj=locked,
                changes={"messages": [None, sent]},
            )
    return sent, missing
