"""The operations API: sortings, transfers, counts and disposal lots, by id or code."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.goods.models import StockCount
from kindred.goods.services import transit_location
from tests.conftest import api_caller, balance, item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db
ORG = "/api/v1/organizations/home/goods"


@pytest.fixture
def places(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    shop = make_location(org, make_site(org, "Butikken", kind="shop"), "Shop floor")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 4, "unsorted-textiles": 30}})
    return shelf, bin_, shop


@pytest.fixture
def api(org):
    return lambda user: api_caller(org, user, ORG)


def test_a_transfer_between_sites_is_sent_and_received_by_code(org, volunteer, api, places):
    shelf, _bin, shop = places
    call = api(volunteer)
    response = call(
        "post",
        "/transfers",
        {
            "from_location_id": shelf.pk,
            "to_location_id": shop.pk,
            "lines": [{"item_type": "child-winter-jacket", "size": "110", "quantity": "2"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "in_transit"
    assert body["reference"] == "T-1"
    with scope(organization=org):
        assert balance(org, transit_location(shop.site), "child-winter-jacket-110") == 2
    received = call("post", f"/transfers/{body['id']}/receive")
    assert received.status_code == 200
    assert received.json()["status"] == "done"
    assert balance(org, shop, "child-winter-jacket-110") == 2
    assert call("post", f"/transfers/{body['id']}/receive").status_code == 409
    listed = call("get", "/transfers?status=done").json()
    assert listed["count"] == 1


def test_a_transfer_beyond_stock_answers_409_and_changes_nothing(org, volunteer, api, places):
    shelf, bin_, _shop = places
    call = api(volunteer)
    call("get", "/transfers")  # the token's first use (its "last used" time) is not the point
    before = snapshot(org)
    response = call(
        "post",
        "/transfers",
        {
            "from_location_id": shelf.pk,
            "to_location_id": bin_.pk,
            "lines": [{"item_type": item_type(org, "toy").pk, "quantity": "9"}],
        },
    )
    assert response.status_code == 409
    assert "4 in stock" in response.json()["detail"]
    assert snapshot(org) == before


def test_an_unknown_item_type_code_names_the_field(org, volunteer, api, places):
    shelf, bin_, _shop = places
    response = api(volunteer)(
        "post",
        "/transfers",
        {
            "from_location_id": shelf.pk,
            "to_location_id": bin_.pk,
            "lines": [{"item_type": "unicorn", "quantity": "1"}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.item_type"


def test_a_count_is_started_counted_and_approved_through_the_api(
    org, volunteer, coordinator, api, places
):
    shelf, _bin, _shop = places
    call = api(volunteer)
    started = call("post", "/counts", {"location_id": shelf.pk})
    assert started.status_code == 201
    count = started.json()
    lines = {line["item_type_id"]: line for line in count["lines"]}
    jacket = lines[item_type(org, "child-winter-jacket").pk]
    assert Decimal(jacket["expected"]) == 5
    counted = call(
        "put",
        f"/counts/{count['id']}/lines",
        {
            "counted": [{"line_id": jacket["id"], "counted": "3"}],
            "extra": [{"item_type": "childrens-book", "counted": "1"}],
        },
    )
    assert counted.status_code == 200, counted.content
    assert len(counted.json()["lines"]) == len(lines) + 1
    assert call("post", f"/counts/{count['id']}/approve").status_code == 403  # volunteers
    approved = api(coordinator)("post", f"/counts/{count['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, shelf, "childrens-book") == 1
    assert call("get", f"/counts/{count['id']}").json()["status"] == "approved"
    assert call("get", "/counts?status=approved").json()["count"] == 1


def test_a_count_can_be_cancelled_through_the_api(org, admin, api, places):
    shelf, _bin, _shop = places
    call = api(admin)
    count = call("post", "/counts", {"location_id": shelf.pk}).json()
    response = call("post", f"/counts/{count['id']}/cancel")
    assert response.json()["status"] == "cancelled"
    with scope(organization=org):
        assert StockCount.objects.get().status == "cancelled"


def test_a_sorting_through_the_api_reports_its_kilograms(org, volunteer, api, places):
    shelf, bin_, shop = places
    response = api(volunteer)(
        "post",
        "/sortings",
        {
            "source_location_id": shelf.pk,
            "source_grade": "good",
            "weight_kg": "10",
            "lines": [
                {
                    "stream": "keep",
                    "item_type": "toy",
                    "quantity": "2",
                    "weight_kg": "1",
                    "location_id": bin_.pk,
                },
                {
                    "stream": "shop",
                    "item_type": "child-winter-jacket",
                    "size": "110",
                    "quantity": "1",
                    "weight_kg": "0.5",
                    "location_id": shop.pk,
                },
                {"stream": "recycle", "weight_kg": "6", "location_id": bin_.pk},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert Decimal(body["kg_out"]) == Decimal("7.5")
    assert Decimal(body["kg_unaccounted"]) == Decimal("2.5")
    assert Decimal(body["kg_unaccounted_percent"]) == 25
    assert balance(org, shelf, "unsorted-textiles") == 20
    assert balance(org, bin_, "recycling-textiles", grade="worn") == 6
    assert api(volunteer)("get", "/sortings").json()["count"] == 1


def test_a_disposal_lot_through_the_api(org, volunteer, api, site, places):
    shelf, _bin, _shop = places
    call = api(volunteer)
    refused = call(
        "post",
        "/disposals",
        {
            "kind": "discard",
            "site_id": site.pk,
            "lines": [
                {"item_type": "toy", "grade": "good", "location_id": shelf.pk, "quantity": "1"}
            ],
        },
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "reason"
    response = call(
        "post",
        "/disposals",
        {
            "kind": "discard",
            "site_id": site.pk,
            "reason": "Broken",
            "lines": [
                {"item_type": "toy", "grade": "good", "location_id": shelf.pk, "quantity": "1"}
            ],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == "D-1"
    assert balance(org, shelf, "toy") == 3
    assert call("get", "/disposals?kind=discard").json()["count"] == 1


def test_another_organisations_ids_are_not_found(org, other_org, volunteer, api, places):
    shelf, _bin, _shop = places
    foreign = make_location(other_org, make_site(other_org, "Lager"), "Theirs")
    response = api(volunteer)(
        "post",
        "/transfers",
        {
            "from_location_id": shelf.pk,
            "to_location_id": foreign.pk,
            "lines": [{"item_type": "toy", "quantity": "1"}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to_location_id"
