"""Shared by the stock reads: money and weight expressions, the catalogue's facts, the
subtrees of locations and categories, the order of sizes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from kindred.core.models import Organization

from ...catalogue import builtin_name
from ...models import (
    ZERO,
    Category,
    ItemType,
    Location,
    Unit,
)
from ...sizes import SizeSystem, size_order

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
