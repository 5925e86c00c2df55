"""Goods leaving or set aside at one location: handouts, reservations and their release.

Each function is one ledger operation (`ledger.record()` called once), so it inherits the
ledger's guarantees: the balance row is locked before it is read (two volunteers handing
out the last jacket cannot both succeed), and a refusal raises a translated `StockError`
and changes nothing. The help-request flow builds on these: it reserves goods for a
household, then hands them out (`from_reserved=True` releases and hands out in one call)
or releases them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization

from ..models import Grade, ItemType, Location, Movement
from ..sizes import normalise_size
from . import ledger
from .common import StockError

Kind = Movement.Kind


def _quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite() or quantity <= 0:
        raise StockError(_("The quantity must be more than zero."), field="quantity")
    return quantity


def _key(
    org: Organization, location: Location, item_type: ItemType, size: str, grade: str
) -> tuple[str, str]:
    """The normalised size and grade, or a translated StockError naming the field."""
    if location.organization_id != org.pk:
        raise StockError(_("Choose a location of this organisation."), field="location")
    if item_type.organization_id != org.pk:
        raise StockError(_("Choose an item type of the catalogue."), field="item_type")
    canonical = normalise_size(item_type.size_system, size)
    if canonical is None:
        raise StockError(
            _("%(size)s is not a size of %(item)s.") % {"size": size, "item": item_type.label},
            field="size",
        )
    if grade not in Grade.values:
        raise StockError(_("Choose a condition."), field="grade")
    return canonical, grade


def _one(
    *,
    org: Organization,
    kinds: list[str],
    location: Location,
    item_type: ItemType,
    size: str,
    grade: str,
    quantity,
    actor,
    reason: str,
    document_type: str,
    document_id: int | None,
    action: str,
) -> Movement:
    size, grade = _key(org, location, item_type, size, grade)
    amount = _quantity(quantity)
    reason = (reason or "").strip()
    moves = [
        ledger.Move(
            kind=kind,
            item_type_id=item_type.pk,
            size=size,
            grade=grade,
            quantity=amount,
            from_location=location.pk,
            reason=reason,
        )
        for kind in kinds
    ]
    with transaction.atomic():
        movements = ledger.record(
            org=org,
            moves=moves,
            actor=actor,
            document_type=document_type,
            document_id=document_id,
        )
        movement = movements[-1]
        audit.log(
            org=org,
            actor=actor,
            action=action,
            obj=movement,
            changes={
                "location": str(location),
                "item_type": item_type.label,
                "size": size,
                "grade": grade,
                "quantity": str(amount.normalize()),
                **({"reason": reason} if reason else {}),
            },
        )
    return movement


def hand_out(
    *,
    org: Organization,
    location: Location,
    item_type: ItemType,
    size: str,
    grade: str,
    quantity,
    actor,
    reason: str = "",
    from_reserved: bool = False,
    document_type: str = "handout",
    document_id: int | None = None,
) -> Movement:
    """Give `quantity` of a stock key at `location` away: one HANDOUT movement. Only the
    available part (quantity minus reserved) can be handed out, unless `from_reserved`,
    which releases that much of the reservation and hands it out in the same call."""
    return _one(
        org=org,
        kinds=[Kind.RELEASE, Kind.HANDOUT] if from_reserved else [Kind.HANDOUT],
        location=location,
        item_type=item_type,
        size=size,
        grade=grade,
        quantity=quantity,
        actor=actor,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        action="stock.handed_out",
    )


def reserve(
    *,
    org: Organization,
    location: Location,
    item_type: ItemType,
    size: str,
    grade: str,
    quantity,
    actor,
    reason: str = "",
    document_type: str = "",
    document_id: int | None = None,
) -> Movement:
    """Set `quantity` aside at `location` (e.g. for a household): still on the shelf, no
    longer available to anyone else. Refused when less than that is available."""
    return _one(
        org=org,
        kinds=[Kind.RESERVE],
        location=location,
        item_type=item_type,
        size=size,
        grade=grade,
        quantity=quantity,
        actor=actor,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        action="stock.reserved",
    )


def release(
    *,
    org: Organization,
    location: Location,
    item_type: ItemType,
    size: str,
    grade: str,
    quantity,
    actor,
    reason: str = "",
    document_type: str = "",
    document_id: int | None = None,
) -> Movement:
    """Give back `quantity` of a reservation at `location`: available again."""
    return _one(
        org=org,
        kinds=[Kind.RELEASE],
        location=location,
        item_type=item_type,
        size=size,
        grade=grade,
        quantity=quantity,
        actor=actor,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        action="stock.released",
    )
