"""What every goods service shares: the domain error and document numbers."""

from __future__ import annotations

from django.db import connection

from kindred.core.models import Organization
from kindred.core.services import Conflict, Invalid

from ..models import DocumentCounter


class StockError(Conflict):
    """A stock rule would break (not enough in stock, a negative balance, a wrong size):
    the whole operation is refused and nothing changes. The message is translated."""


class StockInputError(StockError, Invalid):
    """A stock operation refused for its input as written (a size the item type does not
    have, no reason given), not for the stock: a `StockError` like every refused stock
    operation, answered 422 like other invalid input."""

    status = 422


def next_number(org: Organization, kind: str) -> int:
    """The next number of a document kind in the organisation (1, 2, …), without gaps
    from concurrent writers: one upsert increments the counter and locks its row until
    the caller commits (PostgreSQL and SQLite 3.35+ both speak ON CONFLICT … RETURNING)."""
    table = DocumentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, kind, value) VALUES (%s, %s, 1) "
            f"ON CONFLICT (organization_id, kind) DO UPDATE SET value = {table}.value + 1 "
            "RETURNING value",
            [org.pk, kind],
        )
        return cursor.fetchone()[0]
