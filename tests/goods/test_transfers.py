"""Transfer service: at once within a site, via the in-transit location between sites."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.core.models import AuditEntry
from kindred.goods.models import Location, Movement, Transfer
from kindred.goods.queries import verify_balances
from kindred.goods.services import (
    StockError,
    TransferLineIn,
    receive_transfer,
    reverse_document,
    send_transfer,
    transit_location,
)
from tests.conftest import (
    audit_count,
    balance,
    item_type,
    make_location,
    make_site,
    snapshot,
    stock,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def places(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    other = make_location(org, make_site(org, "Butikken", kind="shop"), "Back room")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}})
    return shelf, bin_, other


def _send(org, admin, source, target, lines):
    with scope(organization=org):
        return send_transfer(
            org=org, from_location=source, to_location=target, lines=lines, actor=admin
        )


def _jackets(org, quantity, size="110"):
    return TransferLineIn(item_type(org, "child-winter-jacket"), size, "good", D(quantity))


def test_a_transfer_within_a_site_arrives_at_once(org, admin, places):
    shelf, bin_, _other = places
    transfer = _send(
        org,
        admin,
        shelf,
        bin_,
        [_jackets(org, 2), TransferLineIn(item_type(org, "toy"), "", "good", D(3))],
    )
    assert transfer.status == Transfer.Status.DONE
    assert transfer.received_by == admin
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, bin_, "child-winter-jacket-110") == 2
    assert balance(org, bin_, "toy") == 3
    with scope(organization=org):
        kinds = set(
            Movement.objects.filter(document_type="transfer", document_id=transfer.pk).values_list(
                "kind", flat=True
            )
        )
        assert kinds == {"transfer"}
        assert verify_balances(org) == []


def test_a_transfer_between_sites_waits_in_transit_until_received(org, admin, coordinator, places):
    shelf, _bin, other = places
    transfer = _send(org, admin, shelf, other, [_jackets(org, 4)])
    with scope(organization=org):
        transit = transit_location(other.site)
    assert transfer.status == Transfer.Status.IN_TRANSIT
    assert balance(org, shelf, "child-winter-jacket-110") == 1
    assert balance(org, transit, "child-winter-jacket-110") == 4
    assert balance(org, other, "child-winter-jacket-110") == 0

    before = audit_count(org)
    with scope(organization=org):
        received = receive_transfer(org=org, transfer=transfer, actor=coordinator)
        assert verify_balances(org) == []
        assert (
            Movement.objects.filter(document_type="transfer", document_id=transfer.pk).count() == 2
        )
    assert received.status == Transfer.Status.DONE
    assert received.received_by == coordinator
    assert balance(org, transit, "child-winter-jacket-110") == 0
    assert balance(org, other, "child-winter-jacket-110") == 4
    assert audit_count(org) == before + 1


def test_a_transfer_is_received_only_once(org, admin, places):
    shelf, _bin, other = places
    transfer = _send(org, admin, shelf, other, [_jackets(org, 1)])
    with scope(organization=org):
        receive_transfer(org=org, transfer=transfer, actor=admin)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError):
        receive_transfer(org=org, transfer=transfer, actor=admin)
    assert snapshot(org) == before


def test_a_transfer_reversed_in_transit_is_reversed_and_can_no_longer_be_received(
    org, admin, places
):
    """The goods went back to the shelf; receiving it afterwards would take other
    transfers' goods out of transit, so it is refused and changes nothing."""
    shelf, _bin, other = places
    transfer = _send(org, admin, shelf, other, [_jackets(org, 2)])
    # Another transfer of the same jackets is on its way too.
    _send(org, admin, shelf, other, [_jackets(org, 2)])
    with scope(organization=org):
        transit = transit_location(other.site)
        reverse_document(
            org=org, document_type="transfer", document_id=transfer.pk, reason="x", actor=admin
        )
        transfer.refresh_from_db()
        entry = AuditEntry.objects.get(action="stock.corrected")
    assert transfer.status == Transfer.Status.REVERSED
    assert entry.changes["status"] == ["in_transit", "reversed"]
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, transit, "child-winter-jacket-110") == 2
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        receive_transfer(org=org, transfer=transfer, actor=admin)
    assert "reversed" in error.value.message
    assert snapshot(org) == before


def test_a_received_transfer_reversed_returns_its_goods_from_the_destination(org, admin, places):
    shelf, _bin, other = places
    transfer = _send(org, admin, shelf, other, [_jackets(org, 3)])
    with scope(organization=org):
        receive_transfer(org=org, transfer=transfer, actor=admin)
        moves = reverse_document(
            org=org, document_type="transfer", document_id=transfer.pk, reason="x", actor=admin
        )
        transfer.refresh_from_db()
        assert verify_balances(org) == []
    assert len(moves) == 2
    assert transfer.status == Transfer.Status.REVERSED
    assert balance(org, shelf, "child-winter-jacket-110") == 5
    assert balance(org, other, "child-winter-jacket-110") == 0


def test_sending_more_than_in_stock_is_refused_and_changes_nothing(org, admin, places):
    shelf, bin_, _other = places
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        _send(org, admin, shelf, bin_, [_jackets(org, 2), _jackets(org, 6)])
    assert "5 in stock" in error.value.message
    assert snapshot(org) == before


def test_same_location_archived_and_transit_locations_are_refused(org, admin, places):
    shelf, bin_, other = places
    with scope(organization=org):
        Location.objects.filter(pk=bin_.pk).update(archived=True)
        bin_.refresh_from_db()
        transit = transit_location(other.site)
    before = snapshot(org)
    for target, field in ((shelf, "to_location"), (bin_, "to_location"), (transit, "to_location")):
        with pytest.raises(StockError) as error:
            _send(org, admin, shelf, target, [_jackets(org, 1)])
        assert error.value.field == field
    with pytest.raises(StockError) as error:
        _send(org, admin, shelf, other, [_jackets(org, 1, size="999")])
    assert error.value.field == "lines.0.size"
    with pytest.raises(StockError) as error:
        _send(org, admin, shelf, other, [])
    assert error.value.field == "lines"
    assert snapshot(org) == before


def test_another_organisations_location_is_refused(org, other_org, admin, places):
    shelf, _bin, _other = places
    foreign = make_location(other_org, make_site(other_org, "Lager"), "Theirs")
    with pytest.raises(StockError) as error:
        _send(org, admin, shelf, foreign, [_jackets(org, 1)])
    assert error.value.field == "to_location"
