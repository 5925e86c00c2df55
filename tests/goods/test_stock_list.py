"""The current-stock list: filters, search, grouping with totals, sorting, pagination,
the page and its query count."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.goods import services
from kindred.goods.models import Movement
from kindred.goods.queries import stock as q
from tests.conftest import item_type, make_location, make_site, stock

pytestmark = pytest.mark.django_db
Kind = Movement.Kind


@pytest.fixture
def places(org, site):
    """Two sites: at Lageret a room with a shelf inside it, and a bin; at Butikken a rack."""
    room = make_location(org, site, "Room 1", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    shop = make_site(org, "Butikken", city="Ikast")
    rack = make_location(org, shop, "Rack", kind="area")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "child-winter-jacket-116": 2, "toy": 10}})
    stock(org, {bin_: {"child-winter-jacket-110": 3, "unsorted-textiles": 40}})
    stock(org, {rack: {"child-winter-jacket-110": 1, "sweater-M": 4}}, grade="used")
    return {"room": room, "shelf": shelf, "bin": bin_, "shop": shop, "rack": rack}


def keys(rows) -> list[tuple[str, str, str]]:
    return [(r.item_type.code, r.size, r.location.name) for r in rows]


def test_filters_by_site_location_with_children_category_type_size_and_grade(org, places):
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        by_site = q.balances(org, q.StockFilter(site=places["shop"].pk))
        in_room = q.balances(org, q.StockFilter(location=places["room"].pk))
        category = q.balances(org, q.StockFilter(category=jacket.category_id))
        sized = q.balances(org, q.StockFilter(item_type=jacket.pk, size="110"))
        used = q.balances(org, q.StockFilter(grade="used"))

        assert sorted(keys(by_site)) == [
            ("child-winter-jacket", "110", "Rack"),
            ("sweater", "M", "Rack"),
        ]
        # The shelf is inside the room: the room's filter shows what lies on the shelf.
        assert {r.location.name for r in in_room} == {"Shelf A"}
        assert {r.item_type.code for r in category} == {"child-winter-jacket"}
        assert sorted(r.location.name for r in sized) == ["Bin 1", "Rack", "Shelf A"]
        assert {r.grade for r in used} == {"used"}


def test_only_available_leaves_out_fully_reserved_rows(org, admin, places):
    toy = item_type(org, "toy")
    with scope(organization=org):
        services.record(
            org=org,
            moves=[
                services.Move(Kind.RESERVE, toy.pk, "", "good", Decimal(10), places["shelf"].pk)
            ],
            actor=admin,
        )
        rows = q.balances(org, q.StockFilter(available_only=True))
        codes = {r.item_type.code for r in rows}
        everything = q.totals(org)
    assert "toy" not in codes and "child-winter-jacket" in codes
    assert everything.reserved == 10
    assert everything.available == everything.quantity - 10


def test_search_finds_item_type_by_name_code_and_location_and_own_named_types(org, places):
    with scope(organization=org):
        category = item_type(org, "toy").category
        own = services.create_item_type(
            org=org, values={"category": category, "name": "Vinterjacka"}, actor=None
        )
        services.record(
            org=org,
            moves=[
                services.Move(Kind.INTAKE, own.pk, "", "good", Decimal(2), None, places["bin"].pk)
            ],
            actor=None,
        )
        by_name = q.balances(org, q.StockFilter(search="winter JACKET"))
        by_own_name = q.balances(org, q.StockFilter(search="vinterjacka"))
        by_location = q.balances(org, q.StockFilter(search="rack"))
        nothing = q.balances(org, q.StockFilter(search="piano"))

        assert {r.item_type.code for r in by_name} == {"child-winter-jacket"}
        assert [r.item_type.pk for r in by_own_name] == [own.pk]
        assert {r.location.name for r in by_location} == {"Rack"}
        assert list(nothing) == []


def test_search_uses_the_readers_language(org, places):
    from django.utils import translation

    with scope(organization=org), translation.override("sv"):
        jacket = item_type(org, "child-winter-jacket")
        swedish = q.item_type_labels(org)[jacket.pk]
        rows = q.balances(org, q.StockFilter(search=swedish[:8]))
        assert jacket.pk in {r.item_type_id for r in rows}


def test_totals_count_units_kilograms_and_value(org, places):
    toy = item_type(org, "toy")
    with scope(organization=org):
        toy.fair_value = Decimal("12.50")
        toy.save(update_fields=["fair_value"])
        all_ = q.totals(org)
        shelf = q.totals(org, q.StockFilter(location=places["shelf"].pk))
    jacket_kg = Decimal("0.8")
    toy_kg = toy.standard_weight_kg
    assert shelf.rows == 3
    assert shelf.quantity == 17
    assert shelf.kg == 7 * jacket_kg + 10 * toy_kg
    assert shelf.value == Decimal("125.00")
    # Unsorted textiles are counted in kilograms: 40 units weigh 40 kg.
    assert all_.quantity == 5 + 2 + 10 + 3 + 40 + 1 + 4
    assert all_.kg >= 40


def test_group_by_item_type_and_size_adds_up_across_locations(org, places):
    with scope(organization=org):
        rows = q.attach_item_types(org, list(q.item_size_rows(org, q.StockFilter())))
    by_key = {(r["item_type"].code, r["size"]): r for r in rows}
    jackets_110 = by_key[("child-winter-jacket", "110")]
    assert jackets_110["quantity"] == 9
    assert jackets_110["locations"] == 3
    assert jackets_110["kg"] == Decimal("7.2")


def test_group_totals_cover_the_whole_group_not_only_the_page(org, places):
    with scope(organization=org):
        sums = q.group_totals(
            org, q.StockFilter(), "location", {places["shelf"].pk, places["bin"].pk}
        )
    assert sums[places["shelf"].pk].quantity == 17
    assert sums[places["bin"].pk].quantity == 43
    assert places["rack"].pk not in sums


def test_sorting_by_item_size_quantity_and_location(org, places):
    with scope(organization=org):
        jacket = item_type(org, "child-winter-jacket")
        by_size = q.balances(org, q.StockFilter(item_type=jacket.pk), sort="size")
        by_quantity = q.balances(org, q.StockFilter(), sort="-quantity")
        by_location = q.balances(org, q.StockFilter(), sort="location")
        by_item = q.balances(org, q.StockFilter(site=places["shop"].pk), sort="item")
        assert [r.size for r in by_size] == ["110", "110", "110", "116"]
        assert by_quantity[0].quantity == 40
        assert [r.quantity for r in q.balances(org, sort="quantity")][:2] == [1, 2]
        recent = q.balances(org, sort="-updated")
        assert recent[0].updated_at >= recent[len(recent) - 1].updated_at
        # Sites by name: Butikken's rack before Lageret's shelves.
        assert by_location[0].location.name == "Rack"
        labels = [r.item_type.label for r in by_item]
        assert labels == sorted(labels, key=str.casefold)


def test_adult_sizes_sort_in_size_order_not_alphabetically(org, site):
    shelf = make_location(org, site)
    stock(org, {shelf: {"sweater-XL": 1, "sweater-S": 1, "sweater-M": 1, "sweater-3XL": 1}})
    with scope(organization=org):
        rows = q.balances(org, q.StockFilter(), sort="size")
        assert [r.size for r in rows] == ["S", "M", "XL", "3XL"]


def test_only_low_stock_shows_types_below_their_level(org, admin, places):
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        services.set_threshold(
            org=org, item_type=jacket, size="116", site=None, minimum=5, public=True, actor=admin
        )
        rows = q.balances(org, q.StockFilter(low_only=True))
        assert keys(rows) == [("child-winter-jacket", "116", "Shelf A")]


def url(org, **params) -> str:
    from urllib.parse import urlencode

    base = reverse("goods:stock", args=[org.slug])
    return f"{base}?{urlencode(params)}" if params else base


def test_stock_page_shows_rows_totals_and_links(org, volunteer, client_for, places):
    response = client_for(volunteer).get(url(org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Children&#x27;s winter jacket" in body or "Children's winter jacket" in body
    assert "Lageret · Bin 1" in body
    # Pieces and kilograms are never added together (the old page said "65 units").
    assert "Total: 25 pieces, 40 kg (25 pieces, 40 kg available); estimated weight 54.8 kg" in body
    jacket = item_type(org, "child-winter-jacket")
    assert reverse("goods:item-type-history", args=[org.slug, jacket.pk]) in body
    assert "format=csv" in body and "format=xlsx" in body


def test_stock_page_groups_with_group_totals(org, admin, client_for, places):
    response = client_for(admin).get(url(org, group="location"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lageret · Shelf A" in body and "17 pieces; estimated weight 9.6 kg" in body
    response = client_for(admin).get(url(org, group="item"))
    assert response.status_code == 200
    response = client_for(admin).get(url(org, group="category"))
    assert response.status_code == 200


def test_stock_page_ignores_bad_filter_values(org, admin, client_for, places):
    response = client_for(admin).get(
        url(org, site="abc", location="999999999", sort="nonsense", group="x", item_type="-1")
    )
    assert response.status_code == 200
    assert "Total: 25 pieces, 40 kg" in response.content.decode()


def test_stock_page_has_an_empty_state(org, admin, client_for):
    body = client_for(admin).get(url(org)).content.decode()
    assert "Nothing in stock yet" in body
    body = client_for(admin).get(url(org, q="nothing-like-this")).content.decode()
    assert "Nothing in stock matches these filters." in body


def test_stock_page_paginates(org, admin, client_for, site):
    shelf = make_location(org, site)
    stock(org, {shelf: {f"child-winter-jacket-{cm}": 1 for cm in range(50, 177, 6)}})
    stock(org, {shelf: {f"winter-boots-{eu}": 1 for eu in range(16, 36)}})
    client = client_for(admin)
    first = client.get(url(org, sort="size")).content.decode()
    second = client.get(url(org, sort="size", page=2)).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "42 rows" in first


def test_htmx_request_gets_only_the_rows(org, admin, client_for, places):
    response = client_for(admin).get(url(org, q="toy"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Total: 10 pieces" in body


def test_stock_page_query_count_does_not_grow_with_rows(
    org, admin, client_for, site, django_assert_max_num_queries
):
    shelf = make_location(org, site)
    stock(org, {shelf: {f"child-winter-jacket-{cm}": 1 for cm in range(50, 177, 6)}})
    stock(org, {shelf: {"toy": 3, "sweater-M": 2}})
    client = client_for(admin)
    client.get(url(org))  # warm the session
    for params in ({}, {"group": "location"}, {"group": "item"}, {"q": "jacket", "low": "on"}):
        with django_assert_max_num_queries(15):
            assert client.get(url(org, site=site.pk, **params)).status_code == 200


def test_fundraiser_sees_stock_and_referrer_does_not(org, fundraiser, referrer, client_for):
    assert client_for(fundraiser).get(url(org)).status_code == 200
    assert client_for(referrer).get(url(org)).status_code == 403


def test_other_organisations_stock_is_not_shown(org, other_org, admin, client_for, places):
    theirs = make_location(other_org, make_site(other_org, "Their place"), "Their shelf")
    stock(other_org, {theirs: {"toy": 99}})
    body = client_for(admin).get(url(org)).content.decode()
    assert "Their shelf" not in body and "Their place" not in body
    assert "Total: 25 pieces, 40 kg" in body  # their 99 toys are not counted


def test_quantities_show_their_unit_and_no_trailing_zeros_in_danish(org, admin, client_for, site):
    sacks = make_location(org, site, "Sækkerum")
    stock(org, {sacks: {"unsorted-textiles": Decimal("88.7"), "toy": 3}})
    page = client_for(admin).get(url(org, site=site.pk), HTTP_ACCEPT_LANGUAGE="da")
    body = page.content.decode()
    assert "88,7 kg" in body and "88,700" not in body
    total = body[body.index('class="total">') :].split("·")[0]
    assert "3 stk." in total, total
    assert "91" not in total  # 3 pieces and 88,7 kg are not added up


def test_stock_at_a_date_totals_per_unit_without_trailing_zeros(org, admin, client_for, site):
    """Stock at a past date (here: today) adds pieces to pieces and kilograms to kilograms,
    never one to the other, and shows 88,7 not 88,700 (Danish)."""
    sacks = make_location(org, site, "Sækkerum")
    stock(org, {sacks: {"unsorted-textiles": Decimal("88.7"), "toy": 3}})
    today = timezone.localdate().isoformat()
    page = client_for(admin).get(
        reverse("goods:stock-at", args=[org.slug]), {"date": today}, HTTP_ACCEPT_LANGUAGE="da"
    )
    assert page.status_code == 200
    body = page.content.decode()
    total = body[body.index('<p class="total">') :].split("</p>")[0]
    assert "3 stk." in total and "88,7 kg" in total, total
    assert "91" not in total and "88,700" not in body


def test_a_receipt_totals_pieces_pairs_and_kilograms_apart(org, admin, client_for, site):
    """The receipt page (and its print and PDF, from the same summary) adds pieces to
    pieces, pairs to pairs and kilograms to kilograms."""
    from kindred.goods.services import record_receipt
    from kindred.goods.services.intake import ReceiptLineIn

    shelf = make_location(org, site, "Modtagelse")

    def line(code, quantity, size=""):
        return ReceiptLineIn(
            item_type=item_type(org, code),
            size=size,
            grade="good",
            quantity=Decimal(quantity),
            location=shelf,
        )

    with scope(organization=org):
        receipt = record_receipt(
            org=org,
            site=site,
            actor=admin,
            lines=[line("toy", "3"), line("unsorted-textiles", "2.50"), line("toy", "2")],
        )
    body = (
        client_for(admin)
        .get(reverse("goods:receipt", args=[org.slug, receipt.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "5 pieces, 2.5 kg" in body
    assert "7.5" not in body  # 5 pieces and 2,5 kg are not added up
