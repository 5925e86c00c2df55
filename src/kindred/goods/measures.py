"""The kilograms and the value of a line of goods, computed one way everywhere: intake,
receipts, sorting, disposal and the stock pages. Plain functions over an item type, a
quantity and what was weighed; reads and writes both use them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kindred.core.numbers import quantity as format_quantity

from .models import ItemType, Unit

GRAM = Decimal("0.001")


def line_weight(
    item_type: ItemType, quantity: Decimal, weight_kg: Decimal | None
) -> Decimal | None:
    """The kilograms of a line: as weighed, else the quantity itself for an item type counted
    in kilograms, else quantity x the item type's standard weight, to the gram (None when
    that weight is unknown)."""
    if weight_kg is not None:
        return weight_kg
    if item_type.unit == Unit.KG:
        return quantity
    if item_type.standard_weight_kg:
        return (quantity * item_type.standard_weight_kg).quantize(GRAM)
    return None


def line_value(item_type: ItemType, quantity: Decimal) -> Decimal | None:
    """The line's value at the item type's fair value (None when it has none)."""
    if item_type.fair_value is None:
        return None
    return quantity * item_type.fair_value


def amount(quantity: Decimal, unit: str) -> str:
    """A quantity with its unit in the active language: "3 pieces", "1 pair", "2,5 kg"."""
    shown = format_quantity(quantity)
    if unit == Unit.KG:
        return _("%(quantity)s kg") % {"quantity": shown}
    whole = int(quantity) if quantity == quantity.to_integral_value() else 2
    if unit == Unit.PAIR:
        text = ngettext("%(quantity)s pair", "%(quantity)s pairs", whole)
    elif unit == Unit.SET:
        text = ngettext("%(quantity)s set", "%(quantity)s sets", whole)
    else:
        text = ngettext("%(quantity)s piece", "%(quantity)s pieces", whole)
    return text % {"quantity": shown}


UNIT_ORDER = {unit: rank for rank, unit in enumerate(Unit.values)}


def amounts(per_unit: Iterable[tuple[str, Decimal]]) -> str:
    """Quantities of several units, each with its unit and never added across units:
    "128 pieces, 4 pairs, 120,5 kg"."""
    rows = sorted(per_unit, key=lambda row: UNIT_ORDER.get(row[0], 99))
    return ", ".join(amount(quantity, unit) for unit, quantity in rows if quantity)
