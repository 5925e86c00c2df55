"""The one-off item page (an item label opens it) and its photo, which only the
organisation's members can load."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import DonationLine, DonationReceipt, Grade, OneOffItem
from tests.conftest import item_type, make_location, make_site
from tests.core.goods_matrix.labels import PNG


def make_item(org, site=None, *, photo: bool = False, **values) -> OneOffItem:
    location = values.pop("location", None) or make_location(org, site, "Shelf A", kind="shelf")
    kind = item_type(org, values.pop("code", "sofa"))
    with scope(organization=org):
        item = OneOffItem(
            organization=org,
            item_type=kind,
            grade=values.pop("grade", Grade.GOOD),
            location=location,
            **values,
        )
        if photo:
            item.photo.save("sofa.png", ContentFile(PNG), save=False)
        item.save()
        return item


def item_page(org, item) -> str:
    return reverse("goods:item", args=[org.slug, item.pk])


def photo_url(org, item) -> str:
    return reverse("goods:item-photo", args=[org.slug, item.pk])


def test_the_page_shows_what_the_item_is_and_where(org, site, volunteer, client_for):
    item = make_item(org, site, code="pram", size="", description="Black, two seats")

    response = client_for(volunteer).get(item_page(org, item))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Pram" in body and item.code in body and "Black, two seats" in body
    assert "Good" in body and "In stock" in body
    assert "Lageret" in body and "Shelf A" in body
    assert reverse("goods:location", args=[org.slug, item.location_id]) in body
    assert reverse("goods:labels-pdf", args=[org.slug]) + f"?item={item.pk}" in body
    assert photo_url(org, item) not in body  # no photo, no picture


def test_the_page_names_the_receipt_the_item_came_with(org, site, volunteer, client_for):
    item = make_item(org, site)
    with scope(organization=org):
        receipt = DonationReceipt.objects.create(
            organization=org, number=7, site=site, received_on=datetime.date(2025, 3, 1)
        )
        item.line = DonationLine.objects.create(
            organization=org,
            receipt=receipt,
            item_type=item.item_type,
            grade=item.grade,
            quantity=1,
            location=item.location,
        )
        item.save(update_fields=["line"])

    body = client_for(volunteer).get(item_page(org, item)).content.decode()

    assert "R-7" in body


def test_the_photo_is_shown_through_the_members_only_view(org, site, volunteer, client_for):
    item = make_item(org, site, photo=True)
    client = client_for(volunteer)

    body = client.get(item_page(org, item)).content.decode()
    response = client.get(photo_url(org, item))

    assert f'src="{photo_url(org, item)}"' in body
    assert "/media/" not in body
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_the_photo_is_not_for_outsiders_or_anonymous_visitors(org, site, outsider, client_for):
    item = make_item(org, site, photo=True)

    anonymous = Client().get(photo_url(org, item))
    other = client_for(outsider).get(photo_url(org, item))

    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert other.status_code == 404


def test_a_role_without_stock_access_gets_no_photo(org, site, referrer, client_for):
    item = make_item(org, site, photo=True)

    assert client_for(referrer).get(photo_url(org, item)).status_code == 403


def test_an_item_without_a_photo_or_with_a_lost_file_answers_404(org, site, volunteer, client_for):
    bare = make_item(org, site)
    lost = make_item(org, site, photo=True)
    lost.photo.storage.delete(lost.photo.name)
    client = client_for(volunteer)

    assert client.get(photo_url(org, bare)).status_code == 404
    assert client.get(photo_url(org, lost)).status_code == 404


def test_another_organisations_item_and_photo_answer_404(org, other_org, volunteer, client_for):
    theirs = make_item(other_org, make_site(other_org, "Lagret"), photo=True)
    client = client_for(volunteer)

    assert client.get(item_page(org, theirs)).status_code == 404
    assert client.get(photo_url(org, theirs)).status_code == 404
