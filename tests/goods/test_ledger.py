"""The ledger service: balances follow movements, refusals change nothing."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.goods.models import Movement, StockBalance
from kindred.goods.queries import stock_at, verify_balances
from kindred.goods.services import Move, StockError, record, reversal
from tests.conftest import balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db
Kind = Movement.Kind


def test_intake_then_transfer_moves_the_balance(org, admin):
    shelf, bin_ = make_location(org, name="Shelf A"), make_location(org, name="Bin 1")
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        record(
            org=org,
            moves=[Move(Kind.TRANSFER, jacket.pk, "110", "good", Decimal(2), shelf.pk, bin_.pk)],
            actor=admin,
        )
        assert verify_balances(org) == []
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, bin_, "child-winter-jacket-110") == 2


def test_handing_out_more_than_in_stock_is_refused_and_changes_nothing(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 1}})
    jacket = item_type(org, "child-winter-jacket")
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        record(
            org=org,
            moves=[Move(Kind.HANDOUT, jacket.pk, "110", "good", Decimal(2), shelf.pk)],
            actor=admin,
        )
    assert "1 in stock" in error.value.message
    assert snapshot(org) == before


def test_reserved_stock_cannot_be_handed_out_twice(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"sofa": 1}})
    sofa = item_type(org, "sofa")
    with scope(organization=org):
        record(
            org=org,
            moves=[Move(Kind.RESERVE, sofa.pk, "", "good", Decimal(1), shelf.pk)],
            actor=admin,
        )
        with pytest.raises(StockError):
            record(
                org=org,
                moves=[Move(Kind.HANDOUT, sofa.pk, "", "good", Decimal(1), shelf.pk)],
                actor=admin,
            )
        record(
            org=org,
            moves=[
                Move(Kind.RELEASE, sofa.pk, "", "good", Decimal(1), shelf.pk),
                Move(Kind.HANDOUT, sofa.pk, "", "good", Decimal(1), shelf.pk),
            ],
            actor=admin,
        )
        assert StockBalance.objects.get(location=shelf).quantity == 0
        assert verify_balances(org) == []


def test_reversal_restores_the_balance_and_keeps_history(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"toy": 4}})
    with scope(organization=org):
        intake = Movement.objects.get()
        record(org=org, moves=[reversal(intake, reason="typo")], actor=admin)
        assert Movement.objects.count() == 2
        assert StockBalance.objects.get().quantity == 0
        assert verify_balances(org) == []


def test_stock_at_a_past_moment_ignores_later_movements(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"toy": 4}})
    with scope(organization=org):
        moment = Movement.objects.get().created_at
    stock(org, {shelf: {"toy": 3}})
    with scope(organization=org):
        toy = item_type(org, "toy")
        assert stock_at(org, moment) == {(shelf.pk, toy.pk, "", "good"): Decimal(4)}
