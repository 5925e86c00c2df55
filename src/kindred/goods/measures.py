"""The kilograms and the value of a line of goods, computed one way everywhere: intake,
receipts, sorting, disposal and the stock pages. Plain functions over an item type, a
quantity and what was weighed; reads and writes both use them."""

from __future__ import annotations

from decimal import Decimal

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
