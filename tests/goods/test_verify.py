"""`kindred stock verify`: balances recomputed from movements, differences reported."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope, scopes_disabled

from kindred.goods.models import StockBalance
from kindred.goods.services import hand_out, reserve
from tests.conftest import item_type, make_location, stock

pytestmark = pytest.mark.django_db


def run_verify(*args: str) -> str:
    out = io.StringIO()
    call_command("stock", "verify", *args, stdout=out)
    return out.getvalue()


def test_verify_reports_no_difference_after_normal_operations(org, other_org, admin):
    shelf, bin_ = make_location(org, name="Shelf A"), make_location(org, name="Bin 1")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}, bin_: {"sofa": 1}})
    stock(other_org, {make_location(other_org): {"toy": 2}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        reserve(
            org=org,
            location=shelf,
            item_type=jacket,
            size="110",
            grade="good",
            quantity=2,
            actor=admin,
        )
        hand_out(
            org=org,
            location=shelf,
            item_type=jacket,
            size="110",
            grade="good",
            quantity=1,
            actor=admin,
        )
    output = run_verify()
    assert "Every stock balance equals the sum of its movements" in output
    assert "(2 organisations checked" in output


def test_verify_reports_a_corrupted_balance_and_fails(org, other_org, admin):
    shelf = make_location(org, name="Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}})
    stock(other_org, {make_location(other_org): {"toy": 2}})
    jacket = item_type(org, "child-winter-jacket")
    with scopes_disabled():
        StockBalance.objects.filter(location=shelf, item_type=jacket, size="110").update(
            quantity=Decimal(7)
        )
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("stock", "verify", stdout=out)
    assert error.value.returncode == 1
    assert "1 stock balances differ" in str(error.value)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("home · Warehouse · Shelf A · ")
    assert "size 110 · good: balance 7, movements 5" in lines[0]
    # The other organisation alone is clean.
    assert "Every stock balance equals" in run_verify("--org", "other")


def test_verify_reports_a_wrong_reserved_part_and_a_balance_without_movements(org, admin):
    shelf = make_location(org, name="Shelf A")
    stock(org, {shelf: {"toy": 3}})
    toy = item_type(org, "toy")
    with scopes_disabled():
        StockBalance.objects.filter(location=shelf, item_type=toy).update(reserved=Decimal(1))
        StockBalance.objects.create(
            organization=org, location=shelf, item_type=toy, size="", grade="new", quantity=4
        )
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 stock balances differ"):
        call_command("stock", "verify", "--org", "home", stdout=out)
    text = out.getvalue()
    assert "· new: balance 4, movements 0" in text
    assert "reserved 1, movements 0" in text


def test_verify_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="no organisation with the slug nowhere"):
        run_verify("--org", "nowhere")
