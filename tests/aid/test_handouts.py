"""The handout services: a reservation handed out in full, in part (the rest released),
with a substitution; a no-show; a walk-in that obeys the eligibility rules; and a second
handout of the same reservation refused with nothing changed."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.aid.models import (
    Booking,
    EligibilityOverride,
    EligibilityRule,
    Handout,
    HelpRequest,
    NeedLine,
    Reservation,
)
from kindred.aid.services import handouts
from kindred.aid.services.common import AidError, NotEligible
from kindred.core.services import Invalid
from kindred.goods.models import Movement, StockBalance
from kindred.goods.services import StockError
from tests.aid.builders import family, help_request
from tests.aid.station_builders import book, reserve
from tests.conftest import audit_count, item_type, make_location, make_site, snapshot, stock

JACKETS = [("child-winter-jacket", ["110", "116"], 2, 3), ("toy", [], 1, 1)]


def row(org, location, code):
    base, _, size = code.rpartition("-") if code[-1].isdigit() else (code, "", "")
    with scope(organization=org):
        return StockBalance.objects.get(
            location=location, item_type=item_type(org, base), size=size, grade="good"
        )


@pytest.fixture
def shelf(org, site):
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "child-winter-jacket-116": 2, "toy": 10}})
    return shelf


@pytest.fixture
def request_(org):
    return help_request(org, family(org, "Petrov", children=[2016, 2019]), JACKETS)


@pytest.fixture
def reservation(org, shelf, request_):
    return reserve(org, request_, [(shelf, "child-winter-jacket-110", 2), (shelf, "toy", 1)])


def needs(org, request):
    with scope(organization=org):
        return [n.handed_out for n in NeedLine.objects.filter(request=request).order_by("pk")]


def lines_of(org, reservation):
    with scope(organization=org):
        return list(reservation.lines.order_by("pk"))


def test_full_handout_gives_everything_reserved(org, admin, shelf, request_, reservation):
    audits = audit_count(org)
    with scope(organization=org):
        handout = handouts.hand_out_reservation(reservation=reservation, actor=admin)
        reservation.refresh_from_db()
        assert handout.kind == Handout.Kind.FULL
        assert handout.reference == f"U-{handout.number}"
        assert reservation.status == Reservation.Status.HANDED_OUT
        assert reservation.closed_at is not None
        assert sorted((hl.item_type.code, hl.quantity) for hl in handout.lines.all()) == [
            ("child-winter-jacket", 2),
            ("toy", 1),
        ]
        kinds = sorted(
            Movement.objects.filter(document_type="handout", document_id=handout.pk).values_list(
                "kind", flat=True
            )
        )
        assert kinds == ["handout", "handout", "release", "release"]
        request_.refresh_from_db()
        assert request_.status == HelpRequest.Status.CLOSED
    jackets = row(org, shelf, "child-winter-jacket-110")
    assert (jackets.quantity, jackets.reserved) == (Decimal(3), Decimal(0))
    toys = row(org, shelf, "toy")
    assert (toys.quantity, toys.reserved) == (Decimal(9), Decimal(0))
    assert needs(org, request_) == [2, 1]
    assert audit_count(org) > audits


def test_partial_handout_releases_the_rest(org, admin, shelf, request_, reservation):
    jacket_line, toy_line = lines_of(org, reservation)
    with scope(organization=org):
        handout = handouts.hand_out_reservation(
            reservation=reservation,
            actor=admin,
            lines=[{"line": jacket_line, "quantity": 1}, {"line": toy_line, "quantity": 0}],
        )
        assert handout.kind == Handout.Kind.PARTIAL
        assert [hl.quantity for hl in handout.lines.all()] == [1]
        request_.refresh_from_db()
        assert request_.status != HelpRequest.Status.CLOSED
    jackets = row(org, shelf, "child-winter-jacket-110")
    # Only what was given left the shelf; nothing stays reserved.
    assert (jackets.quantity, jackets.reserved) == (Decimal(4), Decimal(0))
    toys = row(org, shelf, "toy")
    assert (toys.quantity, toys.reserved) == (Decimal(10), Decimal(0))
    assert needs(org, request_) == [1, 0]


def test_substitution_takes_available_stock_and_releases_what_it_replaces(
    org, admin, shelf, request_, reservation
):
    jacket_line, _toy = lines_of(org, reservation)
    with scope(organization=org):
        handout = handouts.hand_out_reservation(
            reservation=reservation,
            actor=admin,
            substitutions=[
                {
                    "line": jacket_line,
                    "location": shelf,
                    "item_type": item_type(org, "child-winter-jacket"),
                    "size": "116",
                    "grade": "good",
                    "quantity": 1,
                }
            ],
        )
        assert handout.kind == Handout.Kind.FULL
        given = sorted(
            (hl.item_type.code, hl.size, hl.quantity, hl.substitute) for hl in handout.lines.all()
        )
    assert given == [
        ("child-winter-jacket", "110", 1, False),
        ("child-winter-jacket", "116", 1, True),
        ("toy", "", 1, False),
    ]
    j110 = row(org, shelf, "child-winter-jacket-110")
    assert (j110.quantity, j110.reserved) == (Decimal(4), Decimal(0))
    assert row(org, shelf, "child-winter-jacket-116").quantity == Decimal(1)
    assert needs(org, request_) == [2, 1]


def test_a_second_handout_of_the_same_reservation_is_refused_and_changes_nothing(
    org, admin, reservation
):
    with scope(organization=org):
        handouts.hand_out_reservation(reservation=reservation, actor=admin)
    before = snapshot(org)
    with scope(organization=org):
        stale = Reservation.objects.get(pk=reservation.pk)
        stale.status = Reservation.Status.ACTIVE  # a station that loaded it earlier
        with pytest.raises(AidError) as error:
            handouts.hand_out_reservation(reservation=stale, actor=admin)
    assert "already handed out" in error.value.message
    assert snapshot(org) == before
    with scope(organization=org):
        assert Handout.objects.filter(reservation=reservation).count() == 1


def test_an_expired_reservation_cannot_be_handed_out(org, admin, reservation):
    with scope(organization=org):
        Reservation.objects.filter(pk=reservation.pk).update(status=Reservation.Status.EXPIRED)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError):
        handouts.hand_out_reservation(reservation=reservation, actor=admin)
    assert snapshot(org) == before


def test_more_than_reserved_is_refused(org, admin, reservation):
    jacket_line, _toy = lines_of(org, reservation)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid):
        handouts.hand_out_reservation(
            reservation=reservation, actor=admin, lines=[{"line": jacket_line, "quantity": 3}]
        )
    assert snapshot(org) == before


def test_nothing_chosen_is_refused(org, admin, reservation):
    lines = lines_of(org, reservation)
    with scope(organization=org), pytest.raises(Invalid):
        handouts.hand_out_reservation(
            reservation=reservation,
            actor=admin,
            lines=[{"line": line, "quantity": 0} for line in lines],
        )


def test_a_substitute_from_another_site_is_refused(org, admin, reservation):
    elsewhere = make_location(org, make_site(org, "Butikken"), "Shelf B")
    stock(org, {elsewhere: {"child-winter-jacket-116": 3}})
    jacket_line, _toy = lines_of(org, reservation)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        handouts.hand_out_reservation(
            reservation=reservation,
            actor=admin,
            substitutions=[
                {
                    "line": jacket_line,
                    "location": elsewhere,
                    "item_type": item_type(org, "child-winter-jacket"),
                    "size": "116",
                    "grade": "good",
                    "quantity": 1,
                }
            ],
        )
    assert error.value.field == "substitutions.0.location"
    assert snapshot(org) == before


def test_stock_gone_refuses_and_changes_nothing(org, admin, shelf, reservation):
    jacket_line, _toy = lines_of(org, reservation)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError):
        handouts.hand_out_reservation(
            reservation=reservation,
            actor=admin,
            substitutions=[
                {
                    "line": jacket_line,
                    "location": shelf,
                    "item_type": item_type(org, "child-winter-jacket"),
                    "size": "122",
                    "grade": "good",
                    "quantity": 1,
                }
            ],
        )
    assert snapshot(org) == before


def test_the_live_booking_is_marked_collected(org, admin, site, request_, reservation):
    booking = book(org, request_, site, code="ABCD2345")
    with scope(organization=org):
        handout = handouts.hand_out_reservation(reservation=reservation, actor=admin)
        booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert handout.booking_id == booking.pk


def test_no_show_keeps_the_reservation(org, admin, site, request_, reservation):
    booking = book(org, request_, site)
    audits = audit_count(org)
    with scope(organization=org):
        handouts.record_no_show(booking=booking, actor=admin)
        booking.refresh_from_db()
        reservation.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert reservation.status == Reservation.Status.ACTIVE
    assert audit_count(org) == audits + 1
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError):
        handouts.record_no_show(booking=booking, actor=admin)
    assert snapshot(org) == before


def walk_in(org, site, shelf, household, actor, **kwargs):
    with scope(organization=org):
        return handouts.hand_out_walk_in(
            org=org,
            site=site,
            household=household,
            lines=[
                {
                    "location": shelf,
                    "item_type": item_type(org, "toy"),
                    "size": "",
                    "grade": "good",
                    "quantity": 2,
                }
            ],
            actor=actor,
            **kwargs,
        )


def test_walk_in_takes_available_stock(org, volunteer, site, shelf):
    household = family(org, "Ivanova")
    handout = walk_in(org, site, shelf, household, volunteer)
    assert handout.kind == Handout.Kind.WALK_IN
    assert handout.reservation_id is None and handout.request_id is None
    assert row(org, shelf, "toy").quantity == Decimal(8)


def test_walk_in_cannot_take_reserved_stock(org, volunteer, site, shelf, request_):
    reserve(org, request_, [(shelf, "toy", 1)])  # 10 in stock, 1 of them reserved
    household = family(org, "Ivanova")
    with scope(organization=org), pytest.raises(StockError):
        handouts.hand_out_walk_in(
            org=org,
            site=site,
            household=household,
            lines=[
                {
                    "location": shelf,
                    "item_type": item_type(org, "toy"),
                    "size": "",
                    "grade": "good",
                    "quantity": 10,
                }
            ],
            actor=volunteer,
        )


def test_walk_in_obeys_an_eligibility_rule(org, coordinator, volunteer, site, shelf):
    household = family(org, "Ivanova")
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    before = snapshot(org)
    with pytest.raises(NotEligible) as error:
        walk_in(org, site, shelf, household, volunteer)
    assert error.value.failures and error.value.failures[0]["message"]
    assert snapshot(org) == before

    handout = walk_in(org, site, shelf, household, coordinator, override_reason="Emergency")
    assert handout.kind == Handout.Kind.WALK_IN
    with scope(organization=org):
        override = EligibilityOverride.objects.get()
    assert override.reason == "Emergency" and override.household_id == household.pk
    assert row(org, shelf, "toy").quantity == Decimal(8)


def test_walk_in_at_a_location_of_another_site_is_refused(org, volunteer, site, shelf):
    other = make_site(org, "Butikken")
    with pytest.raises(Invalid):
        walk_in(org, other, shelf, family(org, "Ivanova"), volunteer)
