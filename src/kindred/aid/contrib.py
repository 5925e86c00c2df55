"""What the aid app adds to Kindred (see kindred/core/declarations.py)."""

from django.utils.translation import gettext_lazy as _

from kindred.core.declarations import AppContrib, Area, Card, Nav, PersonRef
from kindred.core.roles import Action
from kindred.core.tasks import JobStalled
from kindred.goods.queries.stock import LedgerDocument
from kindred.people.next_steps import NextStep

from . import cards, demo
from .models import Handout, Reservation
from .services import AUDIT_ACTIONS, messaging
from .tasks.allocation import fail_stalled_run
from .tasks.reminders import enqueue_reminders
from .tasks.reservations import enqueue_expiry

CONTRIB = AppContrib(
    areas=[Area("aid", _("Aid"), order=30, icon="heart")],
    nav=[
        Nav(
            "aid",
            "aid:requests",
            _("Help requests"),
            Action.VIEW_REQUESTS,
            10,
            current=("aid:request*",),
        ),
        Nav(
            "aid",
            "aid:allocation",
            _("Allocation"),
            Action.ALLOCATE,
            20,
            current=("aid:allocation*",),
        ),
        Nav(
            "aid",
            "aid:days",
            _("Distribution"),
            Action.VIEW_DISTRIBUTION,
            30,
            current=("aid:day*", "aid:booking*", "aid:pick-list"),
        ),
        Nav(
            "aid",
            "aid:reservations",
            _("Reservations"),
            Action.VIEW_DISTRIBUTION,
            40,
            current=("aid:reservation*",),
        ),
        Nav(
            "aid",
            "aid:station",
            _("Handout station"),
            Action.HAND_OUT,
            50,
            current=("aid:station*",),
        ),
        Nav(
            "aid",
            "aid:eligibility",
            _("Eligibility rules"),
            Action.MANAGE_ELIGIBILITY,
            60,
            current=("aid:eligibility*", "aid:settings"),
        ),
    ],
    home_cards=[
        Card(
            "aid.requests_waiting",
            "aid/cards/requests_waiting.html",
            cards.requests_waiting,
            Action.REVIEW_REQUESTS,
            10,
        ),
        Card(
            "aid.distribution_days",
            "aid/cards/distribution_days.html",
            cards.distribution_days,
            Action.VIEW_DISTRIBUTION,
            20,
        ),
        Card(
            "aid.reservations_expiring",
            "aid/cards/reservations_expiring.html",
            cards.reservations_expiring,
            Action.VIEW_DISTRIBUTION,
            30,
        ),
        Card(
            "aid.messages",
            "aid/cards/messages.html",
            cards.message_problems,
            Action.MANAGE_DISTRIBUTION,
            760,
        ),
    ],
    demo=demo.build,
    audit_labels=AUDIT_ACTIONS,
    person_refs=[PersonRef("aid.HelpRequest", "applicant")],
    scheduled=[
        enqueue_expiry,  # uncollected reservations back to stock
        enqueue_reminders,  # the day before a pickup slot
        messaging.retry_due,  # booking messages that failed, tried again with back-off
    ],
    extends={
        # A family just registered goes straight on to its first help request.
        "people.after_family": [
            NextStep("aid:request-new", _("Register a help request"), Action.SUBMIT_REQUESTS)
        ],
        "core.job_stalled": [JobStalled(fail_stalled_run)],
        "goods.ledger_documents": [
            LedgerDocument(
                "reservation",
                Reservation,
                "aid:reservation",
                "reservation_id",
                Action.VIEW_DISTRIBUTION,
            ),
            LedgerDocument(
                "handout", Handout, "aid:station-handout", "handout_id", Action.HAND_OUT
            ),
        ],
    },
)
