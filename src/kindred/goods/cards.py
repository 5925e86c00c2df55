"""The goods app's cards on the home page (declared in contrib.py). Each returns its
template's context in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from .models import DonationReceipt
from .queries.stock import low_stock


def below_threshold(request: HttpRequest) -> dict:
    """Item types whose available stock is below their low-stock level (two queries)."""
    lows = low_stock(request.org)
    return {"count": len(lows), "first": lows[:5]}


def intake_today(request: HttpRequest) -> dict:
    """Today's donation receipts and their lines (one query)."""
    today = timezone.localdate()
    found = DonationReceipt.objects.filter(organization=request.org, received_on=today).aggregate(
        receipts=Count("pk", distinct=True), lines=Count("lines")
    )
    return {"today": today, **found}
