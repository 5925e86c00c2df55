"""Correcting a past document by reversing it: history is never rewritten.

`reverse_document` appends, for every movement of the document that has not been reversed
yet, the movement that undoes it (`ledger.reversal`: kind CORRECTION, locations swapped; a
reservation released), all in one ledger record. If the goods have moved on since (the
jackets of a receipt were handed out), the reversal is refused like any other outflow
beyond stock, and nothing changes. What should have happened instead is then recorded as
a new document.

How a correction is found again (the decision): the reversing movements carry
document_type "correction" and, as document_id, the primary key of the first movement they
reverse (unique: a movement is reversed only once); each of them points to the movement it
undoes through `reverses`, whose own document_type and document_id name the original
document. `document_corrections()` in goods.queries.operations lists a document's
corrections that way. The reason is stored on every reversing movement and in the audit
entry ("stock.corrected"), which also names the original document.
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization
from kindred.core.services import NotFound

from ..models import Movement, Transfer
from . import ledger
from .common import StockError, StockInputError

CORRECTION = "correction"

# The documents of the goods app, for the audit entry's object. Other apps' documents
# (handouts, …) are reversed just the same; their entry names them by type and id.
DOCUMENT_MODELS = {
    "receipt": "goods.DonationReceipt",
    "sorting": "goods.Sorting",
    "transfer": "goods.Transfer",
    "count": "goods.StockCount",
    "disposal": "goods.DisposalLot",
}


def _locked_document(org: Organization, document_type: str, document_id: int):
    """The goods document, its row locked before any balance (the order receiving a
    transfer or approving a count takes them in), or None for other apps' documents."""
    label = DOCUMENT_MODELS.get(document_type)
    if label is None:
        return None
    return (
        apps.get_model(label)
        .objects.select_for_update(of=("self",))
        .filter(organization=org, pk=document_id)
        .order_by()
        .first()
    )


def _mark_reversed(document) -> dict:
    """What reversing changes on the document itself, for the audit entry: a transfer is
    REVERSED (one still in transit can then no longer be received)."""
    if isinstance(document, Transfer) and document.status != Transfer.Status.REVERSED:
        before = document.status
        document.status = Transfer.Status.REVERSED
        document.save(update_fields=["status"])
        return {"status": [before, document.status]}
    return {}


def reverse_document(
    *, org: Organization, document_type: str, document_id: int, reason: str, actor
) -> list[Movement]:
    """Undo every not-yet-reversed movement of a document in one ledger record (see the
    module docstring for how the correction stays linked to the document). Refused when
    the document has no movements, was already reversed in full, or its goods are gone."""
    reason = (reason or "").strip()
    document_type = (document_type or "").strip()
    if not reason:
        raise StockInputError(_("Give a reason for the correction."), field="reason")
    if len(reason) > 300:
        raise StockInputError(_("Keep the reason under 300 characters."), field="reason")
    if document_type == CORRECTION:
        raise StockError(
            _("A correction cannot itself be reversed: record what is right as a new document."),
            field="document_type",
        )
    with transaction.atomic():
        document = _locked_document(org, document_type, document_id)
        # Locking the document's movements makes a second, simultaneous reversal wait and
        # then find them reversed, instead of reversing them twice.
        ids = list(
            Movement.objects.select_for_update()
            .filter(
                organization=org,
                document_type=document_type,
                document_id=document_id,
                reverses__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise NotFound(_("There is no such document."), field="document_id")
        reversed_ids = set(
            Movement.objects.filter(organization=org, reverses__in=ids).values_list(
                "reverses_id", flat=True
            )
        )
        pending = [
            m
            for m in Movement.objects.filter(pk__in=ids).order_by("pk")
            if m.pk not in reversed_ids
        ]
        if not pending:
            raise StockError(_("This document has already been reversed."), field="document_id")
        movements = ledger.record(
            org=org,
            moves=[ledger.reversal(m, reason=reason) for m in pending],
            actor=actor,
            document_type=CORRECTION,
            document_id=pending[0].pk,
        )
        status_change = _mark_reversed(document)
        audit.log(
            org=org,
            actor=actor,
            action="stock.corrected",
            obj=document,
            changes={
                "document_type": document_type,
                "document_id": document_id,
                "reason": reason,
                "movements": len(movements),
                **status_change,
            },
        )
    return movements
