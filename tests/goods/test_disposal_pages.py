"""Disposal pages: a lot with lines, its page and its printable waybill."""

import io

import pypdfium2
import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import DisposalLot
from kindred.people import services as people_services
from tests.conftest import balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def corner(org, site):
    corner = make_location(org, site, "Export corner", kind="area")
    stock(org, {corner: {"export-textiles": 300, "toy": 10}}, grade="used")
    return corner


def _data(org, site, corner, **values):
    return {
        "kind": "export",
        "site": site.pk,
        "receiver_name": "Humana Nordic",
        "shipped_on": "2025-03-01",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item_type": item_type(org, "export-textiles").pk,
        "lines-0-grade": "used",
        "lines-0-location": corner.pk,
        "lines-0-quantity": "250",
        "lines-1-item_type": item_type(org, "toy").pk,
        "lines-1-grade": "used",
        "lines-1-location": corner.pk,
        "lines-1-quantity": "4",
        "lines-1-weight_kg": "3.2",
        **values,
    }


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_an_export_lot_is_recorded_and_its_waybill_prints(org, volunteer, client_for, site, corner):
    client = client_for(volunteer)
    assert client.get(reverse("goods:disposal-new", args=[org.slug])).status_code == 200
    response = client.post(reverse("goods:disposal-new", args=[org.slug]), _data(org, site, corner))
    with scope(organization=org):
        lot = DisposalLot.objects.get()
    assert response.status_code == 302
    assert balance(org, corner, "export-textiles", grade="used") == 50
    page = client.get(reverse("goods:disposal", args=[org.slug, lot.pk]))
    assert "253.2 kg" in page.content.decode().replace("253.200", "253.2")

    waybill = client.get(reverse("goods:disposal-waybill", args=[org.slug, lot.pk]))

    assert waybill.status_code == 200
    assert waybill["Content-Type"] == "application/pdf"
    text = _text(waybill.content)
    assert "D-1" in text
    assert "Humana Nordic" in text
    assert "Home Charity" in text
    assert "253.2" in text
    assert "signature" in text


def test_the_waybill_names_a_registered_receiver(org, admin, client_for, site, corner):
    with scope(organization=org):
        contact = people_services.create_contact(
            org=org, values={"name": "Textil Export AB", "city": "Borås"}, actor=admin
        )
    client = client_for(admin)
    client.post(
        reverse("goods:disposal-new", args=[org.slug]),
        _data(org, site, corner, receiver_name="", receiver_contact=contact.pk),
    )
    with scope(organization=org):
        lot = DisposalLot.objects.get()
    text = _text(client.get(reverse("goods:disposal-waybill", args=[org.slug, lot.pk])).content)
    assert "Textil Export AB" in text
    assert "Borås" in text


def test_discard_without_a_reason_is_refused_and_nothing_changes(
    org, volunteer, client_for, site, corner
):
    before = snapshot(org)
    response = client_for(volunteer).post(
        reverse("goods:disposal-new", args=[org.slug]),
        _data(org, site, corner, kind="discard", receiver_name=""),
    )
    assert response.status_code == 409
    assert response.context["form"].errors["reason"]
    assert snapshot(org) == before


def test_the_disposal_list_filters_by_kind(org, volunteer, client_for, site, corner):
    client = client_for(volunteer)
    url = reverse("goods:disposals", args=[org.slug])
    assert "Nothing disposed of yet" in client.get(url).content.decode()
    client.post(reverse("goods:disposal-new", args=[org.slug]), _data(org, site, corner))
    assert client.get(url, {"status": "export"}).context["page"].paginator.count == 1
    assert client.get(url, {"status": "discard"}).context["page"].paginator.count == 0
    assert client.get(url, {"q": "humana"}).context["page"].paginator.count == 1
