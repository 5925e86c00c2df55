"""Thank-you e-mails to donors: who may be thanked (a registered donor with an address;
a person only with a lawful basis for donor communication), queued through the outbox,
noted as sent only when the mail went."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kindred.core import audit, outbox
from kindred.core.models import Organization, OutgoingMail
from kindred.core.services import DomainError, NotFound
from kindred.people.models import Consent, ConsentPurpose, Person

from ...models import (
    DonationReceipt,
)
from ...queries.intake import receipt_summary

# The consent purpose a person needs for thank-you e-mails (created on first use).
DONOR_PURPOSE = "donor-communication"
DONOR_PURPOSE_TEXTS = {
    "name": gettext_noop("Donor communication"),
    "description": gettext_noop(
        "Thanking donors of goods by e-mail and sending them their donation receipt."
    ),
    "wording": gettext_noop(
        "May we thank you by e-mail for what you give us and send you the receipt? You can "
        "say no at any time."
    ),
}


def ensure_donor_purpose(org: Organization) -> ConsentPurpose:
    """The organisation's donor-communication consent purpose, created on first use."""
    purpose = ConsentPurpose.objects.filter(organization=org, key=DONOR_PURPOSE).first()
    if purpose is not None:
        return purpose
    try:
        with transaction.atomic():  # savepoint: another request may create it first
            purpose = ConsentPurpose.objects.create(
                organization=org, key=DONOR_PURPOSE, **DONOR_PURPOSE_TEXTS
            )
            audit.log(
                org=org,
                actor=None,
                action="consent_purpose.created",
                obj=purpose,
                changes={"name": [None, purpose.name]},
            )
    except IntegrityError:
        purpose = ConsentPurpose.objects.get(organization=org, key=DONOR_PURPOSE)
    return purpose


def _language_of(person: Person | None, org: Organization) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    for code in (person.languages if person is not None else []) or []:
        if code in known:
            return code
    return org.default_language


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str


def thank_you_recipient(receipt: DonationReceipt) -> Recipient | None:
    """Where the thank-you e-mail may go: a registered contact's address, or a registered
    person's address when they have a lawful basis in force for donor communication."""
    org = receipt.organization
    kinds = DonationReceipt.DonorKind
    if receipt.donor_kind == kinds.CONTACT and receipt.donor_contact is not None:
        contact = receipt.donor_contact
        if contact.email:
            return Recipient(contact.email, org.default_language, contact.name)
        return None
    if receipt.donor_kind == kinds.PERSON and receipt.donor_person is not None:
        person = receipt.donor_person
        if not person.email or person.anonymised_at is not None:
            return None
        consented = Consent.objects.filter(
            organization=org,
            person=person,
            purpose__key=DONOR_PURPOSE,
            purpose__archived=False,
            withdrawn_at__isnull=True,
        ).exists()
        if consented:
            return Recipient(person.email, _language_of(person, org), person.full_name)
    return None


THANK_YOU = "goods.thank_you"


def _mark_thanked(org: Organization, receipt: DonationReceipt, actor) -> None:
    """Queue the thank-you e-mail (core/outbox.py); `thank_you_sent_at` is set when it went
    (mark_thank_you_sent, declared in goods/contrib.py), not before."""
    recipient = thank_you_recipient(receipt)
    if recipient is None:
        return
    with translation.override(recipient.language), timezone.override(org.time_zone):
        summary = receipt_summary(receipt)
        subject = _("Thank you for your donation to %(org)s") % {"org": org.name}
        body = render_to_string(
            "goods/email/thank_you.txt",
            {"receipt": receipt, "summary": summary, "org": org, "recipient": recipient},
        )
    outbox.queue(
        org=org,
        kind=THANK_YOU,
        recipient=recipient.email,
        subject=subject,
        body=body,
        about=receipt,
    )
    audit.log(
        org=org,
        actor=actor,
        action="receipt.thanked",
        obj=receipt,
        changes={"sent_to": [None, receipt.donor_kind]},
    )


def mark_thank_you_sent(mail: OutgoingMail) -> None:
    """The thank-you went: note it on its receipt (the outbox calls this when it sent it)."""
    DonationReceipt.objects.filter(organization_id=mail.organization_id, pk=mail.object_id).update(
        thank_you_sent_at=mail.sent_at
    )


@transaction.atomic
def send_thank_you(*, org: Organization, receipt: DonationReceipt, actor) -> DonationReceipt:
    """Send (again) the thank-you e-mail of a receipt. Refused when the donor has no
    address, or is a person without a lawful basis for donor communication."""
    receipt = (
        # of=("self",): the donor joins are outer joins, which PostgreSQL cannot lock.
        DonationReceipt.objects.select_for_update(of=("self",))
        .select_related("donor_person", "donor_contact")
        .get(pk=receipt.pk, organization=org)
    )
    if receipt.donor_kind not in (
        DonationReceipt.DonorKind.PERSON,
        DonationReceipt.DonorKind.CONTACT,
    ) or (receipt.donor_person is None and receipt.donor_contact is None):
        raise DomainError(_("Only registered donors can be thanked by e-mail."), field="donor")
    if thank_you_recipient(receipt) is None:
        if receipt.donor_kind == DonationReceipt.DonorKind.PERSON and (
            receipt.donor_person.email and receipt.donor_person.anonymised_at is None
        ):
            raise DomainError(
                _("This person has not agreed to be contacted about donations."), field="donor"
            )
        raise DomainError(_("The donor has no e-mail address."), field="donor")
    _mark_thanked(org, receipt, actor)
    return receipt


def receipt_for(org: Organization, receipt_id: int) -> DonationReceipt:
    receipt = DonationReceipt.objects.filter(organization=org, pk=receipt_id).first()
    if receipt is None:
        raise NotFound(_("There is no such receipt."), field="receipt_id")
    return receipt
