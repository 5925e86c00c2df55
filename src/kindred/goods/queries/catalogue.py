"""Reads of the catalogue and of storage locations.

The names of built-in categories and item types are translated in Python (goods.catalogue),
not stored, so searching and sorting by name happen here, in the reader's language, on
lists that stay small (an organisation's catalogue and locations: tens to hundreds of rows).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils.formats import number_format

from kindred.core.models import Organization, Site
from kindred.people.models import search_key

from ..models import Category, ItemType, Location, StockBalance, Unit
from ..sizes import sizes_for

ZERO = Decimal("0")
NOTHING = Decimal("0.000")  # at the scale of stored quantities
CATALOGUE_SORTS = ("category", "name", "-name")
LOCATION_SORTS = ("site", "name", "-name")


def plain_number(value: Decimal | None) -> str:
    """A quantity as people write it, in the reader's locale: 0.8, 12, 1.25."""
    if value is None:
        return ""
    return number_format(value.normalize() if value else ZERO)


def _matches(words: list[str], *texts: str) -> bool:
    haystack = search_key(*texts)
    return all(word in haystack for word in words)


def category_tree(org: Organization, *, show_hidden: bool = True) -> list[Category]:
    """Every category in tree order (parents first, siblings by position), each with
    `depth`, `path` (the labels from the top) and `hidden_here` (hidden itself or inside a
    hidden category)."""
    categories = list(Category.objects.filter(organization=org).order_by("position", "pk"))
    children: dict[int | None, list[Category]] = defaultdict(list)
    for category in categories:
        children[category.parent_id].append(category)
    ordered: list[Category] = []

    def walk(parent_id: int | None, depth: int, path: list[str], hidden: bool) -> None:
        for category in children.get(parent_id, []):
            category.depth = depth
            category.path = [*path, category.label]
            category.hidden_here = hidden or category.hidden
            if show_hidden or not category.hidden_here:
                ordered.append(category)
            walk(category.pk, depth + 1, category.path, category.hidden_here)

    walk(None, 0, [], False)
    return ordered


def sizes_label(system: str) -> str:
    """The range of a size system's sizes ("50" to "176" joined by a dash), or "" for none."""
    sizes = [s for s in sizes_for(system) if s]
    if not sizes:
        return ""
    return sizes[0] if len(sizes) == 1 else f"{sizes[0]}\N{EN DASH}{sizes[-1]}"


def catalogue_rows(
    org: Organization,
    *,
    search: str = "",
    category_id: int | None = None,
    size_system: str = "",
    unit: str = "",
    show_hidden: bool = False,
    sort: str = "category",
) -> list[ItemType]:
    """The item types matching the filters, each with `category_path`, `sizes`,
    `sizes_label` and `hidden_here` (hidden itself or in a hidden category).

    `search` matches words of the name in the reader's language (accents and case
    ignored), or the code; `category_id` includes its subcategories. Sorted by category
    (tree order, then name) or by name."""
    tree = category_tree(org)
    by_id = {c.pk: c for c in tree}
    order = {c.pk: i for i, c in enumerate(tree)}
    chosen: set[int] | None = None
    if category_id is not None:
        chosen = {c.pk for c in tree if _descends(by_id, c.pk, category_id)}
    qs = ItemType.objects.filter(organization=org)
    if size_system:
        qs = qs.filter(size_system=size_system)
    if unit:
        qs = qs.filter(unit=unit)
    if chosen is not None:
        qs = qs.filter(category_id__in=chosen)
    words = search_key(search).split()
    rows = []
    for item_type in qs:
        category = by_id.get(item_type.category_id)
        item_type.category_path = category.path if category else []
        item_type.hidden_here = item_type.hidden or bool(category and category.hidden_here)
        if item_type.hidden_here and not show_hidden:
            continue
        if words and not _matches(words, item_type.label, item_type.code):
            continue
        item_type.sizes = [s for s in sizes_for(item_type.size_system) if s]
        item_type.sizes_label = sizes_label(item_type.size_system)
        item_type.weight_label = plain_number(item_type.standard_weight_kg)
        item_type.value_label = (
            plain_number(item_type.fair_value) if item_type.fair_value is not None else ""
        )
        rows.append(item_type)
    if sort in ("name", "-name"):
        rows.sort(key=lambda t: (search_key(t.label), t.pk), reverse=sort == "-name")
    else:
        rows.sort(key=lambda t: (order.get(t.category_id, 0), search_key(t.label), t.pk))
    return rows


def _descends(by_id: dict[int, Category], pk: int, root_pk: int) -> bool:
    node = by_id.get(pk)
    while node is not None:
        if node.pk == root_pk:
            return True
        node = by_id.get(node.parent_id) if node.parent_id else None
    return False


def catalogue_with_types(org: Organization, *, include_hidden: bool = True) -> list[dict]:
    """The catalogue as categories in tree order, each with its item types (for the API)."""
    tree = category_tree(org, show_hidden=include_hidden)
    types: dict[int, list[ItemType]] = defaultdict(list)
    for item_type in catalogue_rows(org, show_hidden=include_hidden):
        types[item_type.category_id].append(item_type)
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": c.label,
            "parent_id": c.parent_id,
            "depth": c.depth,
            "hidden": c.hidden_here,
            "item_types": types.get(c.pk, []),
        }
        for c in tree
    ]


# Locations ---------------------------------------------------------------------------------


def location_totals(org: Organization, location_ids=None) -> dict[int, dict[str, Decimal]]:
    """{location id: {"units": pieces, pairs and sets, "kg": kilograms}} of the stock at each
    location (not counting what lies in locations inside it)."""
    qs = StockBalance.objects.filter(organization=org, quantity__gt=0)
    if location_ids is not None:
        qs = qs.filter(location_id__in=list(location_ids))
    rows = qs.values("location_id", "item_type__unit").annotate(total=Sum("quantity"))
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"units": ZERO, "kg": ZERO})
    for row in rows:
        key = "kg" if row["item_type__unit"] == Unit.KG else "units"
        totals[row["location_id"]][key] += row["total"] or ZERO
    # The same scale as the stored quantities, whichever database summed them.
    scale = Decimal("0.001")
    return {
        pk: {key: value.quantize(scale) for key, value in sums.items()}
        for pk, sums in totals.items()
    }


def location_tree(
    org: Organization,
    *,
    site_id: int | None = None,
    search: str = "",
    archived: bool | None = False,
    sort: str = "site",
    with_totals: bool = True,
) -> list[Location]:
    """Locations per site in tree order (a parent before what is inside it), each with
    `depth`, `path` (names from the top of the site) and, with `with_totals`, `units` and
    `kg` in stock there and `units_inside`/`kg_inside` including the locations inside it.

    `archived`: False shows locations in use, True only archived ones, None all. With a
    search, matching locations are listed (with their path); "name" sorts by name."""
    qs = Location.objects.filter(organization=org).select_related("site")
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    everything = list(qs.order_by("site__name", "site_id", "name", "pk"))
    children: dict[int | None, list[Location]] = defaultdict(list)
    by_site: dict[int, list[Location]] = defaultdict(list)
    for location in everything:
        if location.parent_id is None:
            by_site[location.site_id].append(location)
        else:
            children[location.parent_id].append(location)
    totals = location_totals(org, [loc.pk for loc in everything]) if with_totals else {}
    ordered: list[Location] = []

    def walk(nodes: list[Location], depth: int, path: list[str]) -> tuple[Decimal, Decimal]:
        units = kg = NOTHING
        # Transit first would hide the rooms; list it after them.
        for location in sorted(nodes, key=lambda n: n.kind == Location.Kind.TRANSIT):
            location.depth = depth
            location.path = [*path, str(location.label)]
            own = totals.get(location.pk, {"units": NOTHING, "kg": NOTHING})
            location.units, location.kg = own["units"], own["kg"]
            location.units_label = plain_number(location.units)
            location.kg_label = plain_number(location.kg)
            ordered.append(location)
            inner_units, inner_kg = walk(children.get(location.pk, []), depth + 1, location.path)
            location.units_inside = location.units + inner_units
            location.kg_inside = location.kg + inner_kg
            location.units_inside_label = plain_number(location.units_inside)
            location.kg_inside_label = plain_number(location.kg_inside)
            units += location.units_inside
            kg += location.kg_inside
        return units, kg

    sites_in_order = []
    for location in everything:
        if location.site_id not in sites_in_order:
            sites_in_order.append(location.site_id)
    for site in sites_in_order:
        walk(by_site.get(site, []), 0, [])
    rows = ordered
    if archived is not None:
        rows = [loc for loc in rows if loc.archived == archived]
    words = search_key(search).split()
    if words:
        rows = [loc for loc in rows if _matches(words, " ".join(loc.path), loc.code)]
    if sort in ("name", "-name"):
        rows = sorted(rows, key=lambda loc: (search_key(str(loc.label)), loc.pk))
        if sort == "-name":
            rows.reverse()
    return rows


def parent_choices(
    org: Organization, *, site: Site | None = None, exclude: Location | None = None
) -> list[Location]:
    """Locations in use that something can be placed inside (not in transit), in tree
    order; without `exclude` itself and what lies inside it."""
    rows = location_tree(org, site_id=site.pk if site else None, with_totals=False)
    rows = [loc for loc in rows if loc.kind != Location.Kind.TRANSIT]
    if exclude is not None:
        by_id = {loc.pk: loc for loc in rows}
        rows = [loc for loc in rows if not _inside(by_id, loc, exclude.pk)]
    return rows


def _inside(by_id: dict[int, Location], location: Location, pk: int) -> bool:
    """Whether `location` is the location `pk` or lies inside it."""
    node: Location | None = location
    while node is not None:
        if node.pk == pk:
            return True
        node = by_id.get(node.parent_id) if node.parent_id else None
    return False


def has_stock(location: Location) -> bool:
    return StockBalance.objects.filter(location=location, quantity__gt=0).exists()


def open_children(location: Location) -> bool:
    return Location.objects.filter(parent=location, archived=False).exists()


__all__ = [
    "CATALOGUE_SORTS",
    "LOCATION_SORTS",
    "catalogue_rows",
    "catalogue_with_types",
    "category_tree",
    "has_stock",
    "location_totals",
    "location_tree",
    "open_children",
    "parent_choices",
    "sizes_label",
]
