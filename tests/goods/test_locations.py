"""Storage-location services and the location tree: rooms, shelves and bins at a site, names
unique among siblings, in-transit locations not made by hand, archiving only when empty."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.core.services import Conflict, Invalid
from kindred.goods import services
from kindred.goods.models import Location, Movement
from kindred.goods.queries import location_tree
from kindred.goods.services import Move, StockError
from tests.conftest import item_type, make_site, snapshot, stock

pytestmark = pytest.mark.django_db


def add(org, actor, site, name, kind="shelf", parent=None) -> Location:
    with scope(organization=org):
        return services.create_location(
            org=org, site=site, values={"name": name, "kind": kind, "parent": parent}, actor=actor
        )


@pytest.fixture
def room(org, admin, site):
    return add(org, admin, site, "Store room", "room")


def test_locations_nest_into_a_tree_with_stock_totals(org, admin, site, room):
    shelf = add(org, admin, site, "Shelf A", parent=room)
    bin_ = add(org, admin, site, "Bin 1", "bin", parent=shelf)
    stock(org, {shelf: {"toy": 3}, bin_: {"child-winter-jacket-110": 2, "unsorted-textiles": 12}})
    with scope(organization=org):
        rows = location_tree(org, site_id=site.pk)
    assert [(r.name, r.depth) for r in rows] == [("Store room", 0), ("Shelf A", 1), ("Bin 1", 2)]
    by_name = {r.name: r for r in rows}
    assert by_name["Bin 1"].path == ["Store room", "Shelf A", "Bin 1"]
    assert (by_name["Bin 1"].units, by_name["Bin 1"].kg) == (2, 12)
    assert (by_name["Shelf A"].units, by_name["Shelf A"].units_inside) == (3, 5)
    assert (by_name["Store room"].units, by_name["Store room"].kg_inside) == (0, 12)


def test_creating_a_location_is_audited(org, admin, site):
    before = snapshot(org)["audit"]
    location = add(org, admin, site, "Shelf A")
    assert location.site_id == site.pk and location.kind == "shelf"
    assert snapshot(org)["audit"] == before + 1


def test_names_are_unique_among_siblings_only(org, admin, site, room):
    add(org, admin, site, "Shelf A", parent=room)
    before = snapshot(org)
    with pytest.raises(Conflict) as error:
        add(org, admin, site, " shelf a ", parent=room)
    assert error.value.field == "name"
    assert snapshot(org) == before
    # Elsewhere the same name is fine: at the top of the site, or at another site.
    add(org, admin, site, "Shelf A")
    add(org, admin, make_site(org, "Butikken"), "Shelf A")


def test_a_parent_must_be_at_the_same_site(org, admin, site, room):
    shop = make_site(org, "Butikken")
    before = snapshot(org)
    with pytest.raises(Invalid) as error:
        add(org, admin, shop, "Shelf A", parent=room)
    assert error.value.field == "parent"
    assert snapshot(org) == before


def test_a_location_of_another_organisation_cannot_be_a_parent(org, other_org, admin, site):
    foreign_site = make_site(other_org, "Lager")
    foreign = add(other_org, None, foreign_site, "Room")
    before = snapshot(org)
    with pytest.raises(Invalid) as error:
        add(org, admin, site, "Shelf A", parent=foreign)
    assert error.value.field == "parent"
    assert snapshot(org) == before


def test_a_location_cannot_move_inside_itself(org, admin, site, room):
    shelf = add(org, admin, site, "Shelf A", parent=room)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        services.update_location(org=org, location=room, values={"parent": shelf}, actor=admin)
    assert error.value.field == "parent"
    assert snapshot(org) == before


def test_a_location_can_be_renamed_and_moved(org, admin, site, room):
    shelf = add(org, admin, site, "Shelf A")
    with scope(organization=org):
        services.update_location(
            org=org, location=shelf, values={"name": "Shelf B", "parent": room}, actor=admin
        )
        shelf.refresh_from_db()
    assert (shelf.name, shelf.parent_id) == ("Shelf B", room.pk)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "", "kind": "shelf"}, "name"),
        ({"name": "X", "kind": "transit"}, "kind"),
        ({"name": "X", "kind": "cupboard"}, "kind"),
        ({"name": "X" * 101, "kind": "shelf"}, "name"),
        ({"name": "X", "kind": "shelf", "site": None}, "site"),
    ],
)
def test_a_bad_location_is_refused_naming_the_field(org, admin, site, values, field):
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        services.create_location(org=org, site=site, values=values, actor=admin)
    assert error.value.field == field
    assert snapshot(org) == before


def test_nothing_goes_inside_in_transit_and_it_is_not_edited_by_hand(org, admin, site):
    with scope(organization=org):
        transit = services.transit_location(site)
    before = snapshot(org)
    with pytest.raises(Invalid):
        add(org, admin, site, "Shelf", parent=transit)
    with scope(organization=org):
        with pytest.raises(Conflict):
            services.update_location(
                org=org, location=transit, values={"name": "Lorry"}, actor=admin
            )
        with pytest.raises(Conflict):
            services.archive_location(org=org, location=transit, actor=admin)
    assert snapshot(org) == before


def test_a_location_holding_stock_cannot_be_archived(org, admin, site, room):
    stock(org, {room: {"toy": 1}})
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        services.archive_location(org=org, location=room, actor=admin)
    assert error.value.field == "archived"
    assert "Store room" in error.value.message
    assert snapshot(org) == before


def test_a_location_with_locations_in_use_inside_cannot_be_archived(org, admin, site, room):
    add(org, admin, site, "Shelf A", parent=room)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Conflict) as error:
        services.archive_location(org=org, location=room, actor=admin)
    assert error.value.field == "archived"
    assert snapshot(org) == before


def test_an_emptied_location_is_archived_takes_no_stock_and_can_be_restored(org, admin, site, room):
    stock(org, {room: {"toy": 1}})
    toy = item_type(org, "toy")
    with scope(organization=org):
        services.record(
            org=org,
            moves=[Move(Movement.Kind.HANDOUT, toy.pk, "", "good", Decimal(1), room.pk)],
            actor=admin,
        )
        services.archive_location(org=org, location=room, actor=admin)
        room.refresh_from_db()
        assert room.archived
        assert [r.pk for r in location_tree(org)] == []
        assert [r.pk for r in location_tree(org, archived=True)] == [room.pk]
        with pytest.raises(StockError):
            services.record(
                org=org,
                moves=[Move(Movement.Kind.INTAKE, toy.pk, "", "good", Decimal(1), None, room.pk)],
                actor=admin,
            )
        # Archived, it cannot be edited; restored, it can.
        with pytest.raises(Conflict):
            services.update_location(org=org, location=room, values={"name": "X"}, actor=admin)
        services.archive_location(org=org, location=room, archived=False, actor=admin)
        room.refresh_from_db()
    assert not room.archived


def test_restoring_refuses_a_name_taken_meanwhile(org, admin, site, room):
    with scope(organization=org):
        services.archive_location(org=org, location=room, actor=admin)
    add(org, admin, site, "Store room", "room")
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Conflict) as error:
        services.archive_location(org=org, location=room, archived=False, actor=admin)
    assert error.value.field == "name"
    assert snapshot(org) == before


def test_search_finds_a_location_by_its_path_and_code(org, admin, site, room):
    bin_ = add(org, admin, site, "Bin 7", "bin", parent=add(org, admin, site, "Hylde", parent=room))
    with scope(organization=org):
        assert [r.pk for r in location_tree(org, search="store bin")] == [bin_.pk]
        assert [r.pk for r in location_tree(org, search=bin_.code)] == [bin_.pk]
        assert [r.name for r in location_tree(org, sort="name")] == ["Bin 7", "Hylde", "Store room"]
