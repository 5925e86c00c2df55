"""Transfer pages: send with lines, receive at the other site, the list."""

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import Transfer
from kindred.goods.services import transit_location
from tests.conftest import balance, item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    shop = make_location(org, make_site(org, "Butikken", kind="shop"), "Back room")
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    return shelf, shop


def _data(org, source, target, quantity="2"):
    return {
        "from_location": source.pk,
        "to_location": target.pk,
        "note": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item_type": item_type(org, "child-winter-jacket").pk,
        "lines-0-size": "110",
        "lines-0-grade": "good",
        "lines-0-quantity": quantity,
        "lines-1-grade": "good",  # an untouched extra line
    }


def test_goods_sent_to_another_site_are_received_there(org, volunteer, client_for, places):
    shelf, shop = places
    client = client_for(volunteer)
    assert client.get(reverse("goods:transfer-new", args=[org.slug])).status_code == 200
    response = client.post(reverse("goods:transfer-new", args=[org.slug]), _data(org, shelf, shop))
    with scope(organization=org):
        transfer = Transfer.objects.get()
        transit = transit_location(shop.site)
    assert response.status_code == 302
    assert transfer.status == Transfer.Status.IN_TRANSIT
    assert balance(org, transit, "child-winter-jacket-110") == 2
    page = client.get(reverse("goods:transfer", args=[org.slug, transfer.pk]))
    assert reverse("goods:transfer-receive", args=[org.slug, transfer.pk]) in page.content.decode()

    received = client.post(reverse("goods:transfer-receive", args=[org.slug, transfer.pk]))

    assert received.status_code == 302
    assert balance(org, shop, "child-winter-jacket-110") == 2
    again = client.post(reverse("goods:transfer-receive", args=[org.slug, transfer.pk]))
    assert again.status_code == 409
    assert "already been received" in again.content.decode()


def test_sending_more_than_in_stock_shows_the_error_and_saves_nothing(
    org, volunteer, client_for, places
):
    shelf, shop = places
    before = snapshot(org)
    response = client_for(volunteer).post(
        reverse("goods:transfer-new", args=[org.slug]), _data(org, shelf, shop, quantity="9")
    )
    assert response.status_code == 409
    assert "5 in stock" in response.content.decode()
    assert snapshot(org) == before


def test_the_transfer_list_filters_by_status(org, volunteer, client_for, places):
    shelf, shop = places
    client = client_for(volunteer)
    url = reverse("goods:transfers", args=[org.slug])
    assert "No transfers yet" in client.get(url).content.decode()
    client.post(reverse("goods:transfer-new", args=[org.slug]), _data(org, shelf, shop))
    assert client.get(url, {"status": "in_transit"}).context["page"].paginator.count == 1
    assert client.get(url, {"status": "done"}).context["page"].paginator.count == 0
    assert client.get(url, {"q": "back room"}).context["page"].paginator.count == 1
