"""Handouts under real concurrency, on PostgreSQL (pattern of tests/goods/test_concurrency.py):
threads start together on a barrier, each with its own connection, and commit real
transactions.

(a) Eight stations hand out the same reservation at once: exactly one succeeds, there is
    one Handout row, and the balance is what one handout leaves.
(b) Walk-in handouts take available stock while a reservation of the same balance is
    handed out: the balance never goes negative and reserved never exceeds the quantity.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope

from kindred.aid.models import Handout, HandoutLine, NeedLine, Reservation
from kindred.aid.services import handouts
from kindred.goods.models import StockBalance
from kindred.goods.queries import verify_balances
from tests import committing
from tests.aid.builders import family, help_request
from tests.aid.station_builders import reserve
from tests.concurrency import run_together
from tests.conftest import admin_of, item_type, make_location, make_site, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


def _jackets(org, shelf) -> StockBalance:
    with scope(organization=org):
        return StockBalance.objects.get(
            location=shelf, item_type=item_type(org, "child-winter-jacket"), size="110"
        )


@pytest.mark.parametrize("stations", [2, 8])
def test_stations_handing_out_the_same_reservation_exactly_one_succeeds(org, stations):
    site = make_site(org, "Lageret")
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 4}})
    request = help_request(
        org, family(org, "Petrov"), [("child-winter-jacket", ["110"], 2, 3), ("toy", [], 1, 1)]
    )
    reservation = reserve(org, request, [(shelf, "child-winter-jacket-110", 2), (shelf, "toy", 1)])
    actor = admin_of(org)

    def work(_n: int) -> None:
        with scope(organization=org):
            # Each station loaded the reservation while it was still active.
            mine = Reservation.objects.get(pk=reservation.pk)
            handouts.hand_out_reservation(reservation=mine, actor=actor)

    results = Counter(run_together(stations, work))
    assert results == {"ok": 1, "AidError": stations - 1}, results
    jackets = _jackets(org, shelf)
    assert (jackets.quantity, jackets.reserved) == (Decimal(3), Decimal(0))
    with scope(organization=org):
        assert Handout.objects.filter(reservation=reservation).count() == 1
        assert HandoutLine.objects.filter(handout__reservation=reservation).count() == 2
        assert Reservation.objects.get(pk=reservation.pk).status == "handed_out"
        assert [n.handed_out for n in NeedLine.objects.filter(request=request)] == [2, 1]
        assert verify_balances(org) == []


def test_walk_ins_and_a_reserved_handout_of_one_balance_never_oversell(org):
    site = make_site(org, "Lageret")
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 6}})
    request = help_request(org, family(org, "Petrov"), [("child-winter-jacket", ["110"], 3, 3)])
    reservation = reserve(org, request, [(shelf, "child-winter-jacket-110", 3)])
    jacket = item_type(org, "child-winter-jacket")
    actor = admin_of(org)
    walk_ins = [family(org, f"Walkin{n}") for n in range(10)]

    def work(n: int) -> None:
        with scope(organization=org):
            if n == 0:
                handouts.hand_out_reservation(
                    reservation=Reservation.objects.get(pk=reservation.pk), actor=actor
                )
            else:
                handouts.hand_out_walk_in(
                    org=org,
                    site=site,
                    household=walk_ins[n - 1],
                    lines=[
                        {
                            "location": shelf,
                            "item_type": jacket,
                            "size": "110",
                            "grade": "good",
                            "quantity": 1,
                        }
                    ],
                    actor=actor,
                )

    results = run_together(11, work)
    assert results[0] == "ok", results  # the reserved units were there for the household
    walk_in_results = Counter(results[1:])
    # 3 of the 6 were available: exactly three walk-ins got one.
    assert walk_in_results == {"ok": 3, "StockError": 7}, walk_in_results
    jackets = _jackets(org, shelf)
    assert jackets.quantity == Decimal(0)
    assert Decimal(0) <= jackets.reserved <= jackets.quantity
    with scope(organization=org):
        assert Handout.objects.filter(kind="walk_in").count() == 3
        assert verify_balances(org) == []
