"""Aid matrix: the handout station's pages and the handouts API.

build() stocks a "Station shelf" of its own, gives the world's household a request of its
own (so no other builder's booking or reservation is in the way) with a reservation of
2 jackets 110 and 1 toy and a booking (code STATION7) today, a second request already
handed out (for the handout pages), and a household without anything reserved for the
walk-in endpoints."""

from django_scopes import scope

from kindred.aid.models import Booking, Handout, Reservation
from kindred.aid.services import handouts
from kindred.core.roles import Action
from kindred.goods.models import StockBalance
from tests.aid.builders import family, help_request
from tests.aid.station_builders import book, reserve
from tests.conftest import item_type, make_location, stock
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

CODE = "STATION7"


def build(world, owner) -> None:
    org = world.org
    shelf = make_location(org, world.site, "Station shelf", kind="shelf")
    stock(org, {shelf: {"child-winter-jacket-110": 3, "toy": 5}})
    request = help_request(
        org,
        world.household,
        [("child-winter-jacket", ["110"], 2, 3), ("toy", [], 1, 1)],
        created_by=owner,
    )
    reservation = reserve(
        org, request, [(shelf, "child-winter-jacket-110", 2), (shelf, "toy", 1)], actor=owner
    )
    booking = book(org, request, world.site, code=CODE)
    done_request = help_request(org, world.household, [("toy", [], 1, 1)], created_by=owner)
    done_reservation = reserve(org, done_request, [(shelf, "toy", 1)], actor=owner)
    with scope(organization=org):
        handout = handouts.hand_out_reservation(reservation=done_reservation, actor=owner)
        toys = StockBalance.objects.get(location=shelf, item_type=item_type(org, "toy"))
    world.aid.update(
        station_shelf=shelf,
        station_reservation=reservation,
        station_booking=booking,
        station_handout=handout,
        station_walk_in=family(org, "Walkin"),
        station_toys=toys.pk,
    )


def _walk_in_household(w) -> dict:
    return {"household_id": w.aid["station_walk_in"].pk}


def _reservation(w) -> dict:
    return {"reservation_id": w.aid["station_reservation"].pk}


# What the writes change (Endpoint.effect).


def _handed_out(w) -> bool:
    """Everything reserved is handed out: a full handout of the reservation, which is
    handed out now."""
    reservation = w.aid["station_reservation"]
    return (
        Handout.objects.filter(reservation=reservation, kind=Handout.Kind.FULL).exists()
        and Reservation.objects.filter(
            pk=reservation.pk, status=Reservation.Status.HANDED_OUT
        ).exists()
    )


def _no_show(w) -> bool:
    return Booking.objects.filter(
        pk=w.aid["station_booking"].pk, status=Booking.Status.NO_SHOW
    ).exists()


def _walked_in(w) -> bool:
    """The walk-in household took 1 toy from the station shelf."""
    return Handout.objects.filter(
        household=w.aid["station_walk_in"],
        kind=Handout.Kind.WALK_IN,
        site=w.site,
        lines__location=w.aid["station_shelf"],
        lines__item_type__code="toy",
        lines__quantity=1,
    ).exists()


PAGES: list = [
    Endpoint("page", "aid:station", "GET", Action.HAND_OUT),
    Endpoint("page", "aid:station-booking", "GET", Action.HAND_OUT, lambda w: {"code": CODE}),
    Endpoint("page", "aid:station-household", "GET", Action.HAND_OUT, _walk_in_household),
    Endpoint(
        "page",
        "aid:station-hand-out",
        "POST",
        Action.HAND_OUT,
        _reservation,
        lambda w: {f"r{w.aid['station_reservation'].pk}-mode": "all"},
        effect=_handed_out,
        audit="aid.handed_out",
    ),
    Endpoint(
        "page",
        "aid:station-no-show",
        "POST",
        Action.HAND_OUT,
        lambda w: {"booking_id": w.aid["station_booking"].pk},
        effect=_no_show,
        audit="aid.no_show",
    ),
    Endpoint(
        "page",
        "aid:station-walk-in",
        "POST",
        Action.HAND_OUT,
        _walk_in_household,
        lambda w: {"site": w.site.pk, f"take-{w.aid['station_toys']}": "1"},
        effect=_walked_in,
        audit="aid.walk_in",
    ),
    Endpoint(
        "page",
        "aid:station-handout",
        "GET",
        Action.HAND_OUT,
        lambda w: {"handout_id": w.aid["station_handout"].pk},
    ),
]

_AID = ORG_API_PREFIX + "/aid"

API: list = [
    Endpoint("api", _AID + "/handouts", "GET", Action.HAND_OUT),
    Endpoint(
        "api",
        _AID + "/handouts/{handout_id}",
        "GET",
        Action.HAND_OUT,
        lambda w: {"handout_id": w.aid["station_handout"].pk},
    ),
    Endpoint(
        "api",
        _AID + "/reservations/{reservation_id}/hand-out",
        "POST",
        Action.HAND_OUT,
        _reservation,
        lambda w: {"lines": None},
        effect=_handed_out,
        audit="aid.handed_out",
    ),
    Endpoint(
        "api",
        _AID + "/bookings/{booking_id}/no-show",
        "POST",
        Action.HAND_OUT,
        lambda w: {"booking_id": w.aid["station_booking"].pk},
        effect=_no_show,
        audit="aid.no_show",
    ),
    Endpoint(
        "api",
        _AID + "/handouts/walk-in",
        "POST",
        Action.HAND_OUT,
        data=lambda w: {
            "site_id": w.site.pk,
            "household_id": w.aid["station_walk_in"].pk,
            "lines": [
                {"location_id": w.aid["station_shelf"].pk, "item_type": "toy", "quantity": 1}
            ],
        },
        effect=_walked_in,
        audit="aid.walk_in",
    ),
]
