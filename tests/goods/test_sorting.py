"""Sorting service: sacks taken by weight, sorted into counted items and streams."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.goods.models import Movement, Sorting, Stream
from kindred.goods.queries import sorting_balance, verify_balances
from kindred.goods.services import SortingLineIn, StockError, record_sorting
from tests.conftest import (
    audit_count,
    balance,
    item_type,
    make_location,
    make_site,
    snapshot,
    stock,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def places(org, site):
    sack_room = make_location(org, site, "Sorting room", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    shop_site = make_site(org, "Butikken", kind="shop")
    shop = make_location(org, shop_site, "Shop floor", kind="area")
    stock(org, {sack_room: {"unsorted-textiles": 40}}, grade="unsorted")
    return sack_room, shelf, shop


def _sort(org, admin, sack_room, lines, weight=20):
    with scope(organization=org):
        return record_sorting(
            org=org,
            source_location=sack_room,
            source_item_type=item_type(org, "unsorted-textiles"),
            weight_kg=D(weight),
            lines=lines,
            actor=admin,
        )


def test_sorting_takes_the_sacks_and_puts_every_stream_in_one_ledger_record(org, admin, places):
    sack_room, shelf, shop = places
    jacket = item_type(org, "child-winter-jacket")
    before = audit_count(org)
    sorting = _sort(
        org,
        admin,
        sack_room,
        [
            SortingLineIn(Stream.KEEP, jacket, "110", "good", D(4), location=shelf),
            SortingLineIn(Stream.SHOP, item_type(org, "toy"), "", "", D(6), location=shop),
            SortingLineIn(Stream.EXPORT, weight_kg=D("8.5"), location=shelf),
            SortingLineIn(Stream.RECYCLE, weight_kg=D(3), location=shelf),
            SortingLineIn(Stream.DISCARD, weight_kg=D(1)),
        ],
    )
    assert sorting.reference == "S-1"
    assert balance(org, sack_room, "unsorted-textiles", grade="unsorted") == 20
    assert balance(org, shelf, "child-winter-jacket-110") == 4
    assert balance(org, shop, "toy") == 6
    assert balance(org, shelf, "export-textiles", grade="used") == D("8.5")
    assert balance(org, shelf, "recycling-textiles", grade="worn") == 3
    with scope(organization=org):
        movements = Movement.objects.filter(document_type="sorting", document_id=sorting.pk)
        assert sorted(m.kind for m in movements) == ["sort", "sort", "sort", "sort", "to_shop"]
        assert {m.created_at for m in movements} == {movements[0].created_at}
        assert sorting.lines.count() == 5
        assert verify_balances(org) == []
    assert audit_count(org) == before + 1


def test_the_kilogram_balance_shows_the_unaccounted_difference(org, admin, places):
    sack_room, shelf, _shop = places
    jacket = item_type(org, "child-winter-jacket")  # standard weight from the catalogue
    sorting = _sort(
        org,
        admin,
        sack_room,
        [
            SortingLineIn(Stream.KEEP, jacket, "110", "good", D(2), location=shelf),
            SortingLineIn(
                Stream.KEEP, item_type(org, "toy"), "", "good", D(3), D("1.5"), location=shelf
            ),
            SortingLineIn(Stream.EXPORT, weight_kg=D(10), location=shelf),
            SortingLineIn(Stream.DISCARD, weight_kg=D(2)),
        ],
    )
    with scope(organization=org):
        result = sorting_balance(Sorting.objects.get(pk=sorting.pk))
    expected_out = 2 * jacket.standard_weight_kg + D("1.5") + 10 + 2
    assert result.kg_in == 20
    assert result.kg_out == expected_out
    assert result.difference == 20 - expected_out
    assert result.percent == ((20 - expected_out) * 100 / 20).quantize(D("0.1"))
    assert result.lines[0].estimated and not result.lines[1].estimated


def test_taking_more_kilograms_than_in_stock_is_refused_and_changes_nothing(org, admin, places):
    sack_room, shelf, _shop = places
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        _sort(
            org,
            admin,
            sack_room,
            [SortingLineIn(Stream.EXPORT, weight_kg=D(50), location=shelf)],
            weight=D(50),
        )
    assert "40 in stock" in error.value.message
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (lambda o, shelf, shop: SortingLineIn("bonfire", weight_kg=D(1)), "lines.0.stream"),
        (
            lambda o, shelf, shop: SortingLineIn(
                Stream.KEEP,
                item_type(o, "child-winter-jacket"),
                "111",
                "good",
                D(1),
                location=shelf,
            ),
            "lines.0.size",
        ),
        (
            lambda o, shelf, shop: SortingLineIn(
                Stream.SHOP, item_type(o, "toy"), "", "good", D(1), location=shelf
            ),
            "lines.0.location",
        ),
        (
            lambda o, shelf, shop: SortingLineIn(Stream.KEEP, item_type(o, "toy"), location=shelf),
            "lines.0.quantity",
        ),
        (lambda o, shelf, shop: SortingLineIn(Stream.EXPORT, weight_kg=D(2)), "lines.0.location"),
        (
            lambda o, shelf, shop: SortingLineIn(
                Stream.EXPORT, item_type(o, "toy"), weight_kg=D(2), location=shelf
            ),
            "lines.0.item_type",
        ),
        (lambda o, shelf, shop: SortingLineIn(Stream.DISCARD), "lines.0.weight_kg"),
    ],
)
def test_an_incomplete_line_is_refused_naming_its_field(org, admin, places, line, field):
    sack_room, shelf, shop = places
    lines = [line(org, shelf, shop)]
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        _sort(org, admin, sack_room, lines)
    assert error.value.field == field
    assert snapshot(org) == before


def test_only_kilogram_goods_can_be_sorted_by_weight(org, admin, places):
    sack_room, _shelf, _shop = places
    with scope(organization=org), pytest.raises(StockError) as error:
        record_sorting(
            org=org,
            source_location=sack_room,
            source_item_type=item_type(org, "toy"),
            weight_kg=D(1),
            lines=[SortingLineIn(Stream.DISCARD, weight_kg=D(1))],
            actor=admin,
        )
    assert error.value.field == "source_item_type"


def test_a_sorting_needs_lines(org, admin, places):
    sack_room, _shelf, _shop = places
    with pytest.raises(StockError) as error:
        _sort(org, admin, sack_room, [])
    assert error.value.field == "lines"
