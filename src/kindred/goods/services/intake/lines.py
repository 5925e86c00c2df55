"""The lines of a donation: what the intake table or the API sent, checked and cleaned."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kindred.core.models import Organization, Site

from ...models import (
    Grade,
    ItemType,
    Location,
    Unit,
)
from ...sizes import normalise_size
from ..common import StockInputError

WHOLE_UNITS = frozenset({Unit.PIECE, Unit.PAIR, Unit.SET})
MAX_ONE_OFF_PER_LINE = 50
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_LINES = 200
MAX_QUANTITY = Decimal("1000000")


class LineError(StockInputError):
    """A line that cannot be recorded as written (a size the item type does not have, a
    location at another site)."""


@dataclass(frozen=True)
class ReceiptLineIn:
    item_type: ItemType
    size: str
    grade: str
    quantity: Decimal
    location: Location
    weight_kg: Decimal | None = None
    description: str = ""
    photo: UploadedFile | None = None  # one-off items


@dataclass(frozen=True)
class CleanLine:
    item_type: ItemType
    size: str
    grade: str
    quantity: Decimal
    location: Location
    weight_kg: Decimal | None
    description: str
    photo: UploadedFile | None = field(default=None, compare=False)


def _decimal(value, name: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise LineError(_("Enter a number."), field=name) from None
    if not result.is_finite():
        raise LineError(_("Enter a number."), field=name)
    return result


def clean_line(*, org: Organization, site: Site, line: ReceiptLineIn, index: int = 0) -> CleanLine:
    """The line as it will be recorded, or a `LineError` naming the field
    (`lines.<index>.<field>`)."""
    prefix = f"lines.{index}."
    item_type = line.item_type
    if (
        not isinstance(item_type, ItemType)
        or item_type.organization_id != org.pk
        or item_type.hidden
    ):
        raise LineError(_("Choose an item type of the catalogue."), field=prefix + "item_type")
    size = normalise_size(item_type.size_system, line.size)
    if size is None:
        if (line.size or "").strip():
            message = _("%(item)s does not come in size %(size)s.") % {
                "item": item_type.label,
                "size": line.size.strip(),
            }
        else:
            message = _("Enter the size of %(item)s.") % {"item": item_type.label}
        raise LineError(message, field=prefix + "size")
    if line.grade not in Grade.values:
        raise LineError(_("Choose a condition."), field=prefix + "grade")
    quantity = _decimal(line.quantity, prefix + "quantity")
    if quantity <= 0:
        raise LineError(_("The quantity must be more than zero."), field=prefix + "quantity")
    if quantity > MAX_QUANTITY:
        raise LineError(_("The quantity is too large."), field=prefix + "quantity")
    if item_type.unit in WHOLE_UNITS and quantity != quantity.to_integral_value():
        raise LineError(
            _("%(item)s is counted in whole units.") % {"item": item_type.label},
            field=prefix + "quantity",
        )
    if quantity != quantity.quantize(Decimal("0.001")):
        raise LineError(_("Use at most three decimals."), field=prefix + "quantity")
    if item_type.one_off and quantity > MAX_ONE_OFF_PER_LINE:
        raise LineError(
            _("Register at most %(count)s one-off items in one line.")
            % {"count": MAX_ONE_OFF_PER_LINE},
            field=prefix + "quantity",
        )
    weight = None
    if line.weight_kg not in (None, ""):
        weight = _decimal(line.weight_kg, prefix + "weight_kg")
        if weight < 0 or weight > MAX_QUANTITY:
            raise LineError(_("Enter a weight of zero or more."), field=prefix + "weight_kg")
        weight = weight.quantize(Decimal("0.001"))
    if item_type.unit == Unit.KG:
        weight = quantity
    location = line.location
    if (
        not isinstance(location, Location)
        or location.organization_id != org.pk
        or location.site_id != site.pk
        or location.kind == Location.Kind.TRANSIT
        or location.archived
    ):
        raise LineError(
            _("Choose a storage location at %(site)s.") % {"site": site.name},
            field=prefix + "location",
        )
    photo = line.photo
    if photo is not None and photo.size > MAX_PHOTO_BYTES:
        raise LineError(_("The photo is larger than 10 MB."), field=prefix + "photo")
    description = (line.description or "").strip()
    if len(description) > 200:
        raise LineError(_("Write at most 200 characters."), field=prefix + "description")
    return CleanLine(
        item_type=item_type,
        size=size,
        grade=line.grade,
        quantity=quantity,
        location=location,
        weight_kg=weight,
        description=description,
        photo=photo if item_type.one_off else None,
    )


def clean_lines(*, org: Organization, site: Site, lines: list[ReceiptLineIn]) -> list[CleanLine]:
    if not lines:
        raise LineError(_("Add at least one line."), field="lines")
    if len(lines) > MAX_LINES:
        raise LineError(
            _("A receipt has at most %(count)s lines.") % {"count": MAX_LINES}, field="lines"
        )
    return [clean_line(org=org, site=site, line=line, index=i) for i, line in enumerate(lines)]
