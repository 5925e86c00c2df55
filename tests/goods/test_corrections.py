"""Correcting a past document by reversing it: new movements, history kept."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.core.models import AuditEntry
from kindred.core.services import NotFound
from kindred.goods.models import Movement, Stream
from kindred.goods.queries import document_corrections, verify_balances
from kindred.goods.services import (
    SortingLineIn,
    StockError,
    TransferLineIn,
    hand_out,
    record_sorting,
    reverse_document,
    send_transfer,
)
from tests.conftest import balance, item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def places(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "unsorted-textiles": 30}})
    return shelf, bin_


def _transfer(org, admin, shelf, target, quantity=2):
    with scope(organization=org):
        return send_transfer(
            org=org,
            from_location=shelf,
            to_location=target,
            lines=[
                TransferLineIn(item_type(org, "child-winter-jacket"), "110", "good", D(quantity))
            ],
            actor=admin,
        )


def test_reversing_a_transfer_puts_the_goods_back_and_keeps_the_history(org, coordinator, places):
    shelf, bin_ = places
    transfer = _transfer(org, coordinator, shelf, bin_)
    with scope(organization=org):
        movements = reverse_document(
            org=org,
            document_type="transfer",
            document_id=transfer.pk,
            reason="Wrong bin",
            actor=coordinator,
        )
        original = Movement.objects.get(document_type="transfer")
        assert verify_balances(org) == []
        assert list(document_corrections(org, "transfer", transfer.pk)) == movements
        entry = AuditEntry.objects.get(action="stock.corrected")
    assert balance(org, shelf, "child-winter-jacket-110") == 5
    assert balance(org, bin_, "child-winter-jacket-110") == 0
    (reversal,) = movements
    assert reversal.kind == "correction"
    assert reversal.reverses_id == original.pk
    assert (reversal.document_type, reversal.document_id) == ("correction", original.pk)
    assert reversal.reason == "Wrong bin"
    assert entry.object_id == str(transfer.pk)
    assert entry.changes["document_type"] == "transfer"


def test_a_document_is_reversed_only_once(org, admin, places):
    shelf, bin_ = places
    transfer = _transfer(org, admin, shelf, bin_)
    with scope(organization=org):
        reverse_document(
            org=org, document_type="transfer", document_id=transfer.pk, reason="x", actor=admin
        )
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        reverse_document(
            org=org, document_type="transfer", document_id=transfer.pk, reason="x", actor=admin
        )
    assert error.value.field == "document_id"
    assert snapshot(org) == before


def test_a_reversal_of_goods_that_moved_on_is_refused_and_changes_nothing(org, admin, places):
    shelf, bin_ = places
    transfer = _transfer(org, admin, shelf, bin_)
    with scope(organization=org):
        hand_out(
            org=org,
            location=bin_,
            item_type=item_type(org, "child-winter-jacket"),
            size="110",
            grade="good",
            quantity=D(1),
            actor=admin,
        )
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError):
        reverse_document(
            org=org, document_type="transfer", document_id=transfer.pk, reason="x", actor=admin
        )
    assert snapshot(org) == before


def test_reversing_a_sorting_returns_the_sacks(org, admin, places):
    shelf, bin_ = places
    with scope(organization=org):
        sorting = record_sorting(
            org=org,
            source_location=shelf,
            source_item_type=item_type(org, "unsorted-textiles"),
            source_grade="good",
            weight_kg=D(10),
            lines=[
                SortingLineIn(Stream.KEEP, item_type(org, "toy"), "", "good", D(3), location=bin_),
                SortingLineIn(Stream.DISCARD, weight_kg=D(2)),
            ],
            actor=admin,
        )
        reverse_document(
            org=org, document_type="sorting", document_id=sorting.pk, reason="x", actor=admin
        )
        assert verify_balances(org) == []
    assert balance(org, shelf, "unsorted-textiles") == 30
    assert balance(org, bin_, "toy") == 0


def test_a_correction_needs_a_reason_and_an_existing_document(org, admin, places):
    shelf, bin_ = places
    transfer = _transfer(org, admin, shelf, bin_)
    with scope(organization=org):
        with pytest.raises(StockError) as error:
            reverse_document(
                org=org, document_type="transfer", document_id=transfer.pk, reason=" ", actor=admin
            )
        assert error.value.field == "reason"
        with pytest.raises(NotFound):
            reverse_document(
                org=org,
                document_type="transfer",
                document_id=transfer.pk + 99,
                reason="x",
                actor=admin,
            )
        with pytest.raises(StockError) as error:
            reverse_document(
                org=org, document_type="correction", document_id=1, reason="x", actor=admin
            )
        assert error.value.field == "document_type"


def test_another_organisations_document_is_not_found(org, other_org, admin, places):
    shelf, bin_ = places
    transfer = _transfer(org, admin, shelf, bin_)
    make_site(other_org, "Lager")
    with scope(organization=other_org), pytest.raises(NotFound):
        reverse_document(
            org=other_org,
            document_type="transfer",
            document_id=transfer.pk,
            reason="x",
            actor=admin,
        )
