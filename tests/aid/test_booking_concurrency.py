"""PostgreSQL: households booking the last place of a slot at the same moment — exactly one
gets it (the row lock on the distribution day serialises the capacity check)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django_scopes import scope

from kindred.aid.models import Booking
from kindred.aid.services import distribution
from tests import committing
from tests.concurrency import run_together

from .test_distribution_helpers import household_request, local, make_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


def test_only_one_household_gets_the_last_place(org, site, settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    day = make_day(org, site, capacity=1)
    requests = [household_request(org, f"R{n}") for n in range(6)]
    start = local(day, "10:00")

    def work(n: int) -> None:
        with scope(organization=org):
            distribution.book(request=requests[n], day=day, slot_start=start)

    results = run_together(len(requests), work)
    assert Counter(results) == {"ok": 1, "AidError": 5}, results
    with scope(organization=org):
        assert Booking.objects.filter(day=day, slot_start=start, status="booked").count() == 1


def test_one_request_booking_twice_at_once_keeps_one_live_booking(org, site, settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    day = make_day(org, site, capacity=5)
    request = household_request(org)

    def work(n: int) -> None:
        with scope(organization=org):
            distribution.book(request=request, day=day, slot_start=local(day, "10:00"))

    results = run_together(4, work)
    assert all(r in {"ok", "AidError"} for r in results), results
    with scope(organization=org):
        assert Booking.objects.filter(request=request, status="booked").count() == 1
