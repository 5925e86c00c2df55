"""Sorting: sacks of unsorted goods, taken from stock by weight, sorted into counted items
and streams (keep for handout, shop, export, textile recycling, discard).

The whole sorting is one ledger record (document_type "sorting"): one SORT outflow of the
source kilograms, then per line a SORT inflow (keep; export and recycle as kilograms of a
kg item type waiting for a disposal lot), a TO_SHOP inflow (shop), or nothing at all
(discard leaves at once and is only written on the line). Kilograms in and out need not
match — items are counted, not weighed — and `queries.sorting_balance` shows the
difference.

The helpers `checked_*` are shared by the other operation services (transfers, counts,
disposal): they turn a bad value into a translated `StockError` naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, Site

from ..models import Grade, ItemType, Location, Movement, Sorting, SortingLine, Stream, Unit
from ..sizes import normalise_size
from . import ledger
from .catalogue import ensure_default_catalogue
from .common import StockError, next_number

Kind = Movement.Kind
Move = ledger.Move

# The kg item types export and recycling streams use when the line names none.
STREAM_ITEM_TYPES = {Stream.EXPORT: "export-textiles", Stream.RECYCLE: "recycling-textiles"}
# Sorted goods need a condition; streams that do not name one get these.
STREAM_GRADES = {
    Stream.KEEP: Grade.GOOD,
    Stream.SHOP: Grade.GOOD,
    Stream.EXPORT: Grade.USED,
    Stream.RECYCLE: Grade.WORN,
}
MAX_QUANTITY = Decimal("99999999999")  # what QTY (14 digits, 3 decimals) holds
MAX_WEIGHT = Decimal("9999999")  # what a weight_kg column (10 digits, 3 decimals) holds


@dataclass(frozen=True)
class SortingLineIn:
    stream: str  # Stream choice
    item_type: ItemType | None = None
    size: str = ""
    grade: str = ""
    quantity: Decimal | None = None  # counted items (keep, shop)
    weight_kg: Decimal | None = None  # weighed streams (export, recycle, discard) or measured
    location: Location | None = None  # where kept / shop / export / recycle goods are put


# Checks shared by the operation services ---------------------------------------------------


def checked_amount(
    value, *, field: str, required: bool = True, maximum: Decimal = MAX_QUANTITY
) -> Decimal | None:
    """A positive decimal quantity or weight (None when not required and not given)."""
    if value is None or value == "":
        if required:
            raise StockError(_("Enter a quantity."), field=field)
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise StockError(_("Enter a number."), field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise StockError(_("The quantity must be more than zero."), field=field)
    if amount > maximum or amount != amount.quantize(Decimal("0.001")):
        raise StockError(_("Enter at most three decimals and a sensible amount."), field=field)
    return amount


def checked_item_type(org: Organization, item_type, *, field: str = "item_type") -> ItemType:
    if item_type is None or item_type.organization_id != org.pk:
        raise StockError(_("Choose an item type of the catalogue."), field=field)
    return item_type


def checked_size(item_type: ItemType, size: str | None, *, field: str = "size") -> str:
    normal = normalise_size(item_type.size_system, size)
    if normal is None:
        if not (size or "").strip():
            raise StockError(
                _("Choose a size for %(item)s.") % {"item": item_type.label}, field=field
            )
        raise StockError(
            _("%(size)s is not a size of %(item)s.")
            % {"size": (size or "").strip(), "item": item_type.label},
            field=field,
        )
    return normal


def checked_grade(grade: str | None, *, default: str | None = None, field: str = "grade") -> str:
    grade = (grade or "").strip() or (default or "")
    if grade not in Grade.values:
        raise StockError(_("Choose a condition."), field=field)
    return grade


def checked_location(
    org: Organization, location, *, field: str = "location", transit_ok: bool = False
) -> Location:
    if location is None or location.organization_id != org.pk:
        raise StockError(_("Choose a location of this organisation."), field=field)
    if location.archived:
        raise StockError(
            _("%(location)s is archived: choose another location.") % {"location": location},
            field=field,
        )
    if location.kind == Location.Kind.TRANSIT and not transit_ok:
        raise StockError(
            _("Goods reach the in-transit location only by a transfer between sites."),
            field=field,
        )
    return location


def kg_item_type(org: Organization, code: str) -> ItemType:
    item_type = ItemType.objects.filter(organization=org, code=code).first()
    if item_type is None:
        ensure_default_catalogue(org)
        item_type = ItemType.objects.get(organization=org, code=code)
    return item_type


# The service --------------------------------------------------------------------------------


def _line(org: Organization, line: SortingLineIn, index: int) -> tuple[SortingLine, Move | None]:
    def field(name: str) -> str:
        return f"lines.{index}.{name}"

    if line.stream not in Stream.values:
        raise StockError(_("Choose where the goods go."), field=field("stream"))
    stream = Stream(line.stream)
    if stream == Stream.DISCARD:
        weight = checked_amount(line.weight_kg, field=field("weight_kg"), maximum=MAX_WEIGHT)
        item_type = checked_item_type(org, line.item_type) if line.item_type else None
        size = checked_size(item_type, line.size, field=field("size")) if item_type else ""
        grade = checked_grade(line.grade, default=Grade.WORN, field=field("grade"))
        row = SortingLine(
            stream=stream, item_type=item_type, size=size, grade=grade, weight_kg=weight
        )
        return row, None
    location = checked_location(org, line.location, field=field("location"))
    if stream in (Stream.EXPORT, Stream.RECYCLE):
        item_type = line.item_type or kg_item_type(org, STREAM_ITEM_TYPES[stream])
        checked_item_type(org, item_type, field=field("item_type"))
        if item_type.unit != Unit.KG:
            raise StockError(
                _("Export and recycling are recorded in kilograms: choose a kg item type."),
                field=field("item_type"),
            )
        quantity = weight = checked_amount(
            line.weight_kg, field=field("weight_kg"), maximum=MAX_WEIGHT
        )
        kind = Kind.SORT
    else:
        item_type = checked_item_type(org, line.item_type, field=field("item_type"))
        quantity = checked_amount(line.quantity, field=field("quantity"))
        weight = checked_amount(
            line.weight_kg, field=field("weight_kg"), required=False, maximum=MAX_WEIGHT
        )
        kind = Kind.TO_SHOP if stream == Stream.SHOP else Kind.SORT
        if stream == Stream.SHOP and location.site.kind != Site.Kind.SHOP:
            raise StockError(
                _("Goods for a shop go to a location at a shop."), field=field("location")
            )
    size = checked_size(item_type, line.size, field=field("size"))
    grade = checked_grade(line.grade, default=STREAM_GRADES[stream], field=field("grade"))
    row = SortingLine(
        stream=stream,
        item_type=item_type,
        size=size,
        grade=grade,
        quantity=None if stream in (Stream.EXPORT, Stream.RECYCLE) else quantity,
        weight_kg=weight,
        location=location,
    )
    move = ledger.Move(
        kind=kind,
        item_type_id=item_type.pk,
        size=size,
        grade=grade,
        quantity=quantity,
        to_location=location.pk,
    )
    return row, move


def record_sorting(
    *,
    org: Organization,
    source_location: Location,
    source_item_type: ItemType,
    weight_kg: Decimal,
    lines: Sequence[SortingLineIn],
    actor,
    source_grade: str = Grade.UNSORTED,
    note: str = "",
) -> Sorting:
    """Take `weight_kg` of unsorted goods from `source_location` and record what came out of
    them, in one ledger record. Refused whole (StockError naming the field) when the source
    holds less, a line is incomplete or a shop line points to a location not at a shop."""
    checked_location(org, source_location, field="source_location")
    checked_item_type(org, source_item_type, field="source_item_type")
    if source_item_type.unit != Unit.KG:
        raise StockError(
            _("Sacks are taken by weight: choose an item type counted in kg."),
            field="source_item_type",
        )
    weight = checked_amount(weight_kg, field="weight_kg", maximum=MAX_WEIGHT)
    grade = checked_grade(source_grade, field="source_grade")
    source_size = checked_size(source_item_type, "", field="source_item_type")
    if not lines:
        raise StockError(_("Add at least one line."), field="lines")
    with transaction.atomic():
        rows, moves = [], []
        for index, line in enumerate(lines):
            row, move = _line(org, line, index)
            rows.append(row)
            if move is not None:
                moves.append(move)
        sorting = Sorting.objects.create(
            organization=org,
            number=next_number(org, "sorting"),
            site=source_location.site,
            source_location=source_location,
            source_item_type=source_item_type,
            source_grade=grade,
            weight_kg=weight,
            note=note.strip(),
            created_by=actor,
        )
        for row in rows:
            row.organization = org
            row.sorting = sorting
        SortingLine.objects.bulk_create(rows)
        source = ledger.Move(
            kind=Kind.SORT,
            item_type_id=source_item_type.pk,
            size=source_size,
            grade=grade,
            quantity=weight,
            from_location=source_location.pk,
            reason=sorting.reference,
        )
        ledger.record(
            org=org,
            moves=[source, *moves],
            actor=actor,
            document_type="sorting",
            document_id=sorting.pk,
        )
        audit.log(
            org=org,
            actor=actor,
            action="sorting.recorded",
            obj=sorting,
            changes={
                "weight_kg": str(weight),
                "lines": len(rows),
                "source_location": str(source_location),
            },
        )
    return sorting
