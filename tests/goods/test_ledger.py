"""The ledger service: balances follow movements, refusals change nothing."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.goods.models import Movement, StockBalance
from kindred.goods.queries import stock_at, verify_balances
from kindred.goods.services import (
    Move,
    StockError,
    hand_out,
    record,
    release,
    reserve,
    reversal,
)
from tests.conftest import audit_count, balance, item_type, make_location, snapshot, stock

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


# Sizes and translated refusals ---------------------------------------------------------


def test_stock_cannot_enter_in_a_size_its_item_type_does_not_have(org, admin):
    shelf = make_location(org)
    jacket = item_type(org, "child-winter-jacket")
    sofa = item_type(org, "sofa")
    before = snapshot(org)
    for type_, size in ((jacket, "111"), (jacket, ""), (sofa, "110")):
        with scope(organization=org), pytest.raises(StockError) as error:
            record(
                org=org,
                moves=[Move(Kind.INTAKE, type_.pk, size, "good", Decimal(1), None, shelf.pk)],
                actor=admin,
            )
        assert error.value.field == "size"
    assert snapshot(org) == before


def test_a_key_that_holds_stock_can_take_it_back_after_its_sizes_changed(org, admin):
    """Changing an item type's size system must not strand stock: a reversal returns."""
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 2}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        out = record(
            org=org,
            moves=[Move(Kind.HANDOUT, jacket.pk, "110", "good", Decimal(1), shelf.pk)],
            actor=admin,
        )[0]
        jacket.size_system = "adult"
        jacket.save(update_fields=["size_system"])
        record(org=org, moves=[reversal(out)], actor=admin)
        assert verify_balances(org) == []
    assert balance(org, shelf, "child-winter-jacket-110") == 2


@pytest.fixture
def swedish():
    """Give a message a Swedish translation for the test when the catalogue has none yet
    (goods' messages are translated at the end of the issue). Once it has one, the real
    translation is used. Only Django's in-memory catalogue is touched, and restored."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("sv")._catalog
    added = []

    def translate(msgid: str, fallback: str) -> str:
        real = catalogue.get(msgid)
        if real:
            return real
        catalogue[msgid] = fallback
        added.append(msgid)
        return fallback

    yield translate
    for msgid in added:
        catalogue._catalogs[0].pop(msgid, None)


def test_a_refusal_is_worded_in_the_users_language(org, admin):
    from django.utils import translation

    shelf = make_location(org, name="Hylla A")
    stock(org, {shelf: {"toy": 1}})
    toy = item_type(org, "toy")
    moves = [Move(Kind.HANDOUT, toy.pk, "", "good", Decimal(3), shelf.pk)]
    messages, expected = {}, {}
    for language in ("en", "sv"):
        with translation.override(language), scope(organization=org):
            with pytest.raises(StockError) as error:
                record(org=org, moves=moves, actor=admin)
            messages[language] = error.value.message
            expected[language] = translation.gettext(
                "Not enough %(item)s in %(location)s: %(available)s in stock, %(wanted)s needed."
            ) % {
                "item": str(toy),
                "location": "Warehouse · Hylla A",
                "available": "1",
                "wanted": "3",
            }
    assert messages == expected
    assert messages["en"].startswith("Not enough Toy ")
    assert messages["sv"] != messages["en"] and "Leksak" in messages["sv"]


def test_reserving_where_there_is_no_stock_says_how_much_was_wanted(org, admin):
    shelf = make_location(org)
    toy = item_type(org, "toy")
    with scope(organization=org), pytest.raises(StockError) as error:
        record(
            org=org,
            moves=[Move(Kind.RESERVE, toy.pk, "", "good", Decimal(2), shelf.pk)],
            actor=admin,
        )
    assert "0 in stock, 2 needed" in error.value.message


# services.stock: handouts, reservations --------------------------------------------------


def jacket_handout(org, shelf, actor, **values):
    values = {"size": "110", "grade": "good", "quantity": 1, **values}
    with scope(organization=org):
        return hand_out(
            org=org,
            location=shelf,
            item_type=values.pop("item_type", None) or item_type(org, "child-winter-jacket"),
            actor=actor,
            **values,
        )


def test_hand_out_records_one_handout_movement_and_an_audit_entry(org, volunteer):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    audits = audit_count(org)
    movement = jacket_handout(org, shelf, volunteer, quantity=2, reason="family 12")
    assert movement.kind == Kind.HANDOUT
    assert movement.document_type == "handout"
    assert (movement.from_location_id, movement.to_location_id) == (shelf.pk, None)
    assert movement.actor == volunteer
    assert movement.reason == "family 12"
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert audit_count(org) == audits + 1
    with scopes_disabled():
        entry = AuditEntry.objects.filter(organization=org).latest("pk")
    assert entry.action == "stock.handed_out"
    assert entry.changes["quantity"] == "2"


def test_hand_out_normalises_the_size(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"sweater-XL": 2}})
    movement = jacket_handout(org, shelf, admin, item_type=item_type(org, "sweater"), size="xl")
    assert movement.size == "XL"
    assert balance(org, shelf, "sweater-XL") == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"quantity": 6}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"size": "111"}, "size"),
        ({"size": "116"}, "quantity"),  # a real size, but none of it on the shelf
        ({"grade": "mint"}, "grade"),
        ({"grade": "new"}, "quantity"),
    ],
)
def test_an_invalid_hand_out_is_refused_and_changes_nothing(org, admin, values, field):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        jacket_handout(org, shelf, admin, **values)
    assert error.value.field == field
    assert error.value.status == 409
    assert snapshot(org) == before


def test_hand_out_refuses_another_organisations_location_and_item_type(org, other_org, admin):
    shelf = make_location(org)
    theirs = make_location(other_org)
    stock(other_org, {theirs: {"child-winter-jacket-110": 5}})
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    before, before_other = snapshot(org), snapshot(other_org)
    with pytest.raises(StockError) as error:
        jacket_handout(org, theirs, admin)
    assert error.value.field == "location"
    with pytest.raises(StockError) as error:
        jacket_handout(org, shelf, admin, item_type=item_type(other_org, "child-winter-jacket"))
    assert error.value.field == "item_type"
    assert snapshot(org) == before
    assert snapshot(other_org) == before_other


def test_reserved_jackets_are_handed_out_only_from_the_reservation(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 3}})
    jacket = item_type(org, "child-winter-jacket")
    key = {"location": shelf, "item_type": jacket, "size": "110", "grade": "good"}
    with scope(organization=org):
        reserve(org=org, quantity=2, actor=admin, document_type="request", document_id=7, **key)
    jacket_handout(org, shelf, admin)  # the one that is not reserved
    with pytest.raises(StockError):
        jacket_handout(org, shelf, admin)
    jacket_handout(org, shelf, admin, quantity=2, from_reserved=True)
    with scope(organization=org):
        row = StockBalance.objects.get(location=shelf)
        assert (row.quantity, row.reserved) == (0, 0)
        assert list(Movement.objects.order_by("pk").values_list("kind", flat=True)) == [
            Kind.INTAKE,
            Kind.RESERVE,
            Kind.HANDOUT,
            Kind.RELEASE,
            Kind.HANDOUT,
        ]
        assert verify_balances(org) == []


def test_releasing_more_than_is_reserved_is_refused(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"toy": 3}})
    key = {"location": shelf, "item_type": item_type(org, "toy"), "size": "", "grade": "good"}
    with scope(organization=org):
        reserve(org=org, quantity=1, actor=admin, **key)
        before = snapshot(org)
        with pytest.raises(StockError):
            release(org=org, quantity=2, actor=admin, **key)
        assert snapshot(org) == before
        release(org=org, quantity=1, actor=admin, **key)
        assert StockBalance.objects.get().reserved == 0


def test_stock_at_reads_forward_or_backward_and_both_agree(org, admin):
    """An early moment is summed forward from the first movement, a recent one backward
    from today's balances: either way the same stock, per location."""
    from datetime import timedelta

    from django.utils import timezone

    shelf, bin_ = make_location(org, name="Shelf A"), make_location(org, name="Bin 1")
    jacket = item_type(org, "child-winter-jacket")
    now = timezone.now()
    steps = [
        (60, Move(Kind.INTAKE, jacket.pk, "110", "good", Decimal(5), None, shelf.pk)),
        (40, Move(Kind.TRANSFER, jacket.pk, "110", "good", Decimal(2), shelf.pk, bin_.pk)),
        (30, Move(Kind.RESERVE, jacket.pk, "110", "good", Decimal(1), bin_.pk)),
        (10, Move(Kind.HANDOUT, jacket.pk, "110", "good", Decimal(1), shelf.pk)),
    ]
    with scope(organization=org):
        for days, move in steps:
            made = record(org=org, moves=[move], actor=admin)
            Movement.objects.filter(pk=made[0].pk).backdate(now - timedelta(days=days))
        key_a = (shelf.pk, jacket.pk, "110", "good")
        key_b = (bin_.pk, jacket.pk, "110", "good")
        expected = {
            70: {},
            55: {key_a: Decimal(5)},  # forward: 5 days after the first movement
            35: {key_a: Decimal(3), key_b: Decimal(2)},  # backward from here on
            20: {key_a: Decimal(3), key_b: Decimal(2)},  # a reservation moves nothing
            5: {key_a: Decimal(2), key_b: Decimal(2)},
        }
        for days, stock_then in expected.items():
            assert stock_at(org, now - timedelta(days=days)) == stock_then, days
            assert stock_at(org, now - timedelta(days=days), location_ids=[bin_.pk]) == {
                k: q for k, q in stock_then.items() if k == key_b
            }, days
