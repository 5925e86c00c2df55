"""What the goods app adds to Kindred (see kindred/core/declarations.py)."""

from django.utils.translation import gettext_lazy as _

from kindred.core.declarations import AppContrib, Area, Card, Nav, PersonRef
from kindred.core.outbox import MailSent
from kindred.core.roles import Action
from kindred.people.purposes import AppPurpose

from . import cards, demo
from .models import DisposalLot, DonationReceipt, Sorting, StockCount, Transfer
from .queries.stock import LedgerDocument
from .services.catalogue import ensure_default_catalogue
from .services.intake import DONOR_PURPOSE, DONOR_PURPOSE_TEXTS, THANK_YOU, mark_thank_you_sent

AUDIT_LABELS = {
    "catalogue.category_added": _("Category added"),
    "catalogue.category_changed": _("Category changed"),
    "catalogue.item_type_added": _("Item type added"),
    "catalogue.item_type_changed": _("Item type changed"),
    "location.added": _("Location added"),
    "location.changed": _("Location changed"),
    "location.archived": _("Location archived"),
    "location.restored": _("Location restored"),
    "receipt.recorded": _("Donation received"),
    "receipt.corrected": _("Donation receipt corrected"),
    "receipt.thanked": _("Thank-you sent"),
    "sorting.recorded": _("Sorting recorded"),
    "transfer.sent": _("Transfer sent"),
    "transfer.received": _("Transfer received"),
    "count.started": _("Stock count started"),
    "count.recorded": _("Stock counts entered"),
    "count.approved": _("Stock count approved"),
    "count.cancelled": _("Stock count cancelled"),
    "disposal.recorded": _("Goods disposed of"),
    "stock.corrected": _("Stock corrected"),
    "stock.handed_out": _("Goods handed out"),
    "stock.reserved": _("Goods reserved"),
    "stock.released": _("Reservation released"),
    "threshold.changed": _("Low-stock level changed"),
    "needs.settings_changed": _("Public needs list changed"),
}

CONTRIB = AppContrib(
    areas=[Area("goods", _("Goods"), order=20, icon="box")],
    nav=[
        Nav(
            "goods",
            "goods:stock",
            _("Stock"),
            Action.VIEW_STOCK,
            10,
            current=(
                "goods:stock*",
                "goods:movements",
                "goods:low-stock",
                "goods:item*",
                "goods:thresholds",
                "goods:needs-settings",
            ),
        ),
        Nav(
            "goods",
            "goods:intake",
            _("Intake table"),
            Action.RECORD_INTAKE,
            20,
            current=("goods:intake*",),
        ),
        Nav(
            "goods",
            "goods:receipts",
            _("Donation receipts"),
            Action.VIEW_STOCK,
            30,
            current=("goods:receipt*",),
        ),
        Nav(
            "goods",
            "goods:sortings",
            _("Sortings"),
            Action.VIEW_STOCK,
            40,
            current=("goods:sorting*",),
        ),
        Nav(
            "goods",
            "goods:transfers",
            _("Transfers"),
            Action.VIEW_STOCK,
            50,
            current=("goods:transfer*",),
        ),
        Nav(
            "goods",
            "goods:counts",
            _("Stock counts"),
            Action.VIEW_STOCK,
            60,
            current=("goods:count*",),
        ),
        Nav(
            "goods",
            "goods:disposals",
            _("Disposal"),
            Action.VIEW_STOCK,
            70,
            current=("goods:disposal*",),
        ),
        Nav(
            "goods",
            "goods:catalogue",
            _("Catalogue"),
            Action.VIEW_STOCK,
            80,
            current=("goods:category*", "goods:item-type*"),
        ),
        Nav(
            "goods",
            "goods:locations",
            _("Locations"),
            Action.VIEW_STOCK,
            90,
            current=("goods:location*",),
        ),
        Nav(
            "goods",
            "goods:labels",
            _("Print labels"),
            Action.VIEW_STOCK,
            100,
            current=("goods:labels*", "goods:scan"),
        ),
    ],
    home_cards=[
        Card(
            "goods.intake_today",
            "goods/cards/intake_today.html",
            cards.intake_today,
            Action.VIEW_STOCK,
            40,
        ),
        Card(
            "goods.below_threshold",
            "goods/cards/below_threshold.html",
            cards.below_threshold,
            Action.VIEW_STOCK,
            50,
        ),
    ],
    demo=demo.build,
    audit_labels=AUDIT_LABELS,
    person_refs=[PersonRef("goods.DonationReceipt", "donor_person")],
    on_organization_created=[ensure_default_catalogue],  # every organisation starts with it
    extension_points={
        "goods.ledger_documents": "LedgerDocument: a kind of document that moves stock",
    },
    extends={
        "core.mail_sent": [MailSent(THANK_YOU, mark_thank_you_sent)],
        "people.consent_purposes": [AppPurpose(DONOR_PURPOSE, DONOR_PURPOSE_TEXTS)],
        "goods.ledger_documents": [
            LedgerDocument("receipt", DonationReceipt, "goods:receipt", "receipt_id"),
            LedgerDocument("sorting", Sorting, "goods:sorting", "sorting_id"),
            LedgerDocument("transfer", Transfer, "goods:transfer", "transfer_id"),
            LedgerDocument("count", StockCount, "goods:count", "count_id"),
            LedgerDocument("disposal", DisposalLot, "goods:disposal", "disposal_id"),
        ],
    },
)
