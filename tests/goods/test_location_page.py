"""The location page a bin's label opens: where it is, what is inside, its stock and its
latest movements — of this organisation only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import Movement, StockBalance
from kindred.goods.services import ledger
from tests.conftest import item_type, make_location, make_site, stock


@pytest.fixture
def places(org, site):
    room = make_location(org, site, "Room 1", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    bin_ = make_location(org, site, "Bin 3", kind="bin", parent=shelf)
    return room, shelf, bin_


def section(body: str, heading: str) -> str:
    """The part of the page under an <h2> heading, up to the next one."""
    return body.split(f"<h2>{heading}")[1].split("<h2>")[0]


def page(client, org, location):
    response = client.get(reverse("goods:location", args=[org.slug, location.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_path_children_and_stock_with_reservations(
    org, places, volunteer, client_for
):
    room, shelf, bin_ = places
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}, bin_: {"toy": 7}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        ledger.record(
            org=org,
            moves=[
                ledger.Move(
                    kind=Movement.Kind.RESERVE,
                    item_type_id=jacket.pk,
                    size="110",
                    grade="good",
                    quantity=Decimal("2"),
                    from_location=shelf.pk,
                )
            ],
            actor=volunteer,
        )

    body = page(client_for(volunteer), org, shelf)

    assert "Lageret" in body and "Room 1" in body and shelf.code in body
    assert reverse("goods:location", args=[org.slug, room.pk]) in body  # up the path
    assert reverse("goods:location", args=[org.slug, bin_.pk]) in body  # a child
    assert "Children&#x27;s winter jacket" in body and ">110<" in body
    rows = section(body, "Stock here")
    assert ">5 <" in rows and ">2</td>" in rows and ">3 <" in rows
    assert ">7 <" not in rows  # the bin's toys are the bin's


def test_the_page_lists_recent_movements_with_kind_quantity_and_actor(
    org, places, volunteer, client_for
):
    _room, shelf, bin_ = places
    stock(org, {shelf: {"toy": 4}}, actor=volunteer)
    toy = item_type(org, "toy")
    with scope(organization=org):
        ledger.record(
            org=org,
            moves=[
                ledger.Move(
                    kind=Movement.Kind.TRANSFER,
                    item_type_id=toy.pk,
                    size="",
                    grade="good",
                    quantity=Decimal("1"),
                    from_location=shelf.pk,
                    to_location=bin_.pk,
                )
            ],
            actor=volunteer,
        )

    body = page(client_for(volunteer), org, shelf)

    movements = section(body, "Recent movements")
    assert "Intake" in movements and "Transfer" in movements
    assert "+4" in movements and "\N{MINUS SIGN}1" in movements
    assert reverse("goods:location", args=[org.slug, bin_.pk]) in movements
    assert volunteer.display_name in movements


def test_only_the_latest_50_movements_are_shown(org, places, volunteer, client_for):
    _room, shelf, _bin = places
    stock(org, {shelf: {"toy": 1}})
    for _ in range(54):
        stock(org, {shelf: {"toy": 1}})

    body = page(client_for(volunteer), org, shelf)

    assert section(body, "Recent movements").count("<time ") == 50
    assert "The 50 latest movements are shown." in body


def test_an_empty_location_says_so(org, places, volunteer, client_for):
    body = page(client_for(volunteer), org, places[2])

    assert "Nothing is stored here." in body
    assert "Nothing has moved in or out of here yet." in body


def test_the_page_offers_its_label(org, places, volunteer, client_for):
    bin_ = places[2]

    body = page(client_for(volunteer), org, bin_)

    assert reverse("goods:labels-pdf", args=[org.slug]) + f"?location={bin_.pk}" in body


def test_a_fundraiser_sees_the_stock_but_no_transfer_button(org, places, fundraiser, client_for):
    shelf = places[1]
    stock(org, {shelf: {"toy": 2}})

    body = page(client_for(fundraiser), org, shelf)

    assert "Move stock from here" not in body
    assert "?from_location=" not in body


def test_a_volunteer_can_start_a_transfer_from_here(org, places, volunteer, client_for):
    shelf = places[1]
    stock(org, {shelf: {"toy": 2}})

    body = page(client_for(volunteer), org, shelf)

    start = reverse("goods:transfer-new", args=[org.slug]) + f"?from_location={shelf.pk}"
    assert f'href="{start}"' in body


def test_nothing_of_another_organisation_shows_or_opens(
    org, other_org, places, volunteer, client_for
):
    theirs = make_location(other_org, make_site(other_org, "Lagret"), "Their shelf")
    stock(other_org, {theirs: {"sofa": 1}})
    client = client_for(volunteer)

    own = page(client, org, places[1])
    response = client.get(reverse("goods:location", args=[org.slug, theirs.pk]))

    assert response.status_code == 404
    assert "Their shelf" not in own and "Sofa" not in own


def test_the_page_takes_a_bounded_number_of_queries(
    org, site, places, volunteer, client_for, django_assert_max_num_queries
):
    shelf = places[1]
    stock(org, {shelf: {f"child-winter-jacket-{s}": 2 for s in ("92", "98", "104", "110")}})
    stock(org, {shelf: {"toy": 5, "sofa": 1, "pram": 1}})
    for n in range(10):
        make_location(org, site, f"Box {n}", kind="bin", parent=shelf)
    client = client_for(volunteer)
    with scope(organization=org):
        assert StockBalance.objects.filter(location=shelf).count() == 7
    with django_assert_max_num_queries(15):
        page(client, org, shelf)
