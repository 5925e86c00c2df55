"""The stock API: balances, movements, stock at a past moment, low stock and levels."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from kindred.goods.models import Movement, Threshold
from kindred.goods.services import hand_out
from tests.conftest import api_token, item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db
API = "/api/v1/organizations/home/goods"


def token_client(org, user) -> Client:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, user)}")
    # Use the token once, so its "last used" time is not what a snapshot sees change.
    assert client.get("/api/v1/me").status_code == 200
    return client


@pytest.fixture
def as_admin(org, admin):
    return token_client(org, admin)


@pytest.fixture
def as_volunteer(org, volunteer):
    return token_client(org, volunteer)


@pytest.fixture
def stocked(org, site):
    shelf = make_location(org, site, "Shelf A")
    rack = make_location(org, make_site(org, "Butikken"), "Rack")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}, rack: {"toy": 2}})
    return shelf, rack


def test_balances_are_filtered_and_paginated(as_volunteer, site, stocked):
    response = as_volunteer.get(f"{API}/balances", {"site": site.pk, "page_size": 1})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and data["pages"] == 2 and len(data["items"]) == 1
    row = data["items"][0]
    assert row["item_type_code"] == "child-winter-jacket"
    assert row["location_name"] == "Shelf A" and row["site_id"] == site.pk
    assert float(row["quantity"]) == 5 and float(row["available"]) == 5
    assert float(row["kg"]) == 4
    search = as_volunteer.get(f"{API}/balances", {"q": "toy", "sort": "-quantity"}).json()
    assert [float(r["quantity"]) for r in search["items"]] == [3, 2]


@pytest.mark.parametrize(
    "params",
    [{"site": "abc"}, {"grade": "shiny"}, {"sort": "price"}, {"site": 0}, {"q": "x" * 101}],
)
def test_bad_balance_filters_answer_422_with_the_shared_shape(as_admin, params):
    response = as_admin.get(f"{API}/balances", params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"]


def test_movements_are_read_only_and_filtered(as_admin, org, stocked):
    shelf, _rack = stocked
    data = as_admin.get(f"{API}/movements", {"location": shelf.pk}).json()
    assert data["count"] == 2
    assert {m["kind"] for m in data["items"]} == {"intake"}
    since = (timezone.now() + timedelta(hours=1)).isoformat()
    assert as_admin.get(f"{API}/movements", {"since": since}).json()["count"] == 0
    assert as_admin.get(f"{API}/movements", {"since": "soon"}).status_code == 422
    assert as_admin.get(f"{API}/movements", {"kind": "theft"}).status_code == 422
    assert as_admin.post(f"{API}/movements", {}, content_type="application/json").status_code == 405


def test_stock_at_a_date_or_moment(as_admin, org, stocked):
    with scope(organization=org):
        Movement.objects.filter(organization=org).backdate(timezone.now() - timedelta(days=3))
    shelf, _rack = stocked
    stock(org, {shelf: {"toy": 10}})
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = as_admin.get(f"{API}/stock-at", {"at": yesterday}).json()
    assert float(data["totals"]["quantity"]) == 10
    now = as_admin.get(f"{API}/stock-at", {"at": timezone.now().isoformat()}).json()
    assert float(now["totals"]["quantity"]) == 20
    naive = as_admin.get(f"{API}/stock-at", {"at": "2001-01-01T12:00"}).json()
    assert naive["items"] == []
    bad = as_admin.get(f"{API}/stock-at", {"at": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "at"
    assert as_admin.get(f"{API}/stock-at").status_code == 422


def test_thresholds_put_list_low_stock_and_delete(as_admin, org, stocked):
    jacket = item_type(org, "child-winter-jacket")
    payload = {"item_type_id": jacket.pk, "size": "110", "minimum": "8"}
    response = as_admin.put(f"{API}/thresholds", payload, content_type="application/json")
    assert response.status_code == 200
    threshold = response.json()
    assert threshold["size"] == "110" and threshold["site_id"] is None and threshold["public"]
    again = as_admin.put(
        f"{API}/thresholds", {**payload, "minimum": "9"}, content_type="application/json"
    )
    assert again.json()["id"] == threshold["id"]
    listed = as_admin.get(f"{API}/thresholds").json()
    assert listed["count"] == 1
    low = as_admin.get(f"{API}/low-stock").json()
    assert [(r["id"], float(r["available"]), float(r["missing"])) for r in low] == [
        (threshold["id"], 5, 4)
    ]
    assert as_admin.delete(f"{API}/thresholds/{threshold['id']}").status_code == 204
    with scope(organization=org):
        assert not Threshold.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"size": "M", "minimum": "1"}, "size"),
        ({"minimum": "-1"}, "minimum"),
        ({"minimum": "1", "site_id": 999999}, "site_id"),
        ({"minimum": "1", "item_type_id": 999999}, "item_type_id"),
    ],
)
def test_bad_threshold_payloads_answer_4xx_and_change_nothing(as_admin, org, payload, field):
    body = {"item_type_id": item_type(org, "toy").pk, **payload}
    before = snapshot(org)
    response = as_admin.put(f"{API}/thresholds", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert snapshot(org) == before


def test_volunteer_reads_levels_but_cannot_set_them(as_volunteer, org):
    before = snapshot(org)
    assert as_volunteer.get(f"{API}/thresholds").status_code == 200
    payload = {"item_type_id": item_type(org, "toy").pk, "minimum": "1"}
    response = as_volunteer.put(f"{API}/thresholds", payload, content_type="application/json")
    assert response.status_code == 403
    assert snapshot(org) == before


def test_another_organisations_level_is_404(as_admin, org, other_org):
    with scope(organization=other_org):
        from kindred.goods import services

        theirs = services.set_threshold(
            org=other_org,
            item_type=item_type(other_org, "toy"),
            size="",
            site=None,
            minimum=1,
            public=True,
            actor=None,
        )
    assert as_admin.delete(f"{API}/thresholds/{theirs.pk}").status_code == 404
    assert as_admin.delete(f"{API}/thresholds/{2**70}").status_code in {404, 422}


def test_extreme_moments_are_a_422_not_a_server_error(org, admin):
    from django.test import Client

    from tests.conftest import api_token

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(org, admin)}"}
    base = f"/api/v1/organizations/{org.slug}/goods"
    # PostgreSQL refuses offsets beyond ±15:59; year 1 minus an offset does not exist.
    for url in (
        f"{base}/movements?since=7523-10-01T02:26:17%2B16:30",
        f"{base}/movements?until=0001-01-01T00:00:00%2B10:00",
        f"{base}/stock-at?at=0001-01-01T00:00:00%2B10:00",
    ):
        assert client.get(url, **headers).status_code in {200, 422}, url
    assert client.get(f"{base}/stock-at?at=9999-12-31", **headers).status_code == 200


def test_a_balance_that_went_to_zero_is_listed_when_asked(as_volunteer, org, stocked):
    shelf, _rack = stocked
    with scope(organization=org):  # all three toys went out
        hand_out(
            org=org,
            location=shelf,
            item_type=item_type(org, "toy"),
            size="",
            grade="good",
            quantity=3,
            actor=None,
        )
    listed = as_volunteer.get(f"{API}/balances", {"q": "toy"}).json()
    assert [r["location_name"] for r in listed["items"]] == ["Rack"]  # the default
    everything = as_volunteer.get(f"{API}/balances", {"q": "toy", "include_empty": "true"})
    rows = {r["location_name"]: float(r["quantity"]) for r in everything.json()["items"]}
    assert rows == {"Shelf A": 0, "Rack": 2}
