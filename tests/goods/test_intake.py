"""Recording and correcting donation receipts (goods.services.intake)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from kindred.core.services import Invalid
from kindred.goods.models import DonationLine, DonationReceipt, Movement, OneOffItem
from kindred.goods.queries import verify_balances
from kindred.goods.services import StockError, correct_receipt, record_receipt
from kindred.goods.services.intake import ReceiptLineIn
from tests.conftest import balance, item_type, make_location, make_site, snapshot, stock

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A", kind="shelf")


def line(org, location, code, quantity, size="", **extra) -> ReceiptLineIn:
    return ReceiptLineIn(
        item_type=item_type(org, code),
        size=size,
        grade=extra.pop("grade", "good"),
        quantity=Decimal(str(quantity)),
        location=location,
        **extra,
    )


def record(org, site, actor, lines, **kwargs) -> DonationReceipt:
    with scope(organization=org):
        return record_receipt(org=org, site=site, lines=lines, actor=actor, **kwargs)


def test_recording_a_receipt_raises_the_stock_through_one_set_of_intake_movements(
    org, site, shelf, volunteer
):
    receipt = record(
        org,
        site,
        volunteer,
        [
            line(org, shelf, "child-winter-jacket", 3, "110"),
            line(org, shelf, "toy", 5),
            line(org, shelf, "unsorted-textiles", "12.5"),
        ],
    )

    assert receipt.reference == "R-1"
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, shelf, "toy") == 5
    assert balance(org, shelf, "unsorted-textiles") == Decimal("12.5")
    with scope(organization=org):
        movements = Movement.objects.filter(document_type="receipt", document_id=receipt.pk)
        assert {m.kind for m in movements} == {Movement.Kind.INTAKE}
        assert movements.count() == 3
        sack = DonationLine.objects.get(receipt=receipt, item_type__code="unsorted-textiles")
        assert sack.weight_kg == Decimal("12.5")  # a kg type weighs its quantity
        assert verify_balances(org) == []


def test_receipts_are_numbered_in_sequence(org, site, shelf, volunteer):
    first = record(org, site, volunteer, [line(org, shelf, "toy", 1)])
    second = record(org, site, volunteer, [line(org, shelf, "toy", 1)])
    assert (first.number, second.number) == (1, 2)


def test_sizes_are_normalised_and_checked_against_the_size_system(org, site, shelf, volunteer):
    receipt = record(org, site, volunteer, [line(org, shelf, "tshirt", 2, "xl")])
    with scope(organization=org):
        assert receipt.lines.get().size == "XL"
    before = snapshot(org)

    with pytest.raises(StockError) as error:
        record(
            org, site, volunteer, [line(org, shelf, "toy", 1), line(org, shelf, "jeans", 1, "110")]
        )

    assert error.value.field == "lines.1.size"
    assert "110" in error.value.message
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("code", "quantity", "size", "field"),
    [
        ("toy", "0", "", "lines.0.quantity"),
        ("toy", "-2", "", "lines.0.quantity"),
        ("toy", "1.5", "", "lines.0.quantity"),  # pieces are whole
        ("child-winter-jacket", "1", "", "lines.0.size"),  # a size is needed
        ("toy", "1", "M", "lines.0.size"),  # toys have no sizes
    ],
)
def test_bad_lines_are_refused_naming_the_field_and_change_nothing(
    org, site, shelf, volunteer, code, quantity, size, field
):
    item_type(org, code)
    before = snapshot(org)

    with pytest.raises(StockError) as error:
        record(org, site, volunteer, [line(org, shelf, code, quantity, size)])

    assert error.value.field == field
    assert isinstance(error.value, Invalid)  # answered 422 by the API
    assert snapshot(org) == before


def test_kilograms_may_have_decimals(org, site, shelf, volunteer):
    record(org, site, volunteer, [line(org, shelf, "mixed-household", "3.275")])
    assert balance(org, shelf, "mixed-household") == Decimal("3.275")


def test_a_location_of_another_site_or_in_transit_is_refused(org, site, shelf, volunteer):
    other = make_location(org, make_site(org, "Butikken"), "Back room")
    transit = make_location(org, site, "Transit", kind="transit")
    item_type(org, "toy")
    before = snapshot(org)
    for location in (other, transit):
        with pytest.raises(StockError) as error:
            record(org, site, volunteer, [line(org, location, "toy", 1)])
        assert error.value.field == "lines.0.location"
    assert snapshot(org) == before


def test_a_hidden_item_type_or_one_of_another_organisation_is_refused(
    org, other_org, site, shelf, volunteer
):
    foreign = item_type(other_org, "toy")
    hidden = item_type(org, "sofa")
    with scopes_disabled():
        hidden.hidden = True
        hidden.save(update_fields=["hidden"])
    before = snapshot(org)
    for kind in (foreign, hidden):
        bad = ReceiptLineIn(item_type=kind, size="", grade="good", quantity=1, location=shelf)
        with pytest.raises(StockError) as error:
            record(org, site, volunteer, [bad])
        assert error.value.field == "lines.0.item_type"
    assert snapshot(org) == before


def test_a_receipt_needs_a_line(org, site, volunteer):
    with pytest.raises(StockError) as error:
        record(org, site, volunteer, [])
    assert error.value.field == "lines"


def test_one_off_items_are_registered_one_by_one_with_the_photo(
    org, site, shelf, volunteer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("sofa.png", PNG, content_type="image/png")
    receipt = record(
        org,
        site,
        volunteer,
        [line(org, shelf, "sofa", 2, description="Grey, three seats", photo=photo)],
    )

    with scope(organization=org):
        items = list(OneOffItem.objects.filter(line__receipt=receipt))
    assert len(items) == 2
    assert {i.description for i in items} == {"Grey, three seats"}
    assert all(i.photo and i.location == shelf for i in items)
    assert balance(org, shelf, "sofa") == 2


def test_the_same_key_returns_the_first_receipt_and_records_nothing_more(
    org, site, shelf, volunteer
):
    first = record(org, site, volunteer, [line(org, shelf, "toy", 4)], idempotency_key="abc")
    before = snapshot(org)

    again = record(org, site, volunteer, [line(org, shelf, "toy", 4)], idempotency_key="abc")

    assert again.pk == first.pk and again.replayed is True
    assert snapshot(org) == before
    assert balance(org, shelf, "toy") == 4


def test_a_registered_donor_is_referred_to_not_copied(org, site, shelf, volunteer, admin):
    from kindred.people import services as people

    with scope(organization=org):
        person = people.create_person(
            org=org, values={"given_name": "Karin", "family_name": "Berg"}, actor=admin
        )
    receipt = record(
        org,
        site,
        volunteer,
        [line(org, shelf, "toy", 1)],
        donor_kind="person",
        donor_person=person,
        donor_name="Karin Berg",
    )
    assert receipt.donor_person == person and receipt.donor_name == ""


def test_a_named_donor_needs_a_name(org, site, shelf, volunteer):
    item_type(org, "toy")
    before = snapshot(org)
    with pytest.raises(Invalid) as error:
        record(org, site, volunteer, [line(org, shelf, "toy", 1)], donor_kind="named")
    assert error.value.field == "donor_name"
    assert snapshot(org) == before


def test_a_correction_reverses_the_lines_and_records_the_new_ones(
    org, site, shelf, volunteer, coordinator
):
    receipt = record(org, site, volunteer, [line(org, shelf, "child-winter-jacket", 3, "110")])

    with scope(organization=org):
        corrected = correct_receipt(
            org=org,
            receipt=receipt,
            lines=[line(org, shelf, "child-winter-jacket", 2, "116")],
            reason="Wrong size",
            actor=coordinator,
        )
        old, new = DonationLine.objects.filter(receipt=receipt).order_by("position")
        kinds = sorted(
            Movement.objects.filter(document_type="receipt", document_id=receipt.pk).values_list(
                "kind", flat=True
            )
        )
        assert verify_balances(org) == []

    assert corrected.revision == 2
    assert old.voided and not new.voided and new.size == "116"
    assert balance(org, shelf, "child-winter-jacket-110") == 0
    assert balance(org, shelf, "child-winter-jacket-116") == 2
    assert kinds == ["correction", "intake", "intake"]


def test_a_second_correction_reverses_only_what_is_in_force(org, site, shelf, volunteer, admin):
    receipt = record(org, site, volunteer, [line(org, shelf, "toy", 3)])
    with scope(organization=org):
        correct_receipt(
            org=org, receipt=receipt, lines=[line(org, shelf, "toy", 5)], reason="a", actor=admin
        )
        correct_receipt(
            org=org, receipt=receipt, lines=[line(org, shelf, "toy", 4)], reason="b", actor=admin
        )
        assert verify_balances(org) == []
    assert balance(org, shelf, "toy") == 4


def test_a_correction_of_goods_no_longer_there_is_refused_and_changes_nothing(
    org, site, shelf, volunteer, admin
):
    receipt = record(org, site, volunteer, [line(org, shelf, "toy", 3)])
    other = make_location(org, site, "Bin 1", kind="bin")
    with scope(organization=org):
        from kindred.goods.services import Move
        from kindred.goods.services import record as ledger_record

        toy = item_type(org, "toy")
        ledger_record(
            org=org,
            moves=[
                Move(
                    kind="transfer",
                    item_type_id=toy.pk,
                    size="",
                    grade="good",
                    quantity=Decimal(3),
                    from_location=shelf.pk,
                    to_location=other.pk,
                )
            ],
            actor=admin,
        )
    before = snapshot(org)

    with scope(organization=org), pytest.raises(StockError) as error:
        correct_receipt(
            org=org, receipt=receipt, lines=[line(org, shelf, "toy", 2)], reason="x", actor=admin
        )

    assert "no longer" in error.value.message
    assert snapshot(org) == before


def test_a_correction_needs_a_reason(org, site, shelf, volunteer, admin):
    receipt = record(org, site, volunteer, [line(org, shelf, "toy", 3)])
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        correct_receipt(
            org=org, receipt=receipt, lines=[line(org, shelf, "toy", 2)], reason=" ", actor=admin
        )
    assert error.value.field == "reason"
    assert snapshot(org) == before


def test_stock_from_elsewhere_is_untouched_by_a_receipt(org, site, shelf, volunteer):
    stock(org, {shelf: {"toy": 2}})
    record(org, site, volunteer, [line(org, shelf, "toy", 3)])
    assert balance(org, shelf, "toy") == 5
