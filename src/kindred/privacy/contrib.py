"""What the privacy app adds to Kindred (see kindred/core/declarations.py)."""

from django.utils.translation import gettext_lazy as _

from kindred.core.declarations import AppContrib, Card, Nav, PersonRef
from kindred.core.roles import Action

from . import cards, demo
from .services import refuse_merging_held_record
from .tasks import enqueue_due_purges

AUDIT_LABELS = {
    "person.exported": _("Personal data exported"),
    "person.erased": _("Personal data erased"),
    "legal_hold.placed": _("Legal hold placed"),
    "legal_hold.lifted": _("Legal hold lifted"),
    "retention.rule_changed": _("Retention rule changed"),
    "retention.purged": _("Retention purge run"),
}

CONTRIB = AppContrib(
    nav=[
        Nav(
            "admin",
            "privacy:overview",
            _("Privacy"),
            Action.HANDLE_PRIVACY,
            40,
            current=("privacy:*",),
        ),
    ],
    home_cards=[
        Card(
            "privacy.retention",
            "privacy/cards/retention.html",
            cards.retention,
            Action.HANDLE_PRIVACY,
            70,
        ),
    ],
    demo=demo.build,
    audit_labels=AUDIT_LABELS,
    person_refs=[PersonRef("privacy.LegalHold", "person")],
    scheduled=[enqueue_due_purges],
    extends={"people.merge_checks": [refuse_merging_held_record]},
)
