"""The corrections API: a past document reversed through POST /goods/corrections, all or
nothing, and its correction movements read back."""

import pytest
from django.test import Client
from django_scopes import scope

from kindred.goods.models import Transfer
from kindred.goods.services import transit_location
from tests.conftest import api_caller, api_token, balance, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db
ORG = "/api/v1/organizations/home/goods"


@pytest.fixture
def places(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    shop = make_location(org, make_site(org, "Butikken", kind="shop"), "Shop floor")
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    return shelf, shop


def _client(org, user):
    return api_caller(org, user, ORG)


def _send(call, shelf, shop, quantity=2):
    response = call(
        "post",
        "/transfers",
        {
            "from_location_id": shelf.pk,
            "to_location_id": shop.pk,
            "lines": [{"item_type": "child-winter-jacket", "size": "110", "quantity": quantity}],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_transfer_in_transit_is_reversed_and_can_no_longer_be_received(org, coordinator, places):
    shelf, shop = places
    call = _client(org, coordinator)
    transfer_id = _send(call, shelf, shop)
    response = call(
        "post",
        "/corrections",
        {"document_type": "transfer", "document_id": transfer_id, "reason": "Wrong shop"},
    )
    assert response.status_code == 201, response.content
    (movement,) = response.json()
    assert movement["kind"] == "correction"
    assert movement["reason"] == "Wrong shop"
    assert movement["to_location_id"] == shelf.pk
    assert balance(org, shelf, "child-winter-jacket-110") == 5
    with scope(organization=org):
        assert balance(org, transit_location(shop.site), "child-winter-jacket-110") == 0
        assert Transfer.objects.get(pk=transfer_id).status == "reversed"
    detail = call("get", "/transfers?status=reversed").json()
    assert [t["id"] for t in detail["items"]] == [transfer_id]
    listed = call("get", f"/corrections?document_type=transfer&document_id={transfer_id}")
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()] == [movement["id"]]

    before = snapshot(org)
    refused = call("post", f"/transfers/{transfer_id}/receive")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "transfer"
    again = call(
        "post",
        "/corrections",
        {"document_type": "transfer", "document_id": transfer_id, "reason": "Twice"},
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "document_id"
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"document_type": "transfer", "reason": "  "}, 422, "reason"),
        ({"document_type": "transfer", "reason": "x" * 301}, 422, "reason"),
        ({"document_type": "correction", "reason": "x"}, 409, "document_type"),
        ({"document_type": "receipt", "reason": "x"}, 404, "document_id"),
    ],
)
def test_bad_corrections_are_refused_naming_the_field_and_change_nothing(
    org, coordinator, places, body, status, field
):
    shelf, shop = places
    call = _client(org, coordinator)
    transfer_id = _send(call, shelf, shop)
    before = snapshot(org)
    response = call("post", "/corrections", {**body, "document_id": transfer_id})
    assert response.status_code == status, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert snapshot(org) == before


def test_goods_that_moved_on_cannot_be_reversed(org, coordinator, places):
    shelf, shop = places
    call = _client(org, coordinator)
    transfer_id = _send(call, shelf, shop, quantity=5)
    assert call("post", f"/transfers/{transfer_id}/receive").status_code == 200
    sent_on = _send(call, shop, shelf, quantity=5)
    assert sent_on
    before = snapshot(org)
    response = call(
        "post",
        "/corrections",
        {"document_type": "transfer", "document_id": transfer_id, "reason": "x"},
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "quantity"
    assert "Not enough" in response.json()["detail"]
    assert snapshot(org) == before


def test_a_volunteer_may_not_reverse_and_another_organisation_finds_nothing(
    org, other_org, volunteer, coordinator, outsider, places
):
    shelf, shop = places
    transfer_id = _send(_client(org, coordinator), shelf, shop)
    body = {"document_type": "transfer", "document_id": transfer_id, "reason": "x"}
    as_volunteer = _client(org, volunteer)
    # A volunteer may read the corrections (none yet); the call also marks the token used.
    listed = as_volunteer("get", f"/corrections?document_type=transfer&document_id={transfer_id}")
    assert listed.json() == []
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(other_org, outsider)}"}
    before = snapshot(org)
    assert as_volunteer("post", "/corrections", body).status_code == 403
    response = Client().post(
        f"/api/v1/organizations/{other_org.slug}/goods/corrections",
        body,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404
    assert snapshot(org) == before
