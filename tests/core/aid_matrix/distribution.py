"""Aid matrix: distribution days, bookings and their messages.

build() adds a day at the world's site a week ahead (10:00 to 12:00, 15-minute slots, 4 per
slot), a booking of the world's request at 10:00 (its applicant has a phone number, so
links go by SMS), and a waiting request of another household with an active reservation
at the site and no slot (what "assign slots" and "send links" act on). The reservation has
no lines: it sets nothing aside in the ledger, so no other endpoint's stock changes."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import Booking, DistributionDay, HelpRequest, OutgoingMessage, Reservation
from kindred.aid.services import distribution
from kindred.aid.services.common import number_for
from kindred.core.roles import Action
from kindred.people.models import Household
from tests.aid.builders import help_request
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

_DAYS = ORG_API_PREFIX + "/aid/days"
_DAY = _DAYS + "/{day_id}"
_BOOKINGS = ORG_API_PREFIX + "/aid/bookings"
_BOOKING = _BOOKINGS + "/{booking_id}"


def _slot_start(w, hhmm: str) -> datetime:
    day = w.aid["day"]
    tz = ZoneInfo(w.org.time_zone)
    return datetime.combine(day.date, time.fromisoformat(hhmm), tzinfo=tz)


def _slot(w, hhmm: str) -> str:
    return _slot_start(w, hhmm).isoformat()


def build(world, owner) -> None:
    org = world.org
    on = timezone.localdate(timezone=ZoneInfo(org.time_zone)) + timedelta(days=7)
    with scope(organization=org):
        day = distribution.create_day(
            org=org,
            site=world.site,
            date=on,
            starts_at=time(10),
            ends_at=time(12),
            slot_minutes=15,
            capacity=4,
            note="Matrix day",
            actor=owner,
        )
        booking = distribution.book(
            request=world.aid["request"],
            day=day,
            slot_start=datetime.combine(on, time(10), tzinfo=ZoneInfo(org.time_zone)),
            actor=owner,
            notify=False,
        )
        household = Household.objects.create(
            organization=org, label="Matrix waiting", created_by=owner
        )
    waiting = help_request(
        org, household, [("toy", [], 1, 1)], status=HelpRequest.Status.APPROVED, created_by=owner
    )
    with scope(organization=org):
        Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=waiting,
            household=household,
            site=world.site,
            expires_at=timezone.now() + timedelta(days=14),
            created_by=owner,
        )
    world.aid.update(day=day, booking=booking, waiting_request=waiting)


def _day(w) -> dict:
    return {"day_id": w.aid["day"].pk}


def _booking(w) -> dict:
    return {"booking_id": w.aid["booking"].pk}


def _day_form(w) -> dict:
    day = w.aid["day"]
    return {
        "site": w.site.pk,
        "date": day.date.isoformat(),
        "starts_at": "10:00",
        "ends_at": "12:00",
        "slot_minutes": "15",
        "capacity": "6",
        "note": "Changed",
    }


def _new_day(w) -> dict:
    return {**_day_form(w), "date": (w.aid["day"].date + timedelta(days=1)).isoformat()}


# What the writes change (Endpoint.effect).


def _day_planned(w) -> bool:
    """The page's new day: the day after the world's, 10:00 to 12:00, 6 per slot."""
    return DistributionDay.objects.filter(
        site=w.site,
        date=w.aid["day"].date + timedelta(days=1),
        starts_at=time(10),
        ends_at=time(12),
        slot_minutes=15,
        capacity=6,
        note="Changed",
    ).exists()


def _api_day_planned(w) -> bool:
    return DistributionDay.objects.filter(
        site=w.site,
        date=w.aid["day"].date + timedelta(days=1),
        starts_at=time(9),
        ends_at=time(10),
    ).exists()


def _day_edited(w) -> bool:
    return DistributionDay.objects.filter(pk=w.aid["day"].pk, capacity=6, note="Changed").exists()


def _day_cancelled(w) -> bool:
    """The day is cancelled, and with it its booking."""
    return (
        DistributionDay.objects.filter(pk=w.aid["day"].pk, cancelled=True).exists()
        and Booking.objects.filter(pk=w.aid["booking"].pk, status=Booking.Status.CANCELLED).exists()
    )


def _slot_assigned(w) -> bool:
    """The waiting request got a slot on the day."""
    return Booking.objects.filter(
        request=w.aid["waiting_request"],
        day=w.aid["day"],
        slot_start__isnull=False,
        status=Booking.Status.BOOKED,
    ).exists()


def _link_sent(w) -> bool:
    """The booking's link went to its applicant (by SMS: she has a phone, no e-mail)."""
    return OutgoingMessage.objects.filter(
        booking=w.aid["booking"],
        kind=OutgoingMessage.Kind.BOOKING_LINK,
        channel=OutgoingMessage.Channel.SMS,
    ).exists()


def _booked_at(hhmm: str):
    """The world's request is booked into the day's slot at `hhmm`."""
    return lambda w: Booking.objects.filter(
        request=w.aid["request"],
        day=w.aid["day"],
        slot_start=_slot_start(w, hhmm),
        status=Booking.Status.BOOKED,
    ).exists()


def _booking_cancelled(w) -> bool:
    return Booking.objects.filter(pk=w.aid["booking"].pk, status=Booking.Status.CANCELLED).exists()


PAGES = [
    Endpoint("page", "aid:days", "GET", Action.VIEW_DISTRIBUTION),
    Endpoint("page", "aid:day-new", "GET", Action.MANAGE_DISTRIBUTION),
    Endpoint(
        "page",
        "aid:day-new",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        data=_new_day,
        effect=_day_planned,
        audit="aid.day_created",
    ),
    Endpoint("page", "aid:day", "GET", Action.VIEW_DISTRIBUTION, _day),
    Endpoint("page", "aid:day-edit", "GET", Action.MANAGE_DISTRIBUTION, _day),
    Endpoint(
        "page",
        "aid:day-edit",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _day,
        _day_form,
        effect=_day_edited,
        audit="aid.day_changed",
    ),
    Endpoint(
        "page",
        "aid:day-cancel",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _day,
        effect=_day_cancelled,
        audit="aid.day_cancelled",
    ),
    Endpoint(
        "page",
        "aid:day-assign",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _day,
        effect=_slot_assigned,
        audit="aid.slots_assigned",
    ),
    Endpoint(
        "page",
        "aid:day-send-links",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _day,
        effect=_link_sent,
        audit="aid.booking_link_sent",
    ),
    Endpoint(
        "page",
        "aid:booking-new",
        "GET",
        Action.MANAGE_DISTRIBUTION,
        query=lambda w: {"request": w.aid["request"].pk, "day": w.aid["day"].pk},
    ),
    Endpoint(
        "page",
        "aid:booking-new",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        data=lambda w: {
            "request": w.aid["request"].pk,
            "day": w.aid["day"].pk,
            "slot_start": _slot(w, "10:15"),
        },
        effect=_booked_at("10:15"),
        audit="aid.rebooked",
    ),
    Endpoint(
        "page",
        "aid:booking-cancel",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _booking,
        effect=_booking_cancelled,
        audit="aid.booking_cancelled",
    ),
    Endpoint(
        "page",
        "aid:booking-send-link",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _booking,
        effect=_link_sent,
        audit="aid.booking_link_sent",
    ),
]

API = [
    Endpoint("api", _DAYS, "GET", Action.VIEW_DISTRIBUTION),
    Endpoint(
        "api",
        _DAYS,
        "POST",
        Action.MANAGE_DISTRIBUTION,
        data=lambda w: {
            "site_id": w.site.pk,
            "date": (w.aid["day"].date + timedelta(days=1)).isoformat(),
            "starts_at": "09:00",
            "ends_at": "10:00",
        },
        effect=_api_day_planned,
        audit="aid.day_created",
    ),
    Endpoint("api", _DAY, "GET", Action.VIEW_DISTRIBUTION, _day),
    Endpoint(
        "api",
        _DAY,
        "PATCH",
        Action.MANAGE_DISTRIBUTION,
        _day,
        lambda w: {"capacity": 5},
        effect=lambda w: DistributionDay.objects.filter(pk=w.aid["day"].pk, capacity=5).exists(),
        audit="aid.day_changed",
    ),
    Endpoint(
        "api",
        _DAY + "/cancel",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _day,
        effect=_day_cancelled,
        audit="aid.day_cancelled",
    ),
    Endpoint("api", _DAY + "/slots", "GET", Action.VIEW_DISTRIBUTION, _day),
    Endpoint("api", _BOOKINGS, "GET", Action.VIEW_DISTRIBUTION),
    Endpoint(
        "api",
        _BOOKINGS,
        "POST",
        Action.MANAGE_DISTRIBUTION,
        data=lambda w: {
            "request_id": w.aid["request"].pk,
            "day_id": w.aid["day"].pk,
            "slot_start": _slot(w, "10:30"),
        },
        effect=_booked_at("10:30"),
        audit="aid.rebooked",
    ),
    Endpoint(
        "api",
        _BOOKING + "/cancel",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _booking,
        effect=_booking_cancelled,
        audit="aid.booking_cancelled",
    ),
    Endpoint(
        "api",
        _BOOKING + "/send-link",
        "POST",
        Action.MANAGE_DISTRIBUTION,
        _booking,
        effect=_link_sent,
        audit="aid.booking_link_sent",
    ),
]
