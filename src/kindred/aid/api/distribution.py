"""Aid API: distribution days, their slots, and bookings. Thin: parse, resolve ids, call one
service or query. A service's error answers with its status (409 a full slot, 422 a bad
field) naming the field."""

from datetime import date as Date
from datetime import datetime, time
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import WithJsonSchema

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.models import Site
from kindred.core.roles import Action
from kindred.core.services import Invalid

from ..models import Booking, DistributionDay, HelpRequest
from ..queries import distribution as queries
from ..services import distribution as services
from ..services import messaging
from .common import ORG, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A day's hours are the site's wall-clock times in the organisation's time zone, answered as
# "09:30:00", without a UTC offset (which the JSON Schema format "time" would require, so
# the document gives a pattern instead). They may be sent with one ("08:30:00Z",
# "09:30+01:00"): the service turns it into the organisation's time on the day's date.
HOURS = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?"
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{HOURS}$",
            "description": "Wall-clock time in the organisation's time zone (HH:MM:SS).",
        }
    ),
]
LocalTimeIn = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{HOURS}(Z|z|[+-][01][0-9]:?[0-5][0-9])?$",
            "description": (
                "Wall-clock time in the organisation's time zone (HH:MM or HH:MM:SS); with a "
                "UTC offset (Z, +01:00) it is converted to the organisation's time zone on "
                "the day's date."
            ),
        }
    ),
]


class DayIn(Schema):
    site_id: Id
    date: Date
    starts_at: LocalTimeIn
    ends_at: LocalTimeIn
    slot_minutes: int = Field(15, ge=1, le=32000)
    capacity: int = Field(4, ge=1, le=32000)
    note: str = Field("", max_length=300)


class DayPatch(Schema):
    site_id: Id | None = None
    date: Date | None = None
    starts_at: LocalTimeIn | None = None
    ends_at: LocalTimeIn | None = None
    slot_minutes: int | None = Field(None, ge=1, le=32000)
    capacity: int | None = Field(None, ge=1, le=32000)
    note: str | None = Field(None, max_length=300)


class DayOut(Schema):
    id: int
    site_id: int
    date: Date
    starts_at: LocalTime
    ends_at: LocalTime
    slot_minutes: int
    capacity: int
    note: str
    cancelled: bool
    created_at: datetime


class SlotOut(Schema):
    start: datetime = Field(..., description="In the organisation's time zone.")
    end: datetime
    booked: int
    free: int


class DayFilter(Schema):
    when: Literal["upcoming", "past", "all"] = "upcoming"
    site: int | None = Field(None, ge=1, le=MAX_ID, description="Only this site.")
    q: str = Field("", max_length=200, description="Search the note and the site's name.")


class BookingIn(Schema):
    request_id: Id
    day_id: Id
    slot_start: datetime = Field(..., description="A slot's start, with its UTC offset.")
    notify: bool = Field(
        True,
        description=(
            "Send the household its confirmation (e-mail or SMS). false: book without a "
            "message, e.g. when the household is at the desk or on the phone."
        ),
    )


class BookingOut(Schema):
    id: int
    request_id: int
    household_id: int
    day_id: int | None
    slot_start: datetime | None
    status: str
    code: str
    reminder_sent_at: datetime | None
    created_at: datetime


class BookingFilter(Schema):
    code: str = Field(
        "", max_length=20, description="The booking's code, as the household reads it out."
    )
    day: int | None = Field(None, ge=1, le=MAX_ID)
    request: int | None = Field(None, ge=1, le=MAX_ID)
    status: Literal["booked", "cancelled", "attended", "no_show", ""] = ""


class SendLinkQuery(Schema):
    channel: Literal["email", "sms", ""] = Field(
        "", description="email or sms; empty: e-mail when there is an address, else SMS."
    )


class MessageOut(Schema):
    id: int
    channel: str
    kind: str
    recipient: str
    created_at: datetime


def _site(request: HttpRequest, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    found = Site.objects.filter(organization=request.org, pk=site_id).first()
    if found is None:
        raise Invalid(_("Choose one of the organisation's sites."), field="site_id")
    return found


def _day(request: HttpRequest, day_id: int) -> DistributionDay:
    return get_object_or_404(
        DistributionDay.objects.select_related("site", "organization"),
        organization=request.org,
        pk=day_id,
    )


@router.get(
    ORG + "/aid/days",
    response={200: list[DayOut], **ERRORS},
    summary="Distribution days",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
@paginate(PagePagination)
def day_list(request: HttpRequest, slug: str, filters: Query[DayFilter]):
    return queries.days(
        request.org, when=filters.when, site_id=filters.site, search=filters.q.strip()
    )


@router.post(
    ORG + "/aid/days",
    response={201: DayOut, **ERRORS},
    summary="Plan a distribution day",
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def day_create(request: HttpRequest, slug: str, payload: DayIn):
    day = services.create_day(
        org=request.org,
        site=_site(request, payload.site_id),
        date=payload.date,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        slot_minutes=payload.slot_minutes,
        capacity=payload.capacity,
        note=payload.note,
        actor=request.user,
    )
    return Status(201, day)


@router.get(
    ORG + "/aid/days/{day_id}",
    response={200: DayOut, **ERRORS},
    summary="A distribution day",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
def day_detail(request: HttpRequest, slug: str, day_id: Id):
    return _day(request, day_id)


@router.patch(
    ORG + "/aid/days/{day_id}",
    response={200: DayOut, **ERRORS},
    summary='Change a distribution day (or cancel it with {"cancelled": true})',
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def day_update(request: HttpRequest, slug: str, day_id: Id, payload: DayPatch):
    day = _day(request, day_id)
    values = payload.dict(exclude_unset=True)
    if "site_id" in values:
        values["site"] = _site(request, values.pop("site_id"))
    for field in ("site", "date", "starts_at", "ends_at", "slot_minutes", "capacity"):
        if field in values and values[field] is None:
            raise Invalid(_("This field is required."), field=field)
    return services.update_day(org=request.org, day=day, values=values, actor=request.user)


@router.post(
    ORG + "/aid/days/{day_id}/cancel",
    response={200: DayOut, **ERRORS},
    summary="Cancel a distribution day: its bookings are cancelled and households told",
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def day_cancel(request: HttpRequest, slug: str, day_id: Id):
    day = _day(request, day_id)
    services.cancel_day(
        org=request.org, day=day, actor=request.user, base_url=request.build_absolute_uri("/")
    )
    return _day(request, day_id)


@router.get(
    ORG + "/aid/days/{day_id}/slots",
    response={200: list[SlotOut], **ERRORS},
    summary="A day's slots with booked and free places",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
def day_slots(request: HttpRequest, slug: str, day_id: Id):
    return services.slots(_day(request, day_id))


@router.get(
    ORG + "/aid/bookings",
    response={200: list[BookingOut], **ERRORS},
    summary="Bookings",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
@paginate(PagePagination)
def booking_list(request: HttpRequest, slug: str, filters: Query[BookingFilter]):
    return queries.bookings(
        request.org,
        day_id=filters.day,
        request_id=filters.request,
        status=filters.status,
        code=filters.code,
    )


@router.post(
    ORG + "/aid/bookings",
    response={201: BookingOut, **ERRORS},
    summary="Book a request's household into a slot (moves its live booking, if any)",
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def booking_create(request: HttpRequest, slug: str, payload: BookingIn):
    help_request = HelpRequest.objects.filter(organization=request.org, pk=payload.request_id)
    found = help_request.select_related("organization").first()
    if found is None:
        raise Invalid(_("There is no such request."), field="request_id")
    day = DistributionDay.objects.filter(organization=request.org, pk=payload.day_id).first()
    if day is None:
        raise Invalid(_("There is no such distribution day."), field="day_id")
    booking = services.book(
        request=found,
        day=day,
        slot_start=payload.slot_start,
        actor=request.user,
        base_url=request.build_absolute_uri("/"),
        notify=payload.notify,
    )
    return Status(201, booking)


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("request__organization", "day__site", "organization"),
        organization=request.org,
        pk=booking_id,
    )


@router.post(
    ORG + "/aid/bookings/{booking_id}/cancel",
    response={200: BookingOut, **ERRORS},
    summary="Cancel a booking",
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def booking_cancel(request: HttpRequest, slug: str, booking_id: Id):
    return services.cancel_booking(booking=_booking(request, booking_id), actor=request.user)


@router.post(
    ORG + "/aid/bookings/{booking_id}/send-link",
    response={201: MessageOut, **ERRORS},
    summary="Send the household its personal booking link (e-mail, else SMS)",
)
@org_endpoint(Action.MANAGE_DISTRIBUTION)
def booking_send_link(
    request: HttpRequest, slug: str, booking_id: Id, options: Query[SendLinkQuery]
):
    message = messaging.send_booking_link(
        booking=_booking(request, booking_id),
        channel=options.channel or None,
        actor=request.user,
        base_url=request.build_absolute_uri("/"),
    )
    return Status(201, message)
