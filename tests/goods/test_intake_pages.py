"""The intake table page, its line and donor endpoints, and the intake API: a whole
donation saved once, whatever is resubmitted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.goods.models import DonationReceipt, Movement
from kindred.people import services as people
from tests.conftest import api_token, balance, item_type, make_location, snapshot


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A", kind="shelf")


@pytest.fixture
def bakery(org, admin):
    with scope(organization=org):
        return people.create_contact(
            org=org, values={"kind": "company", "name": "Bageriet AB"}, actor=admin
        )


def url(org, name, **kwargs) -> str:
    return reverse(f"goods:{name}", kwargs={"org_slug": org.slug, **kwargs})


def intake_data(org, site, shelf, key="key-1", **extra) -> dict:
    return {
        "site": site.pk,
        "received_on": "2025-02-03",
        "channel": "drop_off",
        "donor": "",
        "donor_kind": "",
        "idempotency_key": key,
        "lines-0-item_type": item_type(org, "child-winter-jacket").pk,
        "lines-0-size": "110",
        "lines-0-quantity": "3",
        "lines-0-grade": "good",
        "lines-0-location": shelf.pk,
        "lines-1-item_type": item_type(org, "toy").pk,
        "lines-1-quantity": "2",
        "lines-1-grade": "used",
        "lines-1-location": shelf.pk,
        **extra,
    }


def receipts(org):
    with scopes_disabled():
        return list(DonationReceipt.objects.filter(organization=org))


def test_the_page_offers_the_catalogue_and_a_fresh_idempotency_key(
    org, site, shelf, volunteer, client_for
):
    item_type(org, "toy")
    client = client_for(volunteer)
    first = client.get(url(org, "intake"))
    second = client.get(url(org, "intake"))

    body = first.content.decode()
    assert first.status_code == 200
    assert 'id="intake-catalogue"' in body and "s winter jacket" in body
    assert "goods/intake.js" in body and "<script>" not in body  # no inline scripts
    key = first.context["form"].initial["idempotency_key"]
    assert len(key) == 32 and key != second.context["form"].initial["idempotency_key"]


def test_saving_records_the_receipt_and_shows_it_with_print_and_next_donor(
    org, site, shelf, volunteer, client_for
):
    client = client_for(volunteer)
    response = client.post(url(org, "intake"), intake_data(org, site, shelf))

    [receipt] = receipts(org)
    assert response.status_code == 302
    assert response["Location"].startswith(url(org, "receipt", receipt_id=receipt.pk))
    page = client.get(response["Location"]).content.decode()
    assert url(org, "receipt-print", receipt_id=receipt.pk) in page
    assert 'id="next-donor"' in page
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, shelf, "toy", grade="used") == 2
    assert receipt.donor_kind == "anonymous"


def test_the_same_form_submitted_twice_gives_one_receipt(org, site, shelf, volunteer, client_for):
    client = client_for(volunteer)
    data = intake_data(org, site, shelf, key="double-click")
    first = client.post(url(org, "intake"), data)
    second = client.post(url(org, "intake"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    [receipt] = receipts(org)
    with scopes_disabled():
        assert Movement.objects.filter(document_id=receipt.pk).count() == 2
    assert balance(org, shelf, "child-winter-jacket-110") == 3


def test_a_bad_line_is_shown_next_to_it_and_nothing_is_saved(
    org, site, shelf, volunteer, client_for
):
    client = client_for(volunteer)
    before = snapshot(org)
    data = intake_data(org, site, shelf, **{"lines-1-size": "XL"})  # toys have no sizes

    response = client.post(url(org, "intake"), data)

    assert response.status_code == 422
    rows = response.context["rows"]
    assert rows[1]["error"] and not rows[0]["error"]
    assert "does not come in size XL" in response.content.decode()
    assert snapshot(org) == before


def test_a_registered_company_is_the_donor(org, site, shelf, volunteer, client_for, bakery):
    data = intake_data(
        org,
        site,
        shelf,
        donor="Bageriet AB",
        donor_kind="contact",
        donor_contact=bakery.pk,
        channel="company",
    )
    client_for(volunteer).post(url(org, "intake"), data)

    [receipt] = receipts(org)
    assert receipt.donor_contact_id == bakery.pk and receipt.donor_name == ""
    assert receipt.channel == "company"


def test_a_free_text_donor_is_kept_as_a_named_donor(org, site, shelf, volunteer, client_for):
    client_for(volunteer).post(url(org, "intake"), intake_data(org, site, shelf, donor="Mrs Holm"))
    [receipt] = receipts(org)
    assert (receipt.donor_kind, receipt.donor_name) == ("named", "Mrs Holm")


def test_the_line_endpoint_answers_a_row_without_saving(org, site, shelf, volunteer, client_for):
    before = snapshot(org)
    response = client_for(volunteer).post(
        url(org, "intake-line"),
        {
            "site": site.pk,
            "index": "4",
            "item_type": item_type(org, "child-winter-jacket").pk,
            "size": "110",
            "quantity": "3",
            "grade": "good",
            "location": shelf.pk,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="lines-4-item_type"' in body and 'data-kg="2.4"' in body
    assert snapshot(org) == before


def test_the_line_endpoint_names_the_bad_field(org, site, shelf, volunteer, client_for):
    response = client_for(volunteer).post(
        url(org, "intake-line"),
        {
            "site": site.pk,
            "item_type": item_type(org, "child-winter-jacket").pk,
            "size": "999",
            "quantity": "1",
            "location": shelf.pk,
        },
    )
    assert response.status_code == 422
    assert 'data-field="size"' in response.content.decode()


def test_errors_are_in_the_users_language(org, site, shelf, volunteer, client_for):
    from django.utils import translation

    volunteer.language = "sv"
    volunteer.save(update_fields=["language"])
    response = client_for(volunteer).post(
        url(org, "intake-line"),
        {"site": site.pk, "item_type": "nothing-like-this", "quantity": "1"},
    )
    with translation.override("sv"):
        expected = translation.gettext("Choose an item type of the catalogue.")
    assert response.status_code == 422
    assert expected in response.content.decode()


def test_the_donor_type_ahead_finds_companies_and_persons_by_name(
    org, volunteer, client_for, bakery, admin
):
    with scope(organization=org):
        people.create_person(
            org=org, values={"given_name": "Bengt", "family_name": "Bager"}, actor=admin
        )
    response = client_for(volunteer).get(url(org, "intake-donors"), {"q": "Bag"})
    body = response.content.decode()
    assert 'data-kind="contact"' in body and "Bageriet AB" in body
    assert 'data-kind="person"' in body and "Bengt Bager" in body


def test_the_api_records_once_per_idempotency_key(org, site, shelf, volunteer, client):
    token = api_token(org, volunteer)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "api-1"}
    payload = {
        "site_id": site.pk,
        "channel": "pickup",
        "donor_kind": "named",
        "donor_name": "Mr Lind",
        "lines": [
            {"item_type": "toy", "quantity": "2", "location_id": shelf.pk},
            {"item_type": "child-winter-jacket", "size": "116", "quantity": 1},
        ],
    }
    path = f"/api/v1/organizations/{org.slug}/goods/receipts"
    item_type(org, "toy")

    first = client.post(path, payload, content_type="application/json", **headers)
    second = client.post(path, payload, content_type="application/json", **headers)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["donor"] == "Mr Lind"
    assert len(receipts(org)) == 1
    assert balance(org, shelf, "toy") == 2
    assert balance(org, shelf, "child-winter-jacket-116") == 1  # the site's default location


def test_the_api_refuses_a_bad_size_with_422_naming_the_line(org, site, shelf, admin, client):
    token = api_token(org, admin)
    item_type(org, "toy")
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")  # records "last used"
    before = snapshot(org)
    response = client.post(
        f"/api/v1/organizations/{org.slug}/goods/receipts",
        {"site_id": site.pk, "lines": [{"item_type": "jeans", "size": "200", "quantity": 1}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "lines.0.size" in response.content.decode()
    assert snapshot(org) == before


def test_the_api_lists_filters_and_corrects_receipts(org, site, shelf, admin, client):
    token = api_token(org, admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    base = f"/api/v1/organizations/{org.slug}/goods/receipts"
    item_type(org, "toy")
    created = client.post(
        base,
        {
            "site_id": site.pk,
            "channel": "container",
            "lines": [{"item_type": "toy", "quantity": 5}],
        },
        content_type="application/json",
        **headers,
    ).json()

    listed = client.get(base, {"channel": "container"}, **headers).json()
    assert [r["id"] for r in listed["items"]] == [created["id"]]
    assert client.get(base, {"channel": "pickup"}, **headers).json()["count"] == 0
    corrected = client.post(
        f"{base}/{created['id']}/correct",
        {"reason": "Four", "lines": [{"item_type": "toy", "quantity": 4}]},
        content_type="application/json",
        **headers,
    )
    assert corrected.status_code == 200
    assert corrected.json()["revision"] == 2
    assert [line["voided"] for line in corrected.json()["lines"]] == [True, False]
    assert balance(org, shelf, "toy") == Decimal(4)


def test_receipts_list_searches_filters_and_has_an_empty_state(
    org, site, shelf, volunteer, client_for, bakery
):
    client = client_for(volunteer)
    empty = client.get(url(org, "receipts")).content.decode()
    assert "No donations received yet" in empty
    client.post(
        url(org, "intake"),
        intake_data(
            org,
            site,
            shelf,
            key="a",
            donor="Bageriet AB",
            donor_kind="contact",
            donor_contact=bakery.pk,
        ),
    )
    client.post(url(org, "intake"), intake_data(org, site, shelf, key="b", donor="Mrs Holm"))

    found = client.get(url(org, "receipts"), {"q": "Bageriet"}).context["page"].object_list
    assert [r.donor_contact_id for r in found] == [bakery.pk]
    by_number = client.get(url(org, "receipts"), {"q": "R-2"}).context["page"].object_list
    assert [r.number for r in by_number] == [2]
    oldest = client.get(url(org, "receipts"), {"sort": "oldest"}).context["page"].object_list
    assert [r.number for r in oldest] == [1, 2]
    none = client.get(url(org, "receipts"), {"channel": "pickup"}).content.decode()
    assert "No receipt matches these filters." in none


def test_the_receipt_page_strikes_through_void_lines(org, site, shelf, admin, client_for):
    client = client_for(admin)
    client.post(url(org, "intake"), intake_data(org, site, shelf))
    [receipt] = receipts(org)
    response = client.post(
        url(org, "receipt-correct", receipt_id=receipt.pk),
        {
            "reason": "Only two jackets",
            "lines-0-item_type": item_type(org, "child-winter-jacket").pk,
            "lines-0-size": "110",
            "lines-0-quantity": "2",
            "lines-0-grade": "good",
            "lines-0-location": shelf.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(url(org, "receipt", receipt_id=receipt.pk)).content.decode()
    assert page.count('class="void"') == 2
    assert "Only two jackets" in page
    assert balance(org, shelf, "child-winter-jacket-110") == 2
    assert balance(org, shelf, "toy", grade="used") == 0
