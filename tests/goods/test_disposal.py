"""Disposal service: export lots by weight to a receiver, recycling and discard with reasons."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.goods.models import DisposalLot, Movement
from kindred.goods.queries import verify_balances
from kindred.goods.services import DisposalLineIn, StockError, record_disposal
from kindred.people import services as people_services
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
def shelf(org, site):
    shelf = make_location(org, site, "Export corner", kind="area")
    stock(org, {shelf: {"export-textiles": 120, "toy": 10}}, grade="used")
    return shelf


def _line(org, shelf, code="export-textiles", quantity=100, **values):
    return DisposalLineIn(item_type(org, code), "", "used", shelf, D(quantity), **values)


def _dispose(org, user, site, lines, **values):
    with scope(organization=org):
        return record_disposal(org=org, site=site, lines=lines, actor=user, **values)


def test_an_export_lot_takes_the_kilograms_out_to_a_named_receiver(org, volunteer, site, shelf):
    before = audit_count(org)
    lot = _dispose(
        org,
        volunteer,
        site,
        [_line(org, shelf), _line(org, shelf, "toy", 4, weight_kg=D("2.5"))],
        kind="export",
        receiver_name="Humana Nordic",
        shipped_on=date(2025, 3, 1),
    )
    assert lot.reference == "D-1"
    assert balance(org, shelf, "export-textiles", grade="used") == 20
    assert balance(org, shelf, "toy", grade="used") == 6
    with scope(organization=org):
        lines = list(lot.lines.order_by("pk"))
        kinds = set(
            Movement.objects.filter(document_type="disposal", document_id=lot.pk).values_list(
                "kind", flat=True
            )
        )
        assert verify_balances(org) == []
    assert [line.weight_kg for line in lines] == [100, D("2.5")]
    assert kinds == {"export"}
    assert audit_count(org) == before + 1


def test_an_export_lot_may_go_to_a_registered_contact(org, admin, site, shelf):
    with scope(organization=org):
        contact = people_services.create_contact(
            org=org, values={"name": "Textile Export AB"}, actor=admin
        )
    lot = _dispose(org, admin, site, [_line(org, shelf)], kind="export", receiver_contact=contact)
    assert lot.receiver_contact == contact


def test_recycling_and_discard_need_a_reason(org, admin, site, shelf):
    before = snapshot(org)
    for kind in ("recycle", "discard"):
        with pytest.raises(StockError) as error:
            _dispose(org, admin, site, [_line(org, shelf)], kind=kind)
        assert error.value.field == "reason"
    assert snapshot(org) == before
    lot = _dispose(org, admin, site, [_line(org, shelf, "toy", 1)], kind="discard", reason="Broken")
    assert lot.kind == DisposalLot.Kind.DISCARD
    with scope(organization=org):
        movement = Movement.objects.get(document_type="disposal")
    assert movement.kind == "discard"
    assert "Broken" in movement.reason


def test_export_without_a_receiver_or_beyond_stock_is_refused_and_changes_nothing(
    org, admin, site, shelf
):
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        _dispose(org, admin, site, [_line(org, shelf)], kind="export")
    assert error.value.field == "receiver_name"
    with pytest.raises(StockError) as error:
        _dispose(
            org, admin, site, [_line(org, shelf, quantity=121)], kind="export", receiver_name="X"
        )
    assert "120 in stock" in error.value.message
    assert snapshot(org) == before


def test_lines_must_lie_at_the_lots_site(org, admin, site, shelf):
    elsewhere = make_site(org, "Butikken", kind="shop")
    with pytest.raises(StockError) as error:
        _dispose(org, admin, elsewhere, [_line(org, shelf)], kind="export", receiver_name="X")
    assert error.value.field == "lines.0.location"


def test_an_unknown_kind_is_refused(org, admin, site, shelf):
    from kindred.core.services import Invalid

    with pytest.raises(Invalid):
        _dispose(org, admin, site, [_line(org, shelf)], kind="burn", reason="x")
