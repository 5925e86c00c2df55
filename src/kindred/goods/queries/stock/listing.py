"""The current stock list: filters, grouping, sorting and totals (every total one aggregate
query), for the stock page, its exports and the API."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    Max,
    Q,
    Sum,
)

from kindred.core.models import Organization

from ... import measures
from ...models import (
    ZERO,
    ItemType,
    Location,
    StockBalance,
)
from .common import (
    KG,
    VALUE,
    TypeFacts,
    category_subtree,
    location_subtree,
    matching_item_type_ids,
    size_rank,
    type_facts,
)
from .levels import LowStock, low_stock

# The stock list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StockFilter:
    site: int | None = None
    location: int | None = None
    category: int | None = None
    item_type: int | None = None
    size: str = ""
    grade: str = ""
    available_only: bool = False
    low_only: bool = False
    search: str = ""
    # Also the rows whose quantity went to zero (the API's include_empty): a client that
    # mirrors the balances learns that a row emptied, instead of it vanishing.
    include_empty: bool = False

    @property
    def active(self) -> bool:
        return any(
            (
                self.site,
                self.location,
                self.category,
                self.item_type,
                self.size,
                self.grade,
                self.available_only,
                self.low_only,
                self.search,
            )
        )


@dataclass
class Totals:
    """Sums of stock rows. `quantity` adds numbers of different units and is only for a
    single item type; pages show `units` (per unit) and `kg` (the estimated weight)."""

    rows: int = 0
    quantity: Decimal = ZERO
    reserved: Decimal = ZERO
    kg: Decimal = ZERO
    value: Decimal = ZERO
    # (unit, quantity, reserved) per unit, never added across units.
    per_unit: tuple[tuple[str, Decimal, Decimal], ...] = ()

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved

    @property
    def units(self) -> str:
        """ "128 pieces, 4 pairs, 120,5 kg": what there is, per unit."""
        return measures.amounts((unit, q) for unit, q, _r in self.per_unit)

    @property
    def units_available(self) -> str:
        return measures.amounts((unit, q - r) for unit, q, r in self.per_unit)


def _filtered(org: Organization, f: StockFilter, types: TypeFacts | None = None):
    qs = StockBalance.objects.filter(organization=org)
    qs = qs.filter(quantity__gte=0) if f.include_empty else qs.filter(quantity__gt=0)
    if f.site:
        qs = qs.filter(location__site_id=f.site)
    if f.location:
        qs = qs.filter(location_id__in=location_subtree(org, f.location))
    if f.category:
        qs = qs.filter(item_type__category_id__in=category_subtree(org, f.category))
    if f.item_type:
        qs = qs.filter(item_type_id=f.item_type)
    if f.size:
        qs = qs.filter(size=f.size)
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.available_only:
        qs = qs.filter(quantity__gt=F("reserved"))
    if f.search:
        ids = matching_item_type_ids(org, f.search, types)
        qs = qs.filter(Q(item_type_id__in=ids) | Q(location__name__icontains=f.search.strip()))
    if f.low_only:
        qs = qs.filter(_low_condition(low_stock(org)))
    return qs


def _low_condition(lows: list[LowStock]) -> Q:
    condition = Q(pk__in=[])
    for low in lows:
        t = low.threshold
        part = Q(item_type_id=t.item_type_id)
        if t.size:
            part &= Q(size=t.size)
        if t.site_id:
            part &= Q(location__site_id=t.site_id)
        condition |= part
    return condition


class BalanceList(Sequence):
    """Balance rows in a sorted order of ids, loading only the rows that are asked for (a
    page, or chunks when exported): a Paginator and the API's pagination take it as they
    take a QuerySet."""

    def __init__(self, org: Organization, ids: list[int]):
        self.org = org
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._load(self.ids[index])
        return self._load([self.ids[index]])[0]

    def __iter__(self) -> Iterator[StockBalance]:
        for start in range(0, len(self.ids), LOAD_CHUNK):
            yield from self._load(self.ids[start : start + LOAD_CHUNK])

    def _load(self, ids: list[int]) -> list[StockBalance]:
        rows = (
            StockBalance.objects.filter(organization=self.org, pk__in=ids)
            .select_related("item_type__category", "location__site")
            .annotate(kg=KG, value=VALUE)
        )
        by_pk = {row.pk: row for row in rows}
        return [by_pk[pk] for pk in ids if pk in by_pk]


LOAD_CHUNK = 2000


def _location_keys(org: Organization, ids: set[int]) -> dict[int, tuple[str, str, int]]:
    rows = Location.objects.filter(organization=org, pk__in=ids).values_list(
        "pk", "site__name", "name"
    )
    return {pk: (site.casefold(), name.casefold(), pk) for pk, site, name in rows}


def balances(
    org: Organization,
    f: StockFilter | None = None,
    *,
    sort: str = "item",
    group: str = "",
    types: TypeFacts | None = None,
) -> BalanceList:
    """The balance rows (quantity above zero) matching `f`, sorted by `sort` within `group`
    ("location" or "category"); each row loads with its item type, category, location and
    site, and `kg` and `value`.

    The order is decided in Python over light tuples (ids, sizes, names): item names are
    translations, sizes follow their size system, and a CASE over the whole catalogue made
    PostgreSQL's sort of 5,000 rows several times slower than this."""
    f = f or StockFilter()
    types = types or type_facts(org)
    columns = ["pk", "item_type_id", "size", "grade", "location_id"]
    if sort in ("quantity", "-quantity"):
        columns.append("quantity")
    elif sort in ("updated", "-updated"):
        columns.append("updated_at")
    rows = list(_filtered(org, f, types).values_list(*columns))
    places = _location_keys(org, {r[4] for r in rows})
    labels = types.labels
    items: dict[tuple, tuple] = {}  # the few distinct (type, size, grade): computed once

    def item(r) -> tuple:
        key = (r[1], r[2], r[3])
        found = items.get(key)
        if found is None:
            found = items[key] = (labels.get(r[1], "").casefold(), r[1], size_rank(r[2]), *key[1:])
        return found

    def place(r) -> tuple:
        return places.get(r[4], ("", "", r[4]))

    keys: dict[str, Any] = {
        "item": lambda r: (item(r), place(r)),
        "size": lambda r: (item(r)[2], r[2], item(r), place(r)),
        "location": lambda r: (place(r), item(r)),
        "quantity": lambda r: (r[5], item(r), place(r)),
        "-quantity": lambda r: (-r[5], item(r), place(r)),
        "updated": lambda r: (r[5], r[0]),
    }
    if sort == "-updated":
        rows.sort(key=lambda r: (r[5], r[0]), reverse=True)
    else:
        rows.sort(key=keys.get(sort, keys["item"]))
    if group == "location":
        rows.sort(key=place)  # stable: the chosen order holds within each location
    elif group == "category":
        rows.sort(key=lambda r: types.categories.get(r[1], (0, 0)))
    return BalanceList(org, [r[0] for r in rows])


def item_size_rows(
    org: Organization,
    f: StockFilter | None = None,
    *,
    sort: str = "item",
    types: TypeFacts | None = None,
) -> list[dict]:
    """Stock per item type and size across locations (dicts with the sums), sorted."""
    f = f or StockFilter()
    types = types or type_facts(org)
    rows = list(
        _filtered(org, f, types)
        .values("item_type_id", "size")
        .annotate(
            total_quantity=Sum("quantity"),
            total_reserved=Sum("reserved"),
            kg=Sum(KG),
            value=Sum(VALUE),
            locations=Count("location_id", distinct=True),
            updated=Max("updated_at"),
        )
        .order_by()
    )
    labels = types.labels

    def item(r) -> tuple:
        t = r["item_type_id"]
        return (labels.get(t, "").casefold(), t, size_rank(r["size"]), r["size"])

    keys: dict[str, Any] = {
        "item": item,
        "location": item,
        "size": lambda r: (size_rank(r["size"]), *item(r)),
        "quantity": lambda r: (r["total_quantity"], *item(r)),
        "-quantity": lambda r: (-r["total_quantity"], *item(r)),
        "updated": lambda r: (r["updated"], *item(r)),
    }
    if sort == "-updated":
        rows.sort(key=lambda r: r["updated"], reverse=True)
    else:
        rows.sort(key=keys.get(sort, item))
    return rows


def attach_item_types(org: Organization, rows: list[dict]) -> list[dict]:
    """Give each grouped row its ItemType (one query), quantity, reserved and available."""
    types = ItemType.objects.filter(
        organization=org, pk__in={r["item_type_id"] for r in rows}
    ).select_related("category")
    by_id = {t.pk: t for t in types}
    for row in rows:
        row["item_type"] = by_id.get(row["item_type_id"])
        row["quantity"] = row["total_quantity"]
        row["reserved"] = row["total_reserved"]
        row["available"] = row["quantity"] - row["reserved"]
    return rows


def _totals(row: dict[str, Any], per_unit=()) -> Totals:
    return Totals(
        rows=row.get("total_rows") or 0,
        quantity=row.get("total_quantity") or ZERO,
        reserved=row.get("total_reserved") or ZERO,
        kg=row.get("total_kg") or ZERO,
        value=row.get("total_value") or ZERO,
        per_unit=tuple(per_unit),
    )


def _add(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sums of several rows of _SUMS (the rows of one group, one per unit)."""
    return {
        key: sum((r[key] or 0 for r in rows), 0 if key == "total_rows" else ZERO) for key in _SUMS
    }


def _per_unit(rows: list[dict[str, Any]]) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (r[UNIT], r["total_quantity"] or ZERO, r["total_reserved"] or ZERO)
        for r in rows
        if r["total_quantity"]
    ]


_SUMS = {
    "total_rows": Count("pk"),
    "total_quantity": Sum("quantity"),
    "total_reserved": Sum("reserved"),
    "total_kg": Sum(KG),
    "total_value": Sum(VALUE),
}


UNIT = "item_type__unit"


def totals(org: Organization, f: StockFilter | None = None, types=None) -> Totals:
    """Quantities per unit, reserved, kilograms and value of everything matching `f` (one
    query, grouped by unit)."""
    rows = list(_filtered(org, f or StockFilter(), types).values(UNIT).annotate(**_SUMS).order_by())
    return _totals(_add(rows), _per_unit(rows))


GROUP_COLUMNS = {"location": "location_id", "category": "item_type__category_id"}


def group_totals(
    org: Organization, f: StockFilter, group: str, keys: set[int], types=None
) -> dict[int, Totals]:
    """Totals per location or per category, for the groups in `keys` (one query)."""
    column = GROUP_COLUMNS[group]
    rows = (
        _filtered(org, f, types)
        .filter(**{f"{column}__in": keys})
        .values(column, UNIT)
        .annotate(**_SUMS)
        .order_by()
    )
    by_group: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_group.setdefault(row[column], []).append(row)
    return {
        key: _totals(_add(group_rows), _per_unit(group_rows))
        for key, group_rows in by_group.items()
    }
