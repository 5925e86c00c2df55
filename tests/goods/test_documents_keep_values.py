"""Documents do not change after they are issued, and the ledger cannot be rewritten.

A receipt keeps each line's value and the currency it was recorded in, whatever the
catalogue or the organisation's currency becomes; a movement cannot be changed or deleted
(a reversal corrects it); the database refuses a negative fair value, a movement from a
location to itself and a reservation that moves goods; the default catalogue's values are
in the organisation's own currency, or empty where Kindred has no rate for it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core import services as core_services
from kindred.goods.models import ItemType, Movement
from kindred.goods.queries.intake import receipt_summary
from kindred.goods.services import record_receipt, update_item_type
from kindred.goods.services.intake import ReceiptLineIn
from tests.conftest import api_caller, item_type, make_location, make_org


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A", kind="shelf")


def test_a_receipt_keeps_its_value_and_currency_when_the_catalogue_and_currency_change(
    org, site, shelf, admin, client_for
):
    with scope(organization=org):
        sofa = item_type(org, "sofa")  # 1000 DKK in the default catalogue
        receipt = record_receipt(
            org=org,
            site=site,
            lines=[ReceiptLineIn(sofa, "", "good", Decimal(2), shelf)],
            actor=admin,
        )
        before = receipt_summary(receipt)
        update_item_type(org=org, item_type=sofa, values={"fair_value": Decimal("5")}, actor=admin)
        core_services.update_organization(org=org, values={"currency": "EUR"}, actor=admin)
        receipt.refresh_from_db()
        org.refresh_from_db()
        after = receipt_summary(receipt)
    assert (before.total_value, before.currency) == (Decimal("2000.00"), "DKK")
    assert (after.total_value, after.currency) == (before.total_value, before.currency)

    page = client_for(admin).get(
        reverse("goods:receipt", kwargs={"org_slug": org.slug, "receipt_id": receipt.pk})
    )
    assert "2000.00 DKK" in page.content.decode().replace("\xa0", " ").replace(",", ".")
    call = api_caller(org, admin, f"/api/v1/organizations/{org.slug}/goods")
    answer = call("get", f"/receipts/{receipt.pk}").json()
    assert Decimal(str(answer["total_value"])) == Decimal("2000.00")


def test_a_movement_cannot_be_changed_or_deleted(org, site, shelf, admin):
    with scope(organization=org):
        record_receipt(
            org=org,
            site=site,
            lines=[ReceiptLineIn(item_type(org, "sofa"), "", "good", Decimal(1), shelf)],
            actor=admin,
        )
        movement = Movement.objects.get(organization=org)
        movement.quantity = Decimal(5)
        for attempt in (
            movement.save,
            movement.delete,
            lambda: Movement.objects.filter(pk=movement.pk).update(quantity=5),
            lambda: Movement.objects.filter(pk=movement.pk).delete(),
        ):
            with pytest.raises(TypeError, match="append-only"):
                attempt()
        assert Movement.objects.get(pk=movement.pk).quantity == Decimal(1)


def _refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_the_database_refuses_what_the_ledger_and_catalogue_forbid(org, site, shelf, admin):
    other = make_location(org, site, "Shelf B", kind="shelf")
    with scope(organization=org):
        sofa = item_type(org, "sofa")
        row = {"organization": org, "item_type": sofa, "grade": "good", "quantity": 1}
        _refused(
            lambda: Movement.objects.create(
                kind="transfer", from_location=shelf, to_location=shelf, **row
            )
        )
        _refused(
            lambda: Movement.objects.create(
                kind="reserve", from_location=shelf, to_location=other, **row
            )
        )
        _refused(lambda: Movement.objects.create(kind="release", to_location=shelf, **row))
        _refused(lambda: ItemType.objects.filter(pk=sofa.pk).update(fair_value=Decimal("-1")))
        Movement.objects.create(kind="transfer", from_location=shelf, to_location=other, **row)
        Movement.objects.create(kind="reserve", from_location=shelf, **row)


@pytest.mark.parametrize(
    ("currency", "sofa", "chair"),
    [
        ("DKK", Decimal("1000"), Decimal("100")),
        ("SEK", Decimal("1500"), Decimal("150")),
        ("EUR", Decimal("130"), Decimal("13")),
        ("UAH", None, None),  # no rate: no values rather than kroner called hryvnias
    ],
)
def test_the_default_catalogue_is_valued_in_the_organisations_currency(db, currency, sofa, chair):
    org = make_org(f"cat-{currency.lower()}", currency=currency)
    with scopes_disabled():
        values = dict(
            ItemType.objects.filter(organization=org, code__in=["sofa", "chair"]).values_list(
                "code", "fair_value"
            )
        )
    assert values == {"sofa": sofa, "chair": chair}
