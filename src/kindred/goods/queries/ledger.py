"""Reads of the ledger: balances recomputed from movements (`kindred stock verify`) and
stock at a past date.

Stock at a past moment is the current balance minus every movement since, or for an early
moment the sum of the movements before it: the work grows with the shorter half of the
history, not with the whole of it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from kindred.core.models import Organization

from ..models import ZERO, Movement, StockBalance

Kind = Movement.Kind
_RESERVING = [Kind.RESERVE, Kind.RELEASE]

Key = tuple[int, int, str, str]  # location, item type, size, grade


def _sums(movements) -> dict[Key, list[Decimal]]:
    """(quantity, reserved) per stock key implied by `movements`."""
    totals: dict[Key, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    moving = movements.exclude(kind__in=_RESERVING)
    for column, sign in (("to_location", 1), ("from_location", -1)):
        rows = (
            moving.filter(**{f"{column}__isnull": False})
            .values_list(column, "item_type", "size", "grade")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        for location, item_type, size, grade, total in rows:
            totals[(location, item_type, size, grade)][0] += sign * total
    rows = (
        movements.filter(kind__in=_RESERVING)
        .values_list("from_location", "item_type", "size", "grade", "kind")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for location, item_type, size, grade, kind, total in rows:
        sign = 1 if kind == Kind.RESERVE else -1
        totals[(location, item_type, size, grade)][1] += sign * total
    return totals


@dataclass(frozen=True)
class Difference:
    organization_id: int
    location_id: int
    item_type_id: int
    size: str
    grade: str
    balance_quantity: Decimal
    movements_quantity: Decimal
    balance_reserved: Decimal
    movements_reserved: Decimal


def verify_balances(org: Organization) -> list[Difference]:
    """Every stock key whose balance row differs from the sum of its movements."""
    expected = _sums(Movement.objects.filter(organization=org))
    actual: dict[Key, list[Decimal]] = {
        (b.location_id, b.item_type_id, b.size, b.grade): [b.quantity, b.reserved]
        for b in StockBalance.objects.filter(organization=org).only(
            "location_id", "item_type_id", "size", "grade", "quantity", "reserved"
        )
    }
    differences = []
    for key in sorted(set(expected) | set(actual)):
        want = expected.get(key, [ZERO, ZERO])
        have = actual.get(key, [ZERO, ZERO])
        if want != have:
            differences.append(Difference(org.pk, *key, have[0], want[0], have[1], want[1]))
    return differences


def stock_at(
    org: Organization, when: datetime, *, location_ids: list[int] | None = None
) -> dict[Key, Decimal]:
    """Quantity per stock key at `when` (only keys with stock then).

    Whichever half of the history is shorter is read: for a recent moment, today's
    balances minus the movements since; for an early one, the sum of the movements up to
    it. Either way the movements are read in ONE pass, grouped by both their locations
    (a transfer counts out of one and into the other), so the cost is one scan of at
    most half the history (bench/goods_stock.py: a site at six months back)."""
    movements = Movement.objects.filter(organization=org).exclude(kind__in=_RESERVING)
    wanted = set(location_ids) if location_ids is not None else None
    if location_ids is not None:
        movements = movements.filter(
            Q(from_location__in=location_ids) | Q(to_location__in=location_ids)
        )
    first = (
        Movement.objects.filter(organization=org)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    result: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    if first is not None and when - first < timezone.now() - when:
        sign = 1  # forward: everything up to `when`
        movements = movements.filter(created_at__lte=when)
    else:
        sign = -1  # backward: today's balances minus everything since
        movements = movements.filter(created_at__gt=when)
        balances = StockBalance.objects.filter(organization=org)
        if location_ids is not None:
            balances = balances.filter(location_id__in=location_ids)
        for location, item_type, size, grade, quantity in balances.values_list(
            "location_id", "item_type_id", "size", "grade", "quantity"
        ).order_by():
            result[(location, item_type, size, grade)] = quantity
    rows = (
        movements.values_list("from_location", "to_location", "item_type", "size", "grade")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for source, target, item_type, size, grade, total in rows:
        if target is not None and (wanted is None or target in wanted):
            result[(target, item_type, size, grade)] += sign * total
        if source is not None and (wanted is None or source in wanted):
            result[(source, item_type, size, grade)] -= sign * total
    return {key: q for key, q in result.items() if q != 0}
