"""Correcting a document from its page: the reverse form, refusals, who may."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.services import TransferLineIn, send_transfer
from tests.conftest import balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(org, admin, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    stock(org, {shelf: {"toy": 4}})
    with scope(organization=org):
        return send_transfer(
            org=org,
            from_location=shelf,
            to_location=bin_,
            lines=[TransferLineIn(item_type(org, "toy"), "", "good", Decimal(4))],
            actor=admin,
        )


def test_a_coordinator_reverses_a_transfer_from_its_page(org, coordinator, client_for, transfer):
    client = client_for(coordinator)
    page_url = reverse("goods:transfer", args=[org.slug, transfer.pk])
    page = client.get(page_url)
    assert reverse("goods:document-reverse", args=[org.slug]) in page.content.decode()

    response = client.post(
        reverse("goods:document-reverse", args=[org.slug]),
        {
            "document_type": "transfer",
            "document_id": transfer.pk,
            "reason": "Typo",
            "next": page_url,
        },
    )

    assert response.status_code == 302
    assert response.url == page_url
    assert balance(org, transfer.from_location, "toy") == 4
    after = client.get(page_url)
    assert "Typo" in after.content.decode()
    assert after.context["reverse_form"] is None  # nothing left to reverse


def test_a_volunteer_sees_no_reverse_form(org, volunteer, client_for, transfer):
    page = client_for(volunteer).get(reverse("goods:transfer", args=[org.slug, transfer.pk]))
    assert page.context["reverse_form"] is None


def test_reversing_twice_or_without_a_reason_is_refused(org, admin, client_for, transfer):
    client = client_for(admin)
    url = reverse("goods:document-reverse", args=[org.slug])
    data = {"document_type": "transfer", "document_id": transfer.pk, "reason": "x"}
    assert client.post(url, data).status_code == 302
    before = snapshot(org)
    again = client.post(url, data)
    assert again.status_code == 409
    assert "already been reversed" in again.content.decode()
    assert client.post(url, {**data, "reason": ""}).status_code == 400
    assert client.post(url, {**data, "next": "https://evil.test/"}).status_code == 409
    assert snapshot(org) == before


def test_an_unsafe_next_is_not_followed(org, admin, client_for, transfer):
    response = client_for(admin).post(
        reverse("goods:document-reverse", args=[org.slug]),
        {
            "document_type": "transfer",
            "document_id": transfer.pk,
            "reason": "x",
            "next": "https://evil.test/",
        },
    )
    assert response.url == reverse("goods:transfer", args=[org.slug, transfer.pk])
