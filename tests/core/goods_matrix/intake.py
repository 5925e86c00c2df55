"""Goods matrix entries for intake: the intake table, donation receipts and their API.

build() adds an intake room and a receipt (two toys from a company whose e-mail address was
added after the receipt: not thanked yet, and the thank-you can be sent) to `world.goods`."""

from decimal import Decimal

from django_scopes import scope

from kindred.core.models import OutgoingMail
from kindred.core.roles import Action
from kindred.goods.models import DonationLine
from kindred.goods.services import record_receipt
from kindred.goods.services.intake import ReceiptLineIn
from kindred.people import services as people_services
from tests.conftest import make_location
from tests.core.endpoint import Endpoint


def build(world, owner) -> None:
    org = world.org
    room = make_location(org, world.site, "Intake room", kind="room")
    with scope(organization=org):
        donor = people_services.create_contact(
            org=org, values={"name": "Matrix Bakery"}, actor=owner
        )
        receipt = record_receipt(
            org=org,
            site=world.site,
            lines=[ReceiptLineIn(world.goods["toy"], "", "good", Decimal(2), room)],
            actor=owner,
            donor_kind="contact",
            donor_contact=donor,
            idempotency_key="matrix-receipt",
        )
        donor = people_services.update_contact(
            org=org, contact=donor, values={"email": "bakery@example.test"}, actor=owner
        )
    world.goods.update(intake_room=room, receipt=receipt, donor_contact=donor)


def _receipt(w) -> dict:
    return {"receipt_id": w.goods["receipt"].pk}


def _intake_post(w) -> dict:
    return {
        "site": w.site.pk,
        "received_on": "2025-03-01",
        "channel": "drop_off",
        "donor": "Walk-in donor",
        "donor_kind": "named",
        "idempotency_key": "matrix-intake-page",
        "lines-0-item_type": w.goods["jacket"].pk,
        "lines-0-size": "110",
        "lines-0-quantity": "2",
        "lines-0-grade": "good",
        "lines-0-location": w.goods["intake_room"].pk,
    }


def _line_post(w) -> dict:
    return {
        "site": w.site.pk,
        "index": "0",
        "item_type": w.goods["toy"].pk,
        "quantity": "3",
        "grade": "good",
        "location": w.goods["intake_room"].pk,
    }


def _correct_post(w) -> dict:
    return {
        "reason": "Three toys, not two",
        "lines-0-item_type": w.goods["toy"].pk,
        "lines-0-quantity": "3",
        "lines-0-grade": "good",
        "lines-0-location": w.goods["intake_room"].pk,
    }


def _intake_recorded(w) -> bool:
    return DonationLine.objects.filter(
        receipt__idempotency_key="matrix-intake-page",
        receipt__donor_name="Walk-in donor",
        item_type=w.goods["jacket"],
        size="110",
        quantity=2,
        location=w.goods["intake_room"],
    ).exists()


def _thanked(w) -> bool:
    """A thank-you e-mail for the receipt is queued (it is sent after commit, which the
    matrix's transaction never reaches; tests/goods/test_mail_outbox.py sends it)."""
    return OutgoingMail.objects.filter(
        organization=w.org, kind="goods.thank_you", object_id=w.goods["receipt"].pk
    ).exists()


def _three_toys(w) -> bool:
    """The receipt's lines in force are now three toys in the intake room (were two)."""
    return DonationLine.objects.filter(
        receipt=w.goods["receipt"],
        receipt__revision=2,
        voided=False,
        item_type=w.goods["toy"],
        quantity=3,
        location=w.goods["intake_room"],
    ).exists()


def _api_receipt_recorded(w) -> bool:
    return DonationLine.objects.filter(
        receipt__idempotency_key="matrix-api",
        item_type=w.goods["toy"],
        quantity=1,
        location=w.goods["bin"],
    ).exists()


PAGES = [
    Endpoint("page", "goods:intake", "GET", Action.RECORD_INTAKE),
    Endpoint(
        "page",
        "goods:intake",
        "POST",
        Action.RECORD_INTAKE,
        data=_intake_post,
        effect=_intake_recorded,
        audit="receipt.recorded",
    ),
    # Validates one line and answers its row: nothing is saved.
    Endpoint(
        "page", "goods:intake-line", "POST", Action.RECORD_INTAKE, data=_line_post, reads_only=True
    ),
    Endpoint("page", "goods:intake-donors", "GET", Action.RECORD_INTAKE),
    Endpoint("page", "goods:receipts", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:receipt", "GET", Action.VIEW_STOCK, _receipt),
    Endpoint("page", "goods:receipt-print", "GET", Action.VIEW_STOCK, _receipt),
    Endpoint("page", "goods:receipt-pdf", "GET", Action.VIEW_STOCK, _receipt),
    Endpoint(
        "page",
        "goods:receipt-thank",
        "POST",
        Action.RECORD_INTAKE,
        _receipt,
        effect=_thanked,
        audit="receipt.thanked",
    ),
    Endpoint("page", "goods:receipt-correct", "GET", Action.ADJUST_STOCK, _receipt),
    Endpoint(
        "page",
        "goods:receipt-correct",
        "POST",
        Action.ADJUST_STOCK,
        _receipt,
        _correct_post,
        effect=_three_toys,
        audit="receipt.corrected",
    ),
]

_RECEIPTS = "/organizations/{slug}/goods/receipts"

API = [
    Endpoint(
        "api",
        _RECEIPTS,
        "POST",
        Action.RECORD_INTAKE,
        data=lambda w: {
            "site_id": w.site.pk,
            "idempotency_key": "matrix-api",
            "lines": [{"item_type": "toy", "quantity": "1", "location_id": w.goods["bin"].pk}],
        },
        effect=_api_receipt_recorded,
        audit="receipt.recorded",
    ),
    Endpoint("api", _RECEIPTS, "GET", Action.VIEW_STOCK, query=lambda w: {"q": "R-1"}),
    Endpoint("api", _RECEIPTS + "/{receipt_id}", "GET", Action.VIEW_STOCK, _receipt),
    Endpoint(
        "api",
        _RECEIPTS + "/{receipt_id}/correct",
        "POST",
        Action.ADJUST_STOCK,
        _receipt,
        lambda w: {
            "reason": "Three toys",
            "lines": [
                {
                    "item_type_id": w.goods["toy"].pk,
                    "quantity": "3",
                    "location_id": w.goods["intake_room"].pk,
                }
            ],
        },
        effect=_three_toys,
        audit="receipt.corrected",
    ),
]
