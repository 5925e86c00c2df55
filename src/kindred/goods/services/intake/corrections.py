"""Correcting a receipt without rewriting history: the lines in force are reversed, the
new ones recorded, the old ones kept, marked void."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization
from kindred.core.services import Invalid

from ...models import (
    DonationLine,
    DonationReceipt,
    Movement,
    OneOffItem,
)
from .. import ledger
from ..common import StockError
from .lines import ReceiptLineIn, clean_lines
from .receipts import _create_lines, _intake_moves, _lines_summary, _register_one_offs


def _current_movements(org: Organization, receipt: DonationReceipt) -> list[Movement]:
    """The receipt's movements in force: not reversals, and not reversed yet."""
    return list(
        Movement.objects.filter(
            organization=org,
            document_type="receipt",
            document_id=receipt.pk,
            reverses__isnull=True,
            reversals__isnull=True,
        ).order_by("pk")
    )


@transaction.atomic
def correct_receipt(
    *, org: Organization, receipt: DonationReceipt, lines: list[ReceiptLineIn], reason: str, actor
) -> DonationReceipt:
    """Replace a receipt's lines: its movements in force are reversed and the new lines
    recorded, in one ledger call. The old lines stay, void, and one-off items registered
    from them are marked gone. When goods of the receipt have already left the location
    the reversal cannot take them back: a `StockError` says so and nothing changes."""
    receipt = DonationReceipt.objects.select_for_update().get(pk=receipt.pk, organization=org)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the receipt is corrected."), field="reason")
    if len(reason) > 300:
        raise Invalid(_("Write at most 300 characters."), field="reason")
    site = receipt.site
    clean = clean_lines(org=org, site=site, lines=lines)
    old_lines = list(
        DonationLine.objects.filter(receipt=receipt, voided=False).select_related(
            "item_type", "location"
        )
    )
    moves = [ledger.reversal(m, reason=reason) for m in _current_movements(org, receipt)]
    moves += _intake_moves(clean, receipt.reference)
    try:
        ledger.record(
            org=org, moves=moves, actor=actor, document_type="receipt", document_id=receipt.pk
        )
    except StockError as error:
        raise StockError(
            _("The goods of this receipt are no longer all where they were put: %(problem)s")
            % {"problem": error.message},
            field=error.field,
        ) from error
    DonationLine.objects.filter(pk__in=[line.pk for line in old_lines]).update(voided=True)
    OneOffItem.objects.filter(line__in=old_lines, status=OneOffItem.Status.IN_STOCK).update(
        status=OneOffItem.Status.GONE, location=None
    )
    last = DonationLine.objects.filter(receipt=receipt).order_by("-position").first()
    start = last.position + 1 if last else 0
    rows = _create_lines(org, receipt, clean, start)
    _register_one_offs(org, rows, clean)
    receipt.revision += 1
    receipt.save(update_fields=["revision"])
    audit.log(
        org=org,
        actor=actor,
        action="receipt.corrected",
        obj=receipt,
        changes={
            "reason": [None, reason],
            "revision": [receipt.revision - 1, receipt.revision],
            "lines": [_lines_summary(old_lines), _lines_summary(clean)],
        },
    )
    return receipt
