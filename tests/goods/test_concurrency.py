"""The ledger under real concurrency, on PostgreSQL: no oversell, no deadlock.

Threads start together on a barrier, each with its own database connection, and commit
real transactions (`django_db(transaction=True)`). SQLite serialises writers, so these
tests need PostgreSQL; CI runs the suite a second time on it. The canary switches the row
locks off and must oversell: it proves the first test can catch the race it guards.
"""

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope

from kindred.goods.models import Movement, StockBalance
from kindred.goods.queries import verify_balances
from kindred.goods.services import Move, StockError, hand_out, ledger, record
from tests import committing
from tests.concurrency import run_together
from tests.conftest import admin_of, item_type, make_location, split_stock_code, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas
Kind = Movement.Kind


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


def handout_race(org, threads: int) -> tuple[Counter, Decimal, int]:
    """`threads` volunteers hand out one of the 5 jackets at the same moment."""
    shelf = make_location(org, name="Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    jacket = item_type(org, "child-winter-jacket")
    actor = admin_of(org)

    def work(_n: int) -> None:
        with scope(organization=org):
            hand_out(
                org=org,
                location=shelf,
                item_type=jacket,
                size="110",
                grade="good",
                quantity=1,
                actor=actor,
            )

    results = Counter(run_together(threads, work))
    with scope(organization=org):
        left = StockBalance.objects.get(location=shelf, item_type=jacket).quantity
        handouts = Movement.objects.filter(kind=Kind.HANDOUT).count()
    return results, left, handouts


def test_twenty_volunteers_hand_out_five_jackets_exactly_five_succeed(org):
    results, left, handouts = handout_race(org, 20)
    assert results == {"ok": 5, "StockError": 15}
    assert left == 0
    assert handouts == 5
    with scope(organization=org):
        assert verify_balances(org) == []


def test_canary_without_row_locks_the_same_race_oversells(org):
    """Proof that the test above can fail: with the locks off, the read-check-save race
    hands out more jackets than there are, or loses updates of the balance."""
    with ledger.locking_disabled_for_canary():
        results, left, handouts = handout_race(org, 20)
    assert set(results) <= {"ok", "StockError"}, results
    with scope(organization=org):
        differences = verify_balances(org)
    oversold = results["ok"] > 5
    lost_update = left != 5 - handouts
    print(f"canary: {results['ok']} of 20 handouts of 5 jackets succeeded, balance {left}")
    assert oversold or lost_update
    assert differences, "the lost update must show in `kindred stock verify`"


def test_transfers_in_opposite_directions_never_deadlock(org):
    a, b = make_location(org, name="Shelf A"), make_location(org, name="Shelf B")
    codes = [
        "child-winter-jacket-110",
        "child-winter-jacket-116",
        "toy",
        "sofa",
        "blanket",
        "child-trousers-98",
    ]
    stock(org, {a: dict.fromkeys(codes, 6), b: dict.fromkeys(codes, 6)})
    keys = []
    for code in codes:
        base, size = split_stock_code(code)
        keys.append((item_type(org, base).pk, size))
    actor = admin_of(org)
    tally: Counter = Counter()
    tally_lock = threading.Lock()

    def work(n: int) -> None:
        source, target = (a, b) if n % 2 else (b, a)
        rng = random.Random(n)
        for _round in range(5):
            # Several items in a thread-specific order: only the ledger's sorted locking
            # keeps the two directions from waiting for each other in a cycle.
            chosen = rng.sample(keys, k=4)
            moves = [
                Move(
                    Kind.TRANSFER,
                    pk,
                    size,
                    "good",
                    Decimal(rng.randint(1, 3)),
                    source.pk,
                    target.pk,
                )
                for pk, size in chosen
            ]
            with scope(organization=org):
                try:
                    record(org=org, moves=moves, actor=actor, document_type="transfer")
                    outcome = "recorded"
                except StockError:
                    outcome = "refused"  # that side ran out: refused whole, which is allowed
            with tally_lock:
                tally[outcome] += 1

    results = Counter(run_together(20, work))
    assert results == {"ok": 20}, results
    print(f"opposite transfers: {dict(tally)}")
    assert tally["recorded"] > 0
    with scope(organization=org):
        assert verify_balances(org) == []
        totals = Counter()
        for row in StockBalance.objects.filter(location__in=[a, b]):
            assert row.quantity >= 0
            totals[(row.item_type_id, row.size)] += row.quantity
        assert set(totals.values()) == {12}  # nothing created or lost
        assert Movement.objects.filter(kind=Kind.TRANSFER).exists()
