"""Stock counts: expected quantities snapshotted, counts entered, differences approved."""

from decimal import Decimal

import pytest
from django_scopes import scope

from kindred.goods.models import Movement, StockCount
from kindred.goods.queries import count_sheet, verify_balances
from kindred.goods.services import (
    CountLineIn,
    StockError,
    approve_count,
    cancel_count,
    hand_out,
    record_counts,
    start_count,
)
from tests.conftest import audit_count, balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def shelf(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}})
    return shelf


def _start(org, user, location):
    with scope(organization=org):
        return start_count(org=org, location=location, actor=user)


def _lines(org, count):
    with scope(organization=org):
        return {(line.item_type.code, line.size): line for line in count.lines.all()}


def test_starting_a_count_snapshots_every_balance_of_the_location(org, volunteer, shelf):
    count = _start(org, volunteer, shelf)
    lines = _lines(org, count)
    assert set(lines) == {("child-winter-jacket", "110"), ("toy", "")}
    assert lines[("child-winter-jacket", "110")].expected == 5
    assert all(line.counted is None for line in lines.values())
    assert count.status == StockCount.Status.OPEN


def test_a_location_has_at_most_one_open_count(org, volunteer, shelf):
    _start(org, volunteer, shelf)
    before = snapshot(org)
    with pytest.raises(StockError) as error:
        _start(org, volunteer, shelf)
    assert error.value.field == "location"
    assert snapshot(org) == before


def test_approval_adjusts_both_ways_and_leaves_uncounted_lines_alone(
    org, volunteer, coordinator, shelf
):
    stock(org, {shelf: {"sofa": 1}})
    count = _start(org, volunteer, shelf)
    lines = _lines(org, count)
    with scope(organization=org):
        record_counts(
            org=org,
            count=count,
            counted={
                lines[("child-winter-jacket", "110")].pk: D(3),
                lines[("toy", "")].pk: D(4),
                lines[("sofa", "")].pk: None,
            },
            extra=[CountLineIn(item_type(org, "childrens-book"), "", "good", D(2))],
            actor=volunteer,
        )
        before = audit_count(org)
        movements = approve_count(org=org, count=count, actor=coordinator)
        assert verify_balances(org) == []
        count.refresh_from_db()
    assert {(m.kind, m.quantity, bool(m.from_location_id)) for m in movements} == {
        ("count", 2, True),
        ("count", 1, False),
        ("count", 2, False),
    }
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    assert balance(org, shelf, "toy") == 4
    assert balance(org, shelf, "childrens-book") == 2
    assert balance(org, shelf, "sofa") == 1
    assert count.status == StockCount.Status.APPROVED
    assert count.approved_by == coordinator
    assert audit_count(org) == before + 1


def test_a_count_approved_after_a_handout_still_ends_right(org, admin, volunteer, shelf):
    count = _start(org, volunteer, shelf)
    lines = _lines(org, count)
    jackets = lines[("child-winter-jacket", "110")]
    with scope(organization=org):
        # Counted 4 of the 5 expected; then one is handed out before the approval.
        record_counts(org=org, count=count, counted={jackets.pk: D(4)}, actor=volunteer)
        hand_out(
            org=org,
            location=shelf,
            item_type=item_type(org, "child-winter-jacket"),
            size="110",
            grade="good",
            quantity=D(1),
            actor=admin,
        )
        assert count_sheet(count)[0].after == 3
        approve_count(org=org, count=count, actor=admin)
        assert verify_balances(org) == []
    # 5 - 1 missing - 1 handed out
    assert balance(org, shelf, "child-winter-jacket-110") == 3


def test_an_adjustment_that_would_go_negative_is_explained_and_changes_nothing(
    org, admin, volunteer, shelf
):
    count = _start(org, volunteer, shelf)
    toys = _lines(org, count)[("toy", "")]
    with scope(organization=org):
        record_counts(org=org, count=count, counted={toys.pk: D(0)}, actor=volunteer)
        hand_out(
            org=org,
            location=shelf,
            item_type=item_type(org, "toy"),
            size="",
            grade="good",
            quantity=D(2),
            actor=admin,
        )
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        approve_count(org=org, count=count, actor=admin)
    assert "after the count started" in error.value.message
    assert snapshot(org) == before


def test_nothing_counted_cannot_be_approved(org, admin, shelf):
    count = _start(org, admin, shelf)
    with scope(organization=org), pytest.raises(StockError) as error:
        approve_count(org=org, count=count, actor=admin)
    assert error.value.field == "counted"


def test_a_negative_or_foreign_count_is_refused_and_changes_nothing(org, admin, shelf):
    count = _start(org, admin, shelf)
    line = next(iter(_lines(org, count).values()))
    before = snapshot(org)
    for counted in ({line.pk: D(-1)}, {line.pk + 1000: D(1)}, {line.pk: "many"}):
        with scope(organization=org), pytest.raises(StockError):
            record_counts(org=org, count=count, counted=counted, actor=admin)
    with scope(organization=org), pytest.raises(StockError) as error:
        record_counts(
            org=org,
            count=count,
            counted={},
            extra=[CountLineIn(item_type(org, "child-winter-jacket"), "7", "good", D(1))],
            actor=admin,
        )
    assert error.value.field == "extra.0.size"
    assert snapshot(org) == before


def test_a_cancelled_count_changes_no_stock_and_frees_the_location(org, admin, shelf):
    count = _start(org, admin, shelf)
    line = next(iter(_lines(org, count).values()))
    with scope(organization=org):
        record_counts(org=org, count=count, counted={line.pk: D(0)}, actor=admin)
        cancel_count(org=org, count=count, actor=admin)
        assert not Movement.objects.filter(document_type="count").exists()
        with pytest.raises(StockError):
            approve_count(org=org, count=count, actor=admin)
        with pytest.raises(StockError):
            cancel_count(org=org, count=count, actor=admin)
    assert _start(org, admin, shelf).status == StockCount.Status.OPEN
    assert balance(org, shelf, "toy") == 3
