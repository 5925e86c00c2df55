"""Transfers between locations.

Within one site the goods arrive at once: one TRANSFER movement per line, status DONE.
Between sites they travel: the goods move to the receiving site's in-transit location
(status IN_TRANSIT) and arrive when someone there receives them (a second TRANSFER movement,
from transit to the destination). Both steps are one ledger record each, document_type
"transfer", so the stock is never in two places and never nowhere. Reversing a transfer
(corrections.reverse_document) marks it REVERSED; one reversed in transit cannot be received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization

from ..models import ItemType, Location, Movement, Transfer, TransferLine
from . import ledger
from .catalogue import transit_location
from .common import StockError, next_number
from .sorting import (
    checked_amount,
    checked_grade,
    checked_item_type,
    checked_location,
    checked_size,
)

Kind = Movement.Kind


@dataclass(frozen=True)
class TransferLineIn:
    item_type: ItemType
    size: str
    grade: str
    quantity: Decimal


def send_transfer(
    *,
    org: Organization,
    from_location: Location,
    to_location: Location,
    lines: Sequence[TransferLineIn],
    actor,
    note: str = "",
) -> Transfer:
    """Move goods from one location to another: at once within a site, via the receiving
    site's in-transit location between sites. Refused whole when a line asks for more than
    the location holds (StockError naming the item and what is there)."""
    checked_location(org, from_location, field="from_location")
    checked_location(org, to_location, field="to_location")
    if from_location.pk == to_location.pk:
        raise StockError(_("Choose two different locations."), field="to_location")
    if not lines:
        raise StockError(_("Add at least one line."), field="lines")
    checked = []
    for index, line in enumerate(lines):
        item_type = checked_item_type(org, line.item_type, field=f"lines.{index}.item_type")
        checked.append(
            TransferLine(
                item_type=item_type,
                size=checked_size(item_type, line.size, field=f"lines.{index}.size"),
                grade=checked_grade(line.grade, field=f"lines.{index}.grade"),
                quantity=checked_amount(line.quantity, field=f"lines.{index}.quantity"),
            )
        )
    between_sites = from_location.site_id != to_location.site_id
    with transaction.atomic():
        now = timezone.now()
        destination = transit_location(to_location.site) if between_sites else to_location
        transfer = Transfer.objects.create(
            organization=org,
            number=next_number(org, "transfer"),
            from_location=from_location,
            to_location=to_location,
            status=Transfer.Status.IN_TRANSIT if between_sites else Transfer.Status.DONE,
            note=note.strip(),
            created_by=actor,
            created_at=now,
            received_by=None if between_sites else actor,
            received_at=None if between_sites else now,
        )
        for row in checked:
            row.organization = org
            row.transfer = transfer
        TransferLine.objects.bulk_create(checked)
        ledger.record(
            org=org,
            moves=[
                ledger.Move(
                    kind=Kind.TRANSFER,
                    item_type_id=row.item_type_id,
                    size=row.size,
                    grade=row.grade,
                    quantity=row.quantity,
                    from_location=from_location.pk,
                    to_location=destination.pk,
                    reason=transfer.reference,
                )
                for row in checked
            ],
            actor=actor,
            document_type="transfer",
            document_id=transfer.pk,
        )
        audit.log(
            org=org,
            actor=actor,
            action="transfer.sent",
            obj=transfer,
            changes={
                "from_location": str(from_location),
                "to_location": str(to_location),
                "status": transfer.status,
                "lines": len(checked),
            },
        )
    return transfer


def receive_transfer(*, org: Organization, transfer: Transfer, actor) -> Transfer:
    """Goods sent from another site have arrived: move them from the in-transit location to
    the destination. Refused for a transfer that is not (or no longer) in transit."""
    if transfer.organization_id != org.pk:
        raise StockError(_("There is no such transfer."), field="transfer")
    with transaction.atomic():
        # The row lock makes a double click (or two people) receive it once, not twice.
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.status == Transfer.Status.REVERSED:
            raise StockError(
                _("This transfer was reversed: its goods went back to %(location)s.")
                % {"location": transfer.from_location},
                field="transfer",
            )
        if transfer.status != Transfer.Status.IN_TRANSIT:
            raise StockError(_("This transfer has already been received."), field="transfer")
        to_location = transfer.to_location
        checked_location(org, to_location, field="to_location")
        transit = transit_location(to_location.site)
        ledger.record(
            org=org,
            moves=[
                ledger.Move(
                    kind=Kind.TRANSFER,
                    item_type_id=line.item_type_id,
                    size=line.size,
                    grade=line.grade,
                    quantity=line.quantity,
                    from_location=transit.pk,
                    to_location=to_location.pk,
                    reason=transfer.reference,
                )
                for line in transfer.lines.all()
            ],
            actor=actor,
            document_type="transfer",
            document_id=transfer.pk,
        )
        transfer.status = Transfer.Status.DONE
        transfer.received_by = actor
        transfer.received_at = timezone.now()
        transfer.save(update_fields=["status", "received_by", "received_at"])
        audit.log(
            org=org,
            actor=actor,
            action="transfer.received",
            obj=transfer,
            changes={"status": [Transfer.Status.IN_TRANSIT, Transfer.Status.DONE]},
        )
    return transfer
