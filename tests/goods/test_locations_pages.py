"""Storage-location pages: the tree per site with stock totals, search and filters, adding
(with ?site= and ?parent=), editing and archiving; a volunteer reads but does not edit."""

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods import services
from kindred.goods.models import Location
from tests.conftest import make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db


def url(org, name="goods:locations", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def places(org, site):
    room = make_location(org, site, "Store room", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    stock(org, {shelf: {"toy": 3, "unsorted-textiles": 12}})
    return room, shelf


def test_the_list_shows_each_site_as_a_tree_with_stock_totals(org, coordinator, client_for, places):
    room, shelf = places
    body = client_for(coordinator).get(url(org)).content.decode()
    assert "Lageret" in body
    assert "tree-depth-1" in body
    assert url(org, "goods:location", location_id=shelf.pk) in body
    assert shelf.code in body
    assert "(3 with what is inside)" in body  # the room holds the shelf's toys
    assert url(org, "goods:location-edit", location_id=shelf.pk) in body
    assert f"?parent={room.pk}" in body


def test_a_volunteer_sees_locations_but_no_edit_links(org, volunteer, client_for, places):
    response = client_for(volunteer).get(url(org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Shelf A" in body
    assert "/edit/" not in body and url(org, "goods:location-new") not in body


def test_filter_by_site_search_and_archived(org, admin, client_for, places):
    shop = make_site(org, "Butikken")
    make_location(org, shop, "Counter", kind="area")
    old = make_location(org, shop, "Old bin", kind="bin")
    with scope(organization=org):
        services.archive_location(org=org, location=old, actor=admin)
    client = client_for(admin)
    body = client.get(url(org), {"site": shop.pk}).content.decode()
    assert "Counter" in body and "Shelf A" not in body and "Old bin" not in body
    body = client.get(url(org), {"q": "shelf"}).content.decode()
    assert (
        "Store room \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Shelf A" in body
        and "Counter" not in body
    )
    body = client.get(url(org), {"show": "archived"}).content.decode()
    assert "Old bin" in body and "Counter" not in body
    body = client.get(url(org), {"sort": "name"}).content.decode()
    shelf_path = "<strong>Store room \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Shelf A"
    assert body.index("<strong>Counter") < body.index(shelf_path)
    assert body.index(shelf_path) < body.index("<strong>Store room</strong>")


def test_empty_states(org, admin, client_for):
    client = client_for(admin)
    assert "No storage locations yet." in client.get(url(org)).content.decode()
    assert "No location matches" in client.get(url(org), {"q": "zzz"}).content.decode()


def test_adding_a_location_inside_another(org, admin, client_for, places, site):
    _room, shelf = places
    client = client_for(admin)
    page = client.get(url(org, "goods:location-new"), {"parent": shelf.pk}).content.decode()
    assert f'<option value="{shelf.pk}" selected>' in page
    assert f'<option value="{site.pk}" selected>' in page
    response = client.post(
        url(org, "goods:location-new"),
        {"site": site.pk, "parent": shelf.pk, "kind": "bin", "name": "Bin 3"},
    )
    assert response.status_code == 302
    with scope(organization=org):
        created = Location.objects.get(organization=org, name="Bin 3")
    assert (created.parent_id, created.kind) == (shelf.pk, "bin")


def test_a_parent_at_another_site_is_refused_on_the_form(org, admin, client_for, places):
    room, _shelf = places
    shop = make_site(org, "Butikken")
    before = snapshot(org)
    response = client_for(admin).post(
        url(org, "goods:location-new"),
        {"site": shop.pk, "parent": room.pk, "kind": "bin", "name": "Bin 3"},
    )
    assert response.status_code == 400
    assert "Choose a location at the same site." in response.content.decode()
    assert snapshot(org) == before


def test_editing_a_location(org, admin, client_for, places):
    _room, shelf = places
    response = client_for(admin).post(
        url(org, "goods:location-edit", location_id=shelf.pk),
        {"name": "Shelf B", "kind": "shelf", "parent": ""},
    )
    assert response.status_code == 302
    shelf.refresh_from_db()
    assert (shelf.name, shelf.parent_id) == ("Shelf B", None)


def test_archiving_a_location_with_stock_is_refused(org, admin, client_for, places):
    _room, shelf = places
    before = snapshot(org)
    response = client_for(admin).post(url(org, "goods:location-archive", location_id=shelf.pk))
    assert response.status_code == 409
    assert "still holds stock" in response.content.decode()
    assert snapshot(org) == before


def test_archiving_and_restoring_an_empty_location(org, admin, client_for, site):
    bin_ = make_location(org, site, "Bin 9", kind="bin")
    client = client_for(admin)
    assert client.post(url(org, "goods:location-archive", location_id=bin_.pk)).status_code == 302
    bin_.refresh_from_db()
    assert bin_.archived
    page = client.get(url(org, "goods:location-edit", location_id=bin_.pk)).content.decode()
    assert "Restore location" in page
    response = client.post(
        url(org, "goods:location-archive", location_id=bin_.pk), {"archived": "0"}
    )
    assert response.status_code == 302
    bin_.refresh_from_db()
    assert not bin_.archived


def test_the_in_transit_location_has_no_edit_page(org, admin, client_for, site):
    with scope(organization=org):
        transit = services.transit_location(site)
    client = client_for(admin)
    assert client.get(url(org, "goods:location-edit", location_id=transit.pk)).status_code == 404
    body = client.get(url(org)).content.decode()
    assert "In transit" in body
    assert url(org, "goods:location-edit", location_id=transit.pk) not in body


def test_another_organisations_location_is_not_found(org, other_org, admin, client_for):
    foreign = make_location(other_org, make_site(other_org, "Lager"), "Room")
    before = snapshot(other_org)
    client = client_for(admin)
    assert client.get(url(org, "goods:location-edit", location_id=foreign.pk)).status_code == 404
    response = client.post(url(org, "goods:location-archive", location_id=foreign.pk))
    assert response.status_code == 404
    assert snapshot(other_org) == before
