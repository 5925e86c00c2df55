"""Low stock against the organisation's levels, and the public needs list built from it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    F,
    Sum,
)

from kindred.core.models import Organization, Site

from ...models import (
    ZERO,
    Category,
    ItemType,
    StockBalance,
    Threshold,
)
from ...sizes import SIZES, size_order

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
