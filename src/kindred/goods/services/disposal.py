"""Disposal streams: goods that leave for good.

An export lot goes by weight to a named receiver (a registered contact or a free-text
name) and gets a printable waybill (goods/pdf_waybill.py); recycling and discard need a
reason. Every line is an outflow of kind EXPORT, RECYCLE or DISCARD from a location at the
lot's site, all in one ledger record with document_type "disposal".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, Site
from kindred.core.services import Invalid

from ..measures import line_weight
from ..models import DisposalLine, DisposalLot, ItemType, Location, Movement
from . import ledger
from .common import StockError, next_number
from .sorting import (
    MAX_WEIGHT,
    checked_amount,
    checked_grade,
    checked_item_type,
    checked_location,
    checked_size,
)

KIND_OF_MOVEMENT = {
    DisposalLot.Kind.EXPORT: Movement.Kind.EXPORT,
    DisposalLot.Kind.RECYCLE: Movement.Kind.RECYCLE,
    DisposalLot.Kind.DISCARD: Movement.Kind.DISCARD,
}


@dataclass(frozen=True)
class DisposalLineIn:
    item_type: ItemType
    size: str
    grade: str
    location: Location
    quantity: Decimal
    weight_kg: Decimal | None = None


def record_disposal(
    *,
    org: Organization,
    kind: str,
    site: Site,
    lines: Sequence[DisposalLineIn],
    actor,
    receiver_contact=None,
    receiver_name: str = "",
    reason: str = "",
    shipped_on: date | None = None,
    note: str = "",
) -> DisposalLot:
    """Record a disposal lot and take its goods out of stock, all or nothing."""
    if kind not in KIND_OF_MOVEMENT:
        raise Invalid(_("Choose export, recycling or discard."), field="kind")
    kind = DisposalLot.Kind(kind)
    if site is None or site.organization_id != org.pk:
        raise StockError(_("Choose a site of this organisation."), field="site")
    receiver_name = (receiver_name or "").strip()
    reason = (reason or "").strip()
    if receiver_contact is not None and receiver_contact.organization_id != org.pk:
        raise StockError(_("Choose a contact of this organisation."), field="receiver_contact")
    if kind == DisposalLot.Kind.EXPORT and receiver_contact is None and not receiver_name:
        raise StockError(
            _("An export lot needs a receiver: choose a contact or write a name."),
            field="receiver_name",
        )
    if kind != DisposalLot.Kind.EXPORT and not reason:
        raise StockError(_("Give a reason for recycling or discarding."), field="reason")
    if len(reason) > 300:
        raise StockError(_("Keep the reason under 300 characters."), field="reason")
    if len(receiver_name) > 200:
        raise StockError(_("Keep the name under 200 characters."), field="receiver_name")
    if not lines:
        raise StockError(_("Add at least one line."), field="lines")
    rows = []
    for index, line in enumerate(lines):

        def field(name: str, index: int = index) -> str:
            return f"lines.{index}.{name}"

        item_type = checked_item_type(org, line.item_type, field=field("item_type"))
        location = checked_location(org, line.location, field=field("location"), transit_ok=True)
        if location.site_id != site.pk:
            raise StockError(
                _("%(location)s is not at %(site)s.") % {"location": location, "site": site.name},
                field=field("location"),
            )
        quantity = checked_amount(line.quantity, field=field("quantity"))
        weight = checked_amount(
            line.weight_kg, field=field("weight_kg"), required=False, maximum=MAX_WEIGHT
        )
        weight = line_weight(item_type, quantity, weight)
        if weight is not None and weight > MAX_WEIGHT:
            raise StockError(_("That weight is too large."), field=field("weight_kg"))
        if kind == DisposalLot.Kind.EXPORT and weight is None:
            raise StockError(
                _("An export lot goes by weight: enter the weight of %(item)s.")
                % {"item": item_type.label},
                field=field("weight_kg"),
            )
        rows.append(
            DisposalLine(
                organization=org,
                item_type=item_type,
                size=checked_size(item_type, line.size, field=field("size")),
                grade=checked_grade(line.grade, field=field("grade")),
                location=location,
                quantity=quantity,
                weight_kg=weight,
            )
        )
    with transaction.atomic():
        lot = DisposalLot.objects.create(
            organization=org,
            number=next_number(org, "disposal"),
            kind=kind,
            site=site,
            receiver_contact=receiver_contact,
            receiver_name=receiver_name,
            reason=reason,
            shipped_on=shipped_on or timezone.localdate(),
            note=(note or "").strip(),
            created_by=actor,
        )
        for row in rows:
            row.lot = lot
        DisposalLine.objects.bulk_create(rows)
        ledger.record(
            org=org,
            moves=[
                ledger.Move(
                    kind=KIND_OF_MOVEMENT[kind],
                    item_type_id=row.item_type_id,
                    size=row.size,
                    grade=row.grade,
                    quantity=row.quantity,
                    from_location=row.location_id,
                    reason=f"{lot.reference} {reason}".strip(),
                )
                for row in rows
            ],
            actor=actor,
            document_type="disposal",
            document_id=lot.pk,
        )
        audit.log(
            org=org,
            actor=actor,
            action="disposal.recorded",
            obj=lot,
            changes={
                "kind": kind,
                "receiver": str(receiver_contact or receiver_name),
                "reason": reason,
                "lines": len(rows),
            },
        )
    return lot
