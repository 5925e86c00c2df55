"""Stock at a past date or moment, replayed from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from kindred.core.models import Organization

from ...models import (
    ZERO,
    Grade,
    ItemType,
    Location,
    Unit,
)
from ..ledger import stock_at
from .common import category_subtree, matching_item_type_ids, size_rank, type_facts
from .listing import Totals

# Stock at a past date ----------------------------------------------------------------------


def end_of_day(day: date, tz) -> datetime:
    """The last moment of `day` in time zone `tz` (movements up to then count)."""
    # Any day after the year 9998 is "the future" all the same; clamping keeps the day
    # after it (and UTC conversions) inside what datetime and the databases hold.
    day = min(day, date(9998, 12, 31))
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz) - (
        timedelta(microseconds=1)
    )


@dataclass
class PastRow:
    item_type: ItemType
    location: Location
    size: str
    grade: str
    quantity: Decimal
    kg: Decimal
    value: Decimal

    def get_grade_display(self) -> str:
        return str(dict(Grade.choices).get(self.grade, self.grade))


@dataclass
class PastStock:
    rows: list[PastRow] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


def stock_at_date(
    org: Organization,
    when: datetime,
    *,
    site: int | None = None,
    category: int | None = None,
    search: str = "",
) -> PastStock:
    """The stock at `when` (queries.ledger.stock_at: today's balances minus the movements
    since), with its item types and locations, sorted like the stock list, and totals."""
    location_ids = None
    if site:
        location_ids = list(
            Location.objects.filter(organization=org, site_id=site).values_list("pk", flat=True)
        )
    quantities = stock_at(org, when, location_ids=location_ids)
    facts = type_facts(org)
    labels = facts.labels
    type_ids = {key[1] for key in quantities}
    if category:
        categories = category_subtree(org, category)
        type_ids &= set(
            ItemType.objects.filter(
                organization=org, pk__in=type_ids, category_id__in=categories
            ).values_list("pk", flat=True)
        )
    text = search.strip()
    matching = set(matching_item_type_ids(org, text, facts)) if text else None
    types = {t.pk: t for t in ItemType.objects.filter(organization=org, pk__in=type_ids)}
    locations = {
        loc.pk: loc
        for loc in Location.objects.filter(
            organization=org, pk__in={key[0] for key in quantities}
        ).select_related("site")
    }
    result = PastStock()
    per_unit: dict[str, Decimal] = {}
    for (location_id, type_id, size, grade), quantity in quantities.items():
        item, location = types.get(type_id), locations.get(location_id)
        if item is None or location is None or quantity <= 0:
            continue
        if (
            matching is not None
            and type_id not in matching
            and text.casefold() not in (location.name.casefold())
        ):
            continue
        kg = quantity if item.unit == Unit.KG else quantity * item.standard_weight_kg
        value = quantity * (item.fair_value or ZERO)
        result.rows.append(PastRow(item, location, size, grade, quantity, kg, value))
        result.totals.rows += 1
        result.totals.quantity += quantity
        result.totals.kg += kg
        result.totals.value += value
        per_unit[item.unit] = per_unit.get(item.unit, ZERO) + quantity
    # Never added across units: "128 pieces, 120,5 kg" (Totals.units).
    result.totals.per_unit = tuple((unit, q, ZERO) for unit, q in per_unit.items())
    result.rows.sort(
        key=lambda r: (
            labels.get(r.item_type.pk, "").casefold(),
            size_rank(r.size),
            r.grade,
            r.location.site.name,
            r.location.name,
        )
    )
    return result
