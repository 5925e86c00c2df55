"""The handouts API: hand out a reservation (everything, part, substitution), a second
time 409; no-show; walk-in with eligibility (only coordinators may override); list and
detail; another organisation's reservation is 404."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.aid.models import Booking, EligibilityRule, Reservation
from kindred.goods.models import StockBalance
from tests.aid.builders import cap, family, help_request
from tests.aid.station_builders import book, reserve
from tests.conftest import api_caller, make_location, snapshot, stock

JACKETS = [("child-winter-jacket", ["110", "116"], 2, 3), ("toy", [], 1, 1)]


@pytest.fixture
def shelf(org, site):
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "child-winter-jacket-116": 2, "toy": 10}})
    return shelf


@pytest.fixture
def request_(org):
    return help_request(org, family(org, "Petrov", children=[2016]), JACKETS)


@pytest.fixture
def reservation(org, shelf, request_):
    return reserve(org, request_, [(shelf, "child-winter-jacket-110", 2), (shelf, "toy", 1)])


@pytest.fixture
def call(org, volunteer):
    return api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")


def toys(org, shelf):
    with scope(organization=org):
        return StockBalance.objects.get(location=shelf, item_type__code="toy").quantity


def test_hand_out_everything_then_a_second_time_is_409(org, call, reservation, shelf):
    response = call("post", f"/reservations/{reservation.pk}/hand-out", {})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "full" and body["reservation_id"] == reservation.pk
    assert sorted(line["quantity"] for line in body["lines"]) == [1, 2]
    before = snapshot(org)
    again = call("post", f"/reservations/{reservation.pk}/hand-out", {"lines": None})
    assert again.status_code == 409
    assert "already handed out" in again.json()["detail"]
    assert snapshot(org) == before
    detail = call("get", f"/handouts/{body['id']}")
    assert detail.status_code == 200 and detail.json()["reference"] == body["reference"]
    listing = call("get", "/handouts?kind=full")
    assert [h["id"] for h in listing.json()["items"]] == [body["id"]]
    assert call("get", "/handouts?kind=walk_in").json()["count"] == 0


def test_partial_with_substitution(org, call, reservation, shelf):
    with scope(organization=org):
        jacket_line, toy_line = list(reservation.lines.order_by("pk"))
    response = call(
        "post",
        f"/reservations/{reservation.pk}/hand-out",
        {
            "lines": [
                {"line_id": jacket_line.pk, "quantity": 0},
                {"line_id": toy_line.pk, "quantity": 1},
            ],
            "substitutions": [
                {
                    "line_id": jacket_line.pk,
                    "location_id": shelf.pk,
                    "item_type": "child-winter-jacket",
                    "size": "116",
                    "quantity": 1,
                }
            ],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "partial"
    assert sorted((line["size"], line["substitute"]) for line in body["lines"]) == [
        ("", False),
        ("116", True),
    ]
    with scope(organization=org):
        j110 = StockBalance.objects.get(location=shelf, size="110")
    assert (j110.quantity, j110.reserved) == (Decimal(5), Decimal(0))


def test_a_line_of_another_reservation_is_422(org, call, reservation, shelf, request_):
    other = reserve(org, request_, [(shelf, "toy", 1)])
    with scope(organization=org):
        foreign = other.lines.get()
    response = call(
        "post",
        f"/reservations/{reservation.pk}/hand-out",
        {"lines": [{"line_id": foreign.pk, "quantity": 1}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.line_id"


def test_no_show(org, call, site, request_, reservation):
    booking = book(org, request_, site)
    response = call("post", f"/bookings/{booking.pk}/no-show")
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"
    with scope(organization=org):
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.NO_SHOW
        assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.ACTIVE
    assert call("post", f"/bookings/{booking.pk}/no-show").status_code == 409


def test_walk_in_with_a_rule(org, call, coordinator, site, shelf):
    household = family(org, "Ivanova")
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    payload = {
        "site_id": site.pk,
        "household_id": household.pk,
        "lines": [{"location_id": shelf.pk, "item_type": "toy", "quantity": 2}],
    }
    refused = call("post", "/handouts/walk-in", payload)
    assert refused.status_code == 409
    assert refused.json()["detail"]
    denied = call("post", "/handouts/walk-in", {**payload, "override_reason": "Please"})
    assert denied.status_code == 422
    assert denied.json()["errors"][0]["field"] == "override_reason"
    assert toys(org, shelf) == Decimal(10)
    as_coordinator = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    done = as_coordinator("post", "/handouts/walk-in", {**payload, "override_reason": "Fire"})
    assert done.status_code == 201, done.json()
    assert done.json()["kind"] == "walk_in"
    assert toys(org, shelf) == Decimal(8)


def test_another_organisations_reservation_is_404(org, other_org, outsider, reservation):
    call = api_caller(other_org, outsider, f"/api/v1/organizations/{other_org.slug}/aid")
    assert call("post", f"/reservations/{reservation.pk}/hand-out", {}).status_code == 404


def test_walk_in_for_an_ineligible_household_through_the_api_is_409_and_the_ledger_is_unchanged(
    org, coordinator, site, shelf
):
    household = family(org, "Ivanova")
    cap(org, "toy", 1)
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    before = snapshot(org)  # balances, movements, handouts, overrides and the audit count
    refused = call(
        "post",
        "/handouts/walk-in",
        {
            "site_id": site.pk,
            "household_id": household.pk,
            "lines": [{"location_id": shelf.pk, "item_type": "toy", "quantity": 2}],
        },
    )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("At most 1 unit of Toys")
    assert snapshot(org) == before
