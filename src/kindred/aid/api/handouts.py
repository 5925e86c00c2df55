"""Aid API: handouts. Thin: parse, resolve ids within the organisation, call one service
or query. A reservation already handed out answers 409; stock that is gone answers the
ledger's 409; an eligibility failure answers 409 with the failed rules; a booking for
another day or a reservation held at another site answers 409 on "confirm" until confirmed."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.models import Site
from kindred.core.roles import Action, can
from kindred.core.services import Invalid
from kindred.goods.api.common import item_type_of
from kindred.goods.models import Location
from kindred.people.models import Household

from ..models import Booking, Handout, Reservation, ReservationLine
from ..queries import station as queries
from ..services import handouts as services
from .common import ORG, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Units = Annotated[int, Field(ge=0, le=100_000)]
GradeName = Literal["new", "good", "used", "worn"]
Size = Annotated[str, Field(max_length=10, description="A size of the item type, or empty.")]
ItemTypeRef = Annotated[
    int | str,
    Field(description="An item type's id, or its catalogue code (e.g. child-winter-jacket)."),
]


class HandoutLineOut(Schema):
    id: int
    need_id: int | None
    location_id: int
    item_type_id: int
    size: str
    grade: str
    quantity: int
    substitute: bool


class HandoutOut(Schema):
    id: int
    number: int
    reference: str
    kind: Literal["full", "partial", "walk_in"]
    household_id: int
    request_id: int | None
    reservation_id: int | None
    booking_id: int | None
    site_id: int
    note: str
    created_at: datetime
    lines: list[HandoutLineOut]


class HandoutFilter(Schema):
    site: int | None = Field(None, ge=1, le=MAX_ID, description="Only this site.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Only this household.")
    kind: Literal["full", "partial", "walk_in"] | None = None
    date_from: date | None = None
    date_to: date | None = None


class HandOutLineIn(Schema):
    line_id: Id = Field(..., description="A line of the reservation.")
    quantity: Units = Field(..., description="Reserved units given (the rest is released).")


class SubstitutionIn(Schema):
    line_id: Id = Field(..., description="The reservation line whose units it replaces.")
    location_id: Id
    item_type: ItemTypeRef
    size: Size = ""
    grade: GradeName = "good"
    quantity: Annotated[int, Field(ge=1, le=100_000)]


class HandOutIn(Schema):
    lines: list[HandOutLineIn] | None = Field(
        None, max_length=500, description="null: everything reserved."
    )
    substitutions: list[SubstitutionIn] = Field([], max_length=100)
    booking_id: Id | None = None
    note: str = Field("", max_length=300)
    site_id: Id | None = Field(
        None,
        description=(
            "The site where the goods are handed out (the station's). Default: the booking's "
            "day's site, else the reservation's site."
        ),
    )
    confirm: list[Literal["other_day", "other_site"]] = Field(
        [],
        max_length=2,
        description=(
            "Hand out although the station would warn: `other_day` — the household's booking "
            "is for another day than today; `other_site` — the reservation is held at another "
            "site than `site_id`. Without the confirmation such a handout answers 409 with "
            'the field "confirm" and a message naming the day or site; with it the handout '
            "is recorded and the audit log names what was confirmed."
        ),
    )


class WalkInLineIn(Schema):
    location_id: Id
    item_type: ItemTypeRef
    size: Size = ""
    grade: GradeName = "good"
    quantity: Annotated[int, Field(ge=1, le=100_000)]


class WalkInIn(Schema):
    site_id: Id
    household_id: Id
    lines: list[WalkInLineIn] = Field(..., min_length=1, max_length=200)
    override_reason: str = Field(
        "", max_length=2000, description="Coordinators: lets failed eligibility rules through."
    )
    note: str = Field("", max_length=300)


class StationBookingOut(Schema):
    id: int
    code: str
    status: Literal["booked", "cancelled", "attended", "no_show"]
    request_id: int
    household_id: int
    slot_start: datetime | None


def _detail(request: HttpRequest, handout_id: int) -> Handout:
    handout = queries.handout_detail(request.org, handout_id)
    if handout is None:
        raise Http404
    return handout


def _location(org, location_id: int, field: str) -> Location:
    found = Location.objects.filter(organization=org, pk=location_id).first()
    if found is None:
        raise Invalid(_("There is no such location."), field=field)
    return found


@router.get(
    ORG + "/aid/handouts",
    response={200: list[HandoutOut], **ERRORS},
    summary="Handouts, newest first",
)
@org_endpoint(Action.HAND_OUT)
@paginate(PagePagination)
def handout_list(request: HttpRequest, slug: str, filters: Query[HandoutFilter]):
    return queries.handouts(
        request.org,
        site_id=filters.site,
        household_id=filters.household,
        kind=filters.kind or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )


@router.post(
    ORG + "/aid/handouts/walk-in",
    response={201: HandoutOut, **ERRORS},
    summary="Hand out goods to a household without a request (eligibility rules apply)",
)
@org_endpoint(Action.HAND_OUT)
def handout_walk_in(request: HttpRequest, slug: str, payload: WalkInIn):
    org = request.org
    site = Site.objects.filter(organization=org, pk=payload.site_id).first()
    if site is None:
        raise Invalid(_("Choose a site of this organisation."), field="site_id")
    household = Household.objects.filter(organization=org, pk=payload.household_id).first()
    if household is None:
        raise Invalid(_("Choose a household of this organisation."), field="household_id")
    if payload.override_reason.strip() and not can(request.role, Action.REVIEW_REQUESTS):
        raise Invalid(
            _("Only a coordinator can let a failed eligibility rule through."),
            field="override_reason",
        )
    handout = services.hand_out_walk_in(
        org=org,
        site=site,
        household=household,
        lines=[
            {
                "location": _location(org, line.location_id, f"lines.{i}.location_id"),
                "item_type": item_type_of(org, line.item_type, f"lines.{i}.item_type"),
                "size": line.size,
                "grade": line.grade,
                "quantity": line.quantity,
            }
            for i, line in enumerate(payload.lines)
        ],
        actor=request.user,
        override_reason=payload.override_reason,
        note=payload.note,
    )
    return Status(201, _detail(request, handout.pk))


@router.get(
    ORG + "/aid/handouts/{handout_id}",
    response={200: HandoutOut, **ERRORS},
    summary="One handout with its lines",
)
@org_endpoint(Action.HAND_OUT)
def handout_detail(request: HttpRequest, slug: str, handout_id: int):
    if not 0 < handout_id <= MAX_ID:
        raise Http404
    return _detail(request, handout_id)


@router.post(
    ORG + "/aid/reservations/{reservation_id}/hand-out",
    response={201: HandoutOut, **ERRORS},
    summary="Hand out a reservation: everything, part of it, or with substitutions",
)
@org_endpoint(Action.HAND_OUT)
def reservation_hand_out(request: HttpRequest, slug: str, reservation_id: int, payload: HandOutIn):
    org = request.org
    if not 0 < reservation_id <= MAX_ID:
        raise Http404
    reservation = get_object_or_404(Reservation, pk=reservation_id)
    lines = {line.pk: line for line in ReservationLine.objects.filter(reservation=reservation)}

    def line_of(line_id: int, field: str) -> ReservationLine:
        if line_id not in lines:
            raise Invalid(_("Choose a line of this reservation."), field=field)
        return lines[line_id]

    booking = None
    if payload.booking_id is not None:
        booking = Booking.objects.filter(organization=org, pk=payload.booking_id).first()
        if booking is None:
            raise Invalid(_("This booking is for another request."), field="booking_id")
    site = None
    if payload.site_id is not None:
        site = Site.objects.filter(organization=org, pk=payload.site_id).first()
        if site is None:
            raise Invalid(_("Choose a site of this organisation."), field="site_id")
    handout = services.hand_out_reservation(
        reservation=reservation,
        actor=request.user,
        lines=None
        if payload.lines is None
        else [
            {"line": line_of(line.line_id, f"lines.{i}.line_id"), "quantity": line.quantity}
            for i, line in enumerate(payload.lines)
        ],
        substitutions=[
            {
                "line": line_of(sub.line_id, f"substitutions.{i}.line_id"),
                "location": _location(org, sub.location_id, f"substitutions.{i}.location_id"),
                "item_type": item_type_of(org, sub.item_type, f"substitutions.{i}.item_type"),
                "size": sub.size,
                "grade": sub.grade,
                "quantity": sub.quantity,
            }
            for i, sub in enumerate(payload.substitutions)
        ],
        booking=booking,
        note=payload.note,
        site=site,
        confirm=payload.confirm,
    )
    return Status(201, _detail(request, handout.pk))


@router.post(
    ORG + "/aid/bookings/{booking_id}/no-show",
    response={200: StationBookingOut, **ERRORS},
    summary="Record that the household did not come to its slot",
)
@org_endpoint(Action.HAND_OUT)
def booking_no_show(request: HttpRequest, slug: str, booking_id: int):
    if not 0 < booking_id <= MAX_ID:
        raise Http404
    booking = get_object_or_404(Booking, pk=booking_id)
    return services.record_no_show(booking=booking, actor=request.user)
