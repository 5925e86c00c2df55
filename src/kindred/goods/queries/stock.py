"""Reads for the stock pages and the stock API: the current stock list (filters, grouping,
sorting, totals), movement history, stock at a past date, low stock and the public needs
list.

The current-stock list must answer in well under 150 ms for a site with 5,000 stock rows
(bench/goods_stock.py): it reads only `StockBalance` joined to its item type, category,
location and site — never movements — and every total is one aggregate query. The
catalogue is small (about a hundred types), so what depends on translated names (search,
sorting by name) is resolved in Python from the labels: the database gets item type ids,
and the order is decided over light tuples (see `balances`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from kindred.core import declarations
from kindred.core.models import Organization, Site

from ..catalogue import builtin_name
from ..models import (
    ZERO,
    Category,
    Grade,
    ItemType,
    Location,
    Movement,
    StockBalance,
    Threshold,
    Unit,
)
from ..sizes import SIZES, SizeSystem, size_order
from .ledger import stock_at

DECIMAL = DecimalField(max_digits=20, decimal_places=5)
# Kilograms of a balance: a type counted in kg weighs its quantity; others weigh their
# quantity times the standard weight per unit.
KG = Case(
    When(item_type__unit=Unit.KG, then=F("quantity")),
    default=ExpressionWrapper(F("quantity") * F("item_type__standard_weight_kg"), DECIMAL),
    output_field=DECIMAL,
)
VALUE = ExpressionWrapper(
    F("quantity") * Coalesce(F("item_type__fair_value"), Value(ZERO), output_field=DECIMAL),
    DECIMAL,
)

SORTS = ("item", "size", "location", "quantity", "-quantity", "updated", "-updated")
GROUPS = ("location", "item", "category")


# Catalogue helpers -------------------------------------------------------------------------


@dataclass
class TypeFacts:
    """What sorting and searching need of every item type, read in one query: the name in
    the current language, the code and the category's place in the catalogue."""

    labels: dict[int, str]
    codes: dict[int, str]
    categories: dict[int, tuple[int, int]]  # item type -> (category position, category id)


def type_facts(org: Organization) -> TypeFacts:
    facts = TypeFacts({}, {}, {})
    rows = ItemType.objects.filter(organization=org).values_list(
        "pk", "code", "name", "category_id", "category__position"
    )
    for pk, code, name, category_id, position in rows:
        facts.labels[pk] = name or builtin_name(code)
        facts.codes[pk] = code
        facts.categories[pk] = (position, category_id)
    return facts


def item_type_labels(org: Organization) -> dict[int, str]:
    """Every item type's name in the current language, by id (one query)."""
    return type_facts(org).labels


def matching_item_type_ids(
    org: Organization, text: str, types: TypeFacts | None = None
) -> list[int]:
    """Ids of the item types whose name in the current language (or code) contains
    `text`: the names are translations in code, not columns the database can search."""
    needle = text.strip().casefold()
    types = types or type_facts(org)
    return [
        pk
        for pk, label in types.labels.items()
        if needle in label.casefold() or needle in types.codes[pk].casefold()
    ]


def _subtree(pairs: list[tuple[int, int | None]], root: int) -> list[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in pairs:
        children[parent].append(pk)
    found: list[int] = []
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if node in seen:  # a cycle in bad data must not loop for ever
            continue
        seen.add(node)
        found.append(node)
        todo.extend(children.get(node, []))
    return found


def location_subtree(org: Organization, location_id: int) -> list[int]:
    """The location and every location inside it (one query)."""
    pairs = list(Location.objects.filter(organization=org).values_list("pk", "parent_id"))
    return _subtree(pairs, location_id)


def category_subtree(org: Organization, category_id: int) -> list[int]:
    pairs = list(Category.objects.filter(organization=org).values_list("pk", "parent_id"))
    return _subtree(pairs, category_id)


def size_rank(label: str) -> int:
    """Sizes in size-system order across systems: none, numbers (children's centimetres
    and shoe sizes, which do not overlap within one type), then XS-4XL."""
    if label == "":
        return 0
    if label.isdigit():
        return int(label)
    return 1000 + size_order(SizeSystem.ADULT, label)


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
    rows: int = 0
    quantity: Decimal = ZERO
    reserved: Decimal = ZERO
    kg: Decimal = ZERO
    value: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved


def _filtered(org: Organization, f: StockFilter, types: TypeFacts | None = None):
    qs = StockBalance.objects.filter(organization=org, quantity__gt=0)
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


def _totals(row: dict[str, Any]) -> Totals:
    return Totals(
        rows=row.get("total_rows") or 0,
        quantity=row.get("total_quantity") or ZERO,
        reserved=row.get("total_reserved") or ZERO,
        kg=row.get("total_kg") or ZERO,
        value=row.get("total_value") or ZERO,
    )


_SUMS = {
    "total_rows": Count("pk"),
    "total_quantity": Sum("quantity"),
    "total_reserved": Sum("reserved"),
    "total_kg": Sum(KG),
    "total_value": Sum(VALUE),
}


def totals(org: Organization, f: StockFilter | None = None, types=None) -> Totals:
    """Units, reserved, kilograms and value of everything matching `f` (one query)."""
    return _totals(_filtered(org, f or StockFilter(), types).aggregate(**_SUMS))


GROUP_COLUMNS = {"location": "location_id", "category": "item_type__category_id"}


def group_totals(
    org: Organization, f: StockFilter, group: str, keys: set[int], types=None
) -> dict[int, Totals]:
    """Totals per location or per category, for the groups in `keys` (one query)."""
    column = GROUP_COLUMNS[group]
    rows = (
        _filtered(org, f, types)
        .filter(**{f"{column}__in": keys})
        .values(column)
        .annotate(**_SUMS)
        .order_by()
    )
    return {row[column]: _totals(row) for row in rows}


# Movement history --------------------------------------------------------------------------


@dataclass(frozen=True)
class MovementFilter:
    item_type: int | None = None
    location: int | None = None
    site: int | None = None
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None
    document_type: str = ""
    document_id: int | None = None

    @property
    def active(self) -> bool:
        return any(
            v not in (None, "")
            for v in (
                self.item_type,
                self.location,
                self.site,
                self.kind,
                self.since,
                self.until,
                self.document_type,
                self.document_id,
            )
        )


def movements(
    org: Organization, f: MovementFilter | None = None, *, oldest_first: bool = False
) -> QuerySet[Movement]:
    """Movements matching `f`, newest first (or oldest first), with what a row shows."""
    f = f or MovementFilter()
    qs = Movement.objects.filter(organization=org)
    if f.item_type:
        qs = qs.filter(item_type_id=f.item_type)
    if f.location:
        ids = location_subtree(org, f.location)
        qs = qs.filter(Q(from_location_id__in=ids) | Q(to_location_id__in=ids))
    if f.site:
        qs = qs.filter(Q(from_location__site_id=f.site) | Q(to_location__site_id=f.site))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    if f.document_type:
        qs = qs.filter(document_type=f.document_type)
    if f.document_id is not None:
        qs = qs.filter(document_id=f.document_id)
    order = ["created_at", "pk"] if oldest_first else ["-created_at", "-pk"]
    return qs.select_related(
        "item_type", "from_location__site", "to_location__site", "actor"
    ).order_by(*order)


@dataclass(frozen=True)
class LedgerDocument:
    """A kind of document that moves stock, with its page: contributed to the extension point
    "goods.ledger_documents" (goods/contrib.py) by goods and by apps above it (aid:
    reservations, handouts). A kind nobody declares stays plain text in the history."""

    kind: str
    model: type
    url_name: str
    url_kwarg: str


def documents() -> dict[str, LedgerDocument]:
    return {d.kind: d for d in declarations.extensions("goods.ledger_documents")}


def document_url(org_slug: str, document_type: str, document_id: int | None) -> str | None:
    target = documents().get(document_type)
    if target is None or document_id is None:
        return None
    return reverse(target.url_name, kwargs={"org_slug": org_slug, target.url_kwarg: document_id})


def attach_documents(org: Organization, rows: list[Movement]) -> list[Movement]:
    """Give each movement `document_ref` (R-12, T-3, …) and `document_url` (or None): one
    query per kind of document on the page, never one per row."""
    known = documents()
    wanted: dict[str, set[int]] = defaultdict(set)
    for m in rows:
        if m.document_type in known and m.document_id is not None:
            wanted[m.document_type].add(m.document_id)
    references: dict[tuple[str, int], str] = {}
    for document_type, ids in wanted.items():
        model = known[document_type].model
        for doc in model.objects.filter(organization=org, pk__in=ids).only("number"):
            references[(document_type, doc.pk)] = doc.reference
    for m in rows:
        m.document_ref = references.get((m.document_type, m.document_id or 0), "")
        m.document_url = (
            document_url(org.slug, m.document_type, m.document_id) if m.document_ref else None
        )
    return rows


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


# Low stock and the public needs list -------------------------------------------------------


@dataclass
class LowStock:
    threshold: Threshold
    available: Decimal

    @property
    def minimum(self) -> Decimal:
        return self.threshold.minimum

    @property
    def missing(self) -> Decimal:
        return self.threshold.minimum - self.available


def thresholds(org: Organization, *, site: int | None = None) -> list[Threshold]:
    """The low-stock levels, sorted by item type name and size."""
    qs = Threshold.objects.filter(organization=org).select_related("item_type", "site")
    if site:
        qs = qs.filter(site_id=site)
    rows = list(qs)
    rows.sort(
        key=lambda t: (
            str(t.item_type.label).casefold(),
            size_order(t.item_type.size_system, t.size) if t.size else -1,
            t.site.name if t.site else "",
        )
    )
    return rows


def available_by_threshold(org: Organization, levels: list[Threshold]) -> list[LowStock]:
    """Each level with the stock available for it (quantity minus reserved, of its item
    type, of its size or all sizes, at its site or everywhere): one aggregate query."""
    if not levels:
        return []
    rows = (
        StockBalance.objects.filter(
            organization=org, item_type_id__in={t.item_type_id for t in levels}
        )
        .values_list("item_type_id", "size", "location__site_id")
        .annotate(available=Sum(F("quantity") - F("reserved")))
        .order_by()
    )
    sums: dict[tuple[int, str, int], Decimal] = {
        (type_id, size, site_id): available or ZERO for type_id, size, site_id, available in rows
    }
    result = []
    for level in levels:
        available = sum(
            (
                amount
                for (type_id, size, site_id), amount in sums.items()
                if type_id == level.item_type_id
                and (not level.size or size == level.size)
                and (level.site_id is None or site_id == level.site_id)
            ),
            ZERO,
        )
        result.append(LowStock(level, available))
    return result


def low_stock(
    org: Organization, *, site: int | None = None, public_only: bool = False
) -> list[LowStock]:
    """The levels whose available stock is below their minimum."""
    levels = thresholds(org, site=site)
    if public_only:
        levels = [t for t in levels if t.public and not t.item_type.hidden]
    return [low for low in available_by_threshold(org, levels) if low.available < low.minimum]


def size_ranges(system: str, sizes: set[str]) -> list[str]:
    """Sizes grouped into runs of neighbours in their size system: {"110", "116", "122",
    "128", "146"} -> ["110\u2013128", "146"] (with an en dash)."""
    order = [s for s in SIZES.get(system, ()) if s in sizes]
    runs: list[list[str]] = []
    previous = None
    for label in order:
        index = size_order(system, label)
        if runs and previous is not None and index == previous + 1:
            runs[-1].append(label)
        else:
            runs.append([label])
        previous = index
    unknown = sorted(sizes - set(order))
    return [r[0] if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs] + unknown


@dataclass
class Need:
    item_type: ItemType
    all_sizes: bool
    sizes: list[str]

    @property
    def label(self) -> str:
        return self.item_type.label


@dataclass
class NeedGroup:
    category: Category
    needs: list[Need]


def public_needs(org: Organization) -> list[NeedGroup]:
    """What the organisation asks donors for: item types with a public low-stock level
    that is not met, with their sizes in ranges, grouped by category. No figures."""
    by_type: dict[int, list[Threshold]] = defaultdict(list)
    for low in low_stock(org, public_only=True):
        by_type[low.threshold.item_type_id].append(low.threshold)
    if not by_type:
        return []
    types = ItemType.objects.filter(organization=org, pk__in=by_type).select_related("category")
    groups: dict[int, NeedGroup] = {}
    for item in types:
        levels = by_type[item.pk]
        all_sizes = any(not t.size for t in levels)
        sizes = [] if all_sizes else size_ranges(item.size_system, {t.size for t in levels})
        group = groups.setdefault(item.category_id, NeedGroup(item.category, []))
        group.needs.append(Need(item, all_sizes, sizes))
    result = sorted(groups.values(), key=lambda g: (g.category.position, g.category.pk))
    for group in result:
        group.needs.sort(key=lambda n: n.label.casefold())
    return result


def public_sites(org: Organization) -> list[Site]:
    """Where donors can bring goods: the organisation's sites that are in use."""
    return list(Site.objects.filter(organization=org, archived=False).order_by("name"))
