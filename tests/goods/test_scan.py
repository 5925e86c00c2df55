"""The scan page: a code ("L12", "I34") or a Kindred URL of this organisation, typed by a
handheld scanner or read by the camera, opens the location's or item's page. Anything else
— another organisation's code or address included — is answered as unknown."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import Grade, OneOffItem
from tests.conftest import item_type, make_location, make_site, snapshot


@pytest.fixture
def bin_(org, site):
    return make_location(org, site, "Bin 3", kind="bin")


@pytest.fixture
def sofa(org, bin_):
    kind = item_type(org, "sofa")
    with scope(organization=org):
        return OneOffItem.objects.create(
            organization=org, item_type=kind, grade=Grade.GOOD, location=bin_
        )


def scan_url(org) -> str:
    return reverse("goods:scan", args=[org.slug])


def location_url(org, location) -> str:
    return reverse("goods:location", args=[org.slug, location.pk])


def item_url(org, item) -> str:
    return reverse("goods:item", args=[org.slug, item.pk])


def test_the_scan_page_has_one_autofocused_field_and_a_hidden_camera_button(
    org, volunteer, client_for
):
    response = client_for(volunteer).get(scan_url(org))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('name="code"') == 1 and "autofocus" in body
    assert "<span data-scan-camera hidden>" in body  # scan.js shows it where BarcodeDetector exists
    assert "goods/scan.js" in body


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {code} ", "L-{pk}", "l {pk}"])
def test_a_location_code_opens_the_location(org, bin_, volunteer, client_for, typed):
    text = typed.format(code=bin_.code, lower=bin_.code.lower(), pk=bin_.pk)

    response = client_for(volunteer).post(scan_url(org), {"code": text})

    assert response.status_code == 302
    assert response["Location"] == location_url(org, bin_)


def test_an_item_code_opens_the_item(org, sofa, volunteer, client_for):
    response = client_for(volunteer).post(scan_url(org), {"code": sofa.code.lower()})

    assert response["Location"] == item_url(org, sofa)


def test_a_full_url_from_a_label_opens_its_page(org, bin_, sofa, volunteer, client_for):
    client = client_for(volunteer)

    here = client.post(scan_url(org), {"code": f"http://testserver{location_url(org, bin_)}"})
    # A label printed from another address of the same server still works.
    elsewhere = client.post(
        scan_url(org), {"code": f"https://kindred.example.org{item_url(org, sofa)}"}
    )
    photo = client.post(
        scan_url(org),
        {"code": "https://x.test" + reverse("goods:item-photo", args=[org.slug, sofa.pk])},
    )

    assert here["Location"] == location_url(org, bin_)
    assert elsewhere["Location"] == item_url(org, sofa)
    assert photo["Location"] == item_url(org, sofa)


def test_a_code_in_the_address_bar_opens_its_page_too(org, bin_, volunteer, client_for):
    response = client_for(volunteer).get(scan_url(org), {"code": bin_.code})

    assert response["Location"] == location_url(org, bin_)


def test_an_unknown_code_shows_a_message_and_keeps_the_field(org, volunteer, client_for):
    response = client_for(volunteer).post(scan_url(org), {"code": "L999999"})

    body = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here has the code L999999." in body
    assert 'name="code"' in body


@pytest.mark.parametrize("text", ["hello", "https://example.org/", "Q12", "/o/home/people/"])
def test_text_that_is_no_label_is_refused_with_a_message(org, volunteer, client_for, text):
    response = client_for(volunteer).post(scan_url(org), {"code": text})

    assert response.status_code == 400
    assert "This is not a Kindred label." in response.content.decode()


def test_an_empty_scan_asks_for_a_code(org, volunteer, client_for):
    response = client_for(volunteer).post(scan_url(org), {"code": "  "})

    assert response.status_code == 400
    assert "Scan a label or type its code." in response.content.decode()


def test_another_organisations_code_is_unknown(org, other_org, volunteer, client_for):
    theirs = make_location(other_org, make_site(other_org, "Lagret"), "Their bin", kind="bin")
    kind = item_type(other_org, "sofa")
    with scope(organization=other_org):
        their_item = OneOffItem.objects.create(
            organization=other_org, item_type=kind, grade=Grade.GOOD, location=theirs
        )
    client = client_for(volunteer)
    before = snapshot(other_org)

    by_code = client.post(scan_url(org), {"code": theirs.code})
    by_item = client.post(scan_url(org), {"code": their_item.code})
    # Their URL names their organisation: it is no label of this one.
    by_url = client.post(
        scan_url(org), {"code": "http://testserver" + location_url(other_org, theirs)}
    )
    # Their location's id under this organisation's address is simply unknown here.
    by_forged = client.post(
        scan_url(org),
        {"code": "http://testserver" + reverse("goods:location", args=[org.slug, theirs.pk])},
    )

    assert by_code.status_code == by_item.status_code == by_forged.status_code == 404
    assert by_url.status_code == 400
    for response in (by_code, by_item, by_url, by_forged):
        assert "Their bin" not in response.content.decode()
    assert snapshot(other_org) == before


def test_an_outsider_cannot_scan_in_the_organisation(org, bin_, outsider, client_for):
    response = client_for(outsider).post(scan_url(org), {"code": bin_.code})

    assert response.status_code == 404


def test_a_referrer_may_not_scan(org, bin_, referrer, client_for):
    response = client_for(referrer).post(scan_url(org), {"code": bin_.code})

    assert response.status_code == 403
