"""What every goods service shares: the domain error and document numbers."""

from __future__ import annotations

from django.db import transaction

from kindred.core.models import Organization
from kindred.core.services import Conflict

from ..models import DocumentCounter


class StockError(Conflict):
    """A stock rule would break (not enough in stock, a negative balance, a wrong size):
    the whole operation is refused and nothing changes. The message is translated."""


def next_number(org: Organization, kind: str) -> int:
    """The next number of a document kind in the organisation (1, 2, …), without gaps
    from concurrent writers: the counter row is locked until the caller commits."""
    with transaction.atomic():
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(organization=org, kind=kind, value=0)], ignore_conflicts=True
        )
        counter = DocumentCounter.objects.select_for_update().get(organization=org, kind=kind)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value
