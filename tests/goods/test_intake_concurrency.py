"""Two submissions of one intake with the same idempotency key at the same moment, on
PostgreSQL: one receipt, one set of movements (the loser fails on the unique index inside
its savepoint and answers the winner's receipt)."""

from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from kindred.goods.models import DonationReceipt, Movement
from kindred.goods.services import record_receipt
from kindred.goods.services.intake import ReceiptLineIn
from tests import committing
from tests.conftest import admin_of, balance, item_type, make_location
from tests.goods.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (DATABASE_URL=postgres://…)")


def test_simultaneous_submissions_with_one_key_make_one_receipt(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    toy = item_type(org, "toy")
    actor = admin_of(org)
    receipts: list[int] = []

    def work(_n: int) -> None:
        with scope(organization=org):
            receipt = record_receipt(
                org=org,
                site=site,
                lines=[ReceiptLineIn(toy, "", "good", Decimal(4), shelf)],
                actor=actor,
                idempotency_key="double-click",
            )
            receipts.append(receipt.pk)

    results = run_together(8, work)

    assert results == ["ok"] * 8
    assert len(set(receipts)) == 1
    with scopes_disabled():
        assert DonationReceipt.objects.filter(organization=org).count() == 1
        assert Movement.objects.filter(organization=org, document_type="receipt").count() == 1
    assert balance(org, shelf, "toy") == 4
