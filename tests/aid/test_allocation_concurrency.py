"""Confirming an allocation while volunteers hand out the same stock, on PostgreSQL: the
reserved part never exceeds the quantity, and the confirmation succeeds whole or fails
whole (see tests/goods/test_concurrency.py for the pattern)."""

import pytest
from django.db import connection
from django_scopes import scope

from kindred.aid.models import AllocationRun, Reservation, ReservationLine
from kindred.aid.services import allocation as services
from kindred.aid.tasks.allocation import compute_run
from kindred.goods.models import Movement, StockBalance
from kindred.goods.queries import verify_balances
from kindred.goods.services import hand_out
from tests import committing
from tests.aid.builders import family, help_request
from tests.concurrency import run_each
from tests.conftest import admin_of, item_type, make_location, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.mark.parametrize("attempt", range(3))
def test_confirm_races_handouts_of_the_same_stock(org, site, attempt):
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 6, "toy": 4}})
    for n in range(4):
        help_request(
            org,
            family(org, f"Family{n}"),
            [("child-winter-jacket", ["110"], 1, 3), ("toy", [], 1, 2)],
        )
    actor = admin_of(org)
    with scope(organization=org):
        run = services.start_run(org=org, sites=[site], actor=actor)
    compute_run(run_id=run.pk)  # a no-op when the task already ran at commit
    with scope(organization=org):
        run.refresh_from_db()
        assert run.units == 8
    jacket = item_type(org, "child-winter-jacket")

    def confirm() -> None:
        with scope(organization=org):
            services.confirm_run(run=run, actor=actor)

    def take(n: int):
        def work() -> None:
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

        return work

    results = run_each([confirm] + [take(n) for n in range(4)])
    assert set(results) <= {"ok", "StockError", "AidError"}, results
    with scope(organization=org):
        jackets = StockBalance.objects.get(location=shelf, item_type=jacket)
        toys = StockBalance.objects.get(location=shelf, item_type__code="toy")
        assert jackets.reserved <= jackets.quantity
        handed = Movement.objects.filter(kind=Movement.Kind.HANDOUT).count()
        assert jackets.quantity == 6 - handed
        run.refresh_from_db()
        if results[0] == "ok":
            # Whole: every line reserved, and the handouts got only what was left.
            assert run.status == AllocationRun.Status.CONFIRMED
            assert Reservation.objects.count() == 4
            assert sum(ReservationLine.objects.values_list("quantity", flat=True)) == 8
            assert (jackets.reserved, toys.reserved) == (4, 4)
            assert handed <= 2
        else:
            # Nothing: handouts took jackets first, so the proposal no longer fits.
            assert results[0] == "AidError"
            assert run.status == AllocationRun.Status.PROPOSED
            assert not Reservation.objects.exists()
            assert not Movement.objects.filter(kind=Movement.Kind.RESERVE).exists()
            assert (jackets.reserved, toys.reserved) == (0, 0)
            assert handed > 2
        assert verify_balances(org) == []
