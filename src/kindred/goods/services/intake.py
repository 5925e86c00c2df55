"""Donation receipts: what came in at the intake table, from whom, and where it was put.

`record_receipt` validates every line, numbers the receipt, appends the intake movements in
one `ledger.record` call, registers one-off items (furniture, prams) one by one with their
photo, and writes the audit entry — all in one transaction. An idempotency key makes a
double click, a resubmitted form or a retried API call return the first receipt instead of
creating a second one.

`correct_receipt` never rewrites history: the current lines' movements are reversed and the
new lines recorded in the same ledger call; the old lines stay, marked void.

The thank-you e-mail goes to a donor with an address — for a person, only with a lawful
basis in force for the donor-communication purpose — after the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kindred.core import audit, outbox
from kindred.core.models import Membership, Organization, OutgoingMail, Site
from kindred.core.services import DomainError, Invalid, NotFound
from kindred.people.models import Consent, ConsentPurpose, Contact, Person

from .. import measures
from ..models import (
    DonationLine,
    DonationReceipt,
    Grade,
    ItemType,
    Location,
    Movement,
    OneOffItem,
    Unit,
)
from ..queries import intake as intake_queries
from ..queries.intake import receipt_summary
from ..sizes import normalise_size
from . import ledger
from .common import StockError, StockInputError, next_number

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
WHOLE_UNITS = frozenset({Unit.PIECE, Unit.PAIR, Unit.SET})
MAX_ONE_OFF_PER_LINE = 50
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_LINES = 200
MAX_QUANTITY = Decimal("1000000")


class LineError(StockInputError):
    """A line that cannot be recorded as written (a size the item type does not have, a
    location at another site)."""


@dataclass(frozen=True)
class ReceiptLineIn:
    item_type: ItemType
    size: str
    grade: str
    quantity: Decimal
    location: Location
    weight_kg: Decimal | None = None
    description: str = ""
    photo: UploadedFile | None = None  # one-off items


@dataclass(frozen=True)
class CleanLine:
    item_type: ItemType
    size: str
    grade: str
    quantity: Decimal
    location: Location
    weight_kg: Decimal | None
    description: str
    photo: UploadedFile | None = field(default=None, compare=False)


def _decimal(value, name: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise LineError(_("Enter a number."), field=name) from None
    if not result.is_finite():
        raise LineError(_("Enter a number."), field=name)
    return result


def clean_line(*, org: Organization, site: Site, line: ReceiptLineIn, index: int = 0) -> CleanLine:
    """The line as it will be recorded, or a `LineError` naming the field
    (`lines.<index>.<field>`)."""
    prefix = f"lines.{index}."
    item_type = line.item_type
    if (
        not isinstance(item_type, ItemType)
        or item_type.organization_id != org.pk
        or item_type.hidden
    ):
        raise LineError(_("Choose an item type of the catalogue."), field=prefix + "item_type")
    size = normalise_size(item_type.size_system, line.size)
    if size is None:
        if (line.size or "").strip():
            message = _("%(item)s does not come in size %(size)s.") % {
                "item": item_type.label,
                "size": line.size.strip(),
            }
        else:
            message = _("Enter the size of %(item)s.") % {"item": item_type.label}
        raise LineError(message, field=prefix + "size")
    if line.grade not in Grade.values:
        raise LineError(_("Choose a condition."), field=prefix + "grade")
    quantity = _decimal(line.quantity, prefix + "quantity")
    if quantity <= 0:
        raise LineError(_("The quantity must be more than zero."), field=prefix + "quantity")
    if quantity > MAX_QUANTITY:
        raise LineError(_("The quantity is too large."), field=prefix + "quantity")
    if item_type.unit in WHOLE_UNITS and quantity != quantity.to_integral_value():
        raise LineError(
            _("%(item)s is counted in whole units.") % {"item": item_type.label},
            field=prefix + "quantity",
        )
    if quantity != quantity.quantize(Decimal("0.001")):
        raise LineError(_("Use at most three decimals."), field=prefix + "quantity")
    if item_type.one_off and quantity > MAX_ONE_OFF_PER_LINE:
        raise LineError(
            _("Register at most %(count)s one-off items in one line.")
            % {"count": MAX_ONE_OFF_PER_LINE},
            field=prefix + "quantity",
        )
    weight = None
    if line.weight_kg not in (None, ""):
        weight = _decimal(line.weight_kg, prefix + "weight_kg")
        if weight < 0 or weight > MAX_QUANTITY:
            raise LineError(_("Enter a weight of zero or more."), field=prefix + "weight_kg")
        weight = weight.quantize(Decimal("0.001"))
    if item_type.unit == Unit.KG:
        weight = quantity
    location = line.location
    if (
        not isinstance(location, Location)
        or location.organization_id != org.pk
        or location.site_id != site.pk
        or location.kind == Location.Kind.TRANSIT
        or location.archived
    ):
        raise LineError(
            _("Choose a storage location at %(site)s.") % {"site": site.name},
            field=prefix + "location",
        )
    photo = line.photo
    if photo is not None and photo.size > MAX_PHOTO_BYTES:
        raise LineError(_("The photo is larger than 10 MB."), field=prefix + "photo")
    description = (line.description or "").strip()
    if len(description) > 200:
        raise LineError(_("Write at most 200 characters."), field=prefix + "description")
    return CleanLine(
        item_type=item_type,
        size=size,
        grade=line.grade,
        quantity=quantity,
        location=location,
        weight_kg=weight,
        description=description,
        photo=photo if item_type.one_off else None,
    )


def clean_lines(*, org: Organization, site: Site, lines: list[ReceiptLineIn]) -> list[CleanLine]:
    if not lines:
        raise LineError(_("Add at least one line."), field="lines")
    if len(lines) > MAX_LINES:
        raise LineError(
            _("A receipt has at most %(count)s lines.") % {"count": MAX_LINES}, field="lines"
        )
    return [clean_line(org=org, site=site, line=line, index=i) for i, line in enumerate(lines)]


def _check_site(org: Organization, site: Site) -> None:
    if not isinstance(site, Site) or site.organization_id != org.pk:
        raise Invalid(_("Choose a site of this organisation."), field="site")
    if site.archived:
        raise Invalid(_("This site is archived."), field="site")


def _check_donor(
    org: Organization,
    donor_kind: str,
    donor_person: Person | None,
    donor_contact: Contact | None,
    donor_name: str,
) -> tuple[Person | None, Contact | None, str]:
    """The donor fields as stored: a registered person or contact is referred to, never
    copied (so erasing the person leaves nothing behind); a free-text name only for donors
    who are not registered."""
    kinds = DonationReceipt.DonorKind
    name = (donor_name or "").strip()
    if donor_kind not in kinds.values:
        raise Invalid(_("Choose who the donor is."), field="donor_kind")
    if donor_kind == kinds.PERSON:
        if (
            donor_person is None
            or donor_person.organization_id != org.pk
            or donor_person.anonymised_at is not None
        ):
            raise Invalid(_("Choose a registered person."), field="donor_person")
        return donor_person, None, ""
    if donor_kind == kinds.CONTACT:
        if donor_contact is None or donor_contact.organization_id != org.pk:
            raise Invalid(_("Choose a registered company or organisation."), field="donor_contact")
        return None, donor_contact, ""
    if donor_kind == kinds.NAMED:
        if not name:
            raise Invalid(_("Enter the donor's name."), field="donor_name")
        if len(name) > 200:
            raise Invalid(_("Write at most 200 characters."), field="donor_name")
        return None, None, name
    return None, None, ""


def _lines_summary(lines: list[CleanLine] | list[DonationLine]) -> str:
    parts = []
    for line in lines:
        text = f"{line.item_type.code or line.item_type.pk}"
        if line.size:
            text += f" {line.size}"
        parts.append(f"{text} x {line.quantity.normalize():f} @L{line.location.pk}")
    return "; ".join(parts)


def _create_lines(
    org: Organization, receipt: DonationReceipt, lines: list[CleanLine], start: int
) -> list[DonationLine]:
    rows = DonationLine.objects.bulk_create(
        [
            DonationLine(
                organization=org,
                receipt=receipt,
                item_type=line.item_type,
                size=line.size,
                grade=line.grade,
                quantity=line.quantity,
                weight_kg=line.weight_kg,
                location=line.location,
                description=line.description,
                value=measures.line_value(line.item_type, line.quantity),
                position=start + i,
            )
            for i, line in enumerate(lines)
        ]
    )
    if rows and rows[0].pk is None:  # backends that do not return ids from bulk inserts
        rows = list(DonationLine.objects.filter(receipt=receipt, position__gte=start))
    return rows


def _intake_moves(lines: list[CleanLine], reference: str) -> list[ledger.Move]:
    return [
        ledger.Move(
            kind=Movement.Kind.INTAKE,
            item_type_id=line.item_type.pk,
            size=line.size,
            grade=line.grade,
            quantity=line.quantity,
            to_location=line.location.pk,
            reason=reference,
        )
        for line in lines
    ]


def _register_one_offs(org: Organization, rows: list[DonationLine], lines: list[CleanLine]):
    for row, line in zip(rows, lines, strict=True):
        if not line.item_type.one_off:
            continue
        for _n in range(int(line.quantity)):
            item = OneOffItem(
                organization=org,
                item_type=line.item_type,
                size=line.size,
                grade=line.grade,
                description=line.description,
                location=line.location,
                line=row,
            )
            if line.photo is not None:
                item.photo.save(line.photo.name, line.photo, save=False)
            item.save()


def _record(
    *,
    org: Organization,
    site: Site,
    lines: list[CleanLine],
    actor,
    donor_kind: str,
    donor_person: Person | None,
    donor_contact: Contact | None,
    donor_name: str,
    channel: str,
    received_on: date,
    note: str,
    idempotency_key: str,
) -> DonationReceipt:
    receipt = DonationReceipt.objects.create(
        organization=org,
        number=next_number(org, "receipt"),
        site=site,
        received_on=received_on,
        currency=org.currency,
        channel=channel,
        donor_kind=donor_kind,
        donor_person=donor_person,
        donor_contact=donor_contact,
        donor_name=donor_name,
        note=note,
        idempotency_key=idempotency_key,
        created_by=actor if actor is not None and actor.pk else None,
    )
    rows = _create_lines(org, receipt, lines, 0)
    ledger.record(
        org=org,
        moves=_intake_moves(lines, receipt.reference),
        actor=actor,
        document_type="receipt",
        document_id=receipt.pk,
    )
    _register_one_offs(org, rows, lines)
    audit.log(
        org=org,
        actor=actor,
        action="receipt.recorded",
        obj=receipt,
        changes={
            "number": [None, receipt.reference],
            "site": [None, site.name],
            "channel": [None, channel],
            # Who gave is referred to by record number only: erasing a person must not
            # leave their name behind in the log.
            "donor_kind": [None, donor_kind],
            "lines": [None, _lines_summary(lines)],
        },
    )
    return receipt


def record_receipt(
    *,
    org: Organization,
    site: Site,
    lines: list[ReceiptLineIn],
    actor,
    donor_kind: str = DonationReceipt.DonorKind.ANONYMOUS,
    donor_person: Person | None = None,
    donor_contact: Contact | None = None,
    donor_name: str = "",
    channel: str = DonationReceipt.Channel.DROP_OFF,
    received_on: date | None = None,
    note: str = "",
    idempotency_key: str = "",
) -> DonationReceipt:
    """Record a donation: the receipt, its lines, the intake movements and one-off items.

    With a non-empty `idempotency_key` that an earlier receipt already carries, that receipt
    is returned unchanged (its attribute `replayed` is True) and nothing is recorded. Two
    concurrent submissions with one key: the second waits on the unique index, fails there
    inside its savepoint, and returns the first one."""
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise Invalid(
            _("The idempotency key is longer than 64 characters."), field="idempotency_key"
        )
    if key:
        existing = DonationReceipt.objects.filter(organization=org, idempotency_key=key).first()
        if existing is not None:
            existing.replayed = True
            return existing
    _check_site(org, site)
    if channel not in DonationReceipt.Channel.values:
        raise Invalid(_("Choose how the goods came in."), field="channel")
    person, contact, name = _check_donor(org, donor_kind, donor_person, donor_contact, donor_name)
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise Invalid(_("The date cannot be in the future."), field="received_on")
    clean = clean_lines(org=org, site=site, lines=lines)
    try:
        with transaction.atomic():  # a savepoint when called inside a transaction
            receipt = _record(
                org=org,
                site=site,
                lines=clean,
                actor=actor,
                donor_kind=donor_kind,
                donor_person=person,
                donor_contact=contact,
                donor_name=name,
                channel=channel,
                received_on=received_on,
                note=(note or "").strip(),
                idempotency_key=key,
            )
            if donor_kind == DonationReceipt.DonorKind.PERSON:
                ensure_donor_purpose(org)
            if thank_you_recipient(receipt) is not None:
                _mark_thanked(org, receipt, actor)
    except IntegrityError:
        existing = (
            DonationReceipt.objects.filter(organization=org, idempotency_key=key).first()
            if key
            else None
        )
        if existing is None:
            raise
        existing.replayed = True
        return existing
    receipt.replayed = False
    return receipt


@dataclass(frozen=True, kw_only=True)
class DonorIn:
    """Who gave: `kind` anonymous, person (`person_id`), contact (`contact_id`) or named
    (`name`, free text for a donor who is not registered)."""

    kind: str = DonationReceipt.DonorKind.ANONYMOUS
    person_id: int | None = None
    contact_id: int | None = None
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordReceipt:
    """A donation as the intake table and `POST /goods/receipts` send it."""

    site_id: int | None
    lines: list[ReceiptLineIn]
    donor: DonorIn = field(default_factory=DonorIn)
    channel: str = DonationReceipt.Channel.DROP_OFF
    received_on: date | None = None
    note: str = ""
    idempotency_key: str = ""


def _donor_refs(
    org: Organization, membership: Membership, donor: DonorIn
) -> tuple[Person | None, Contact | None]:
    """The registered donor a receipt refers to, as the member may see them. A chosen
    donor who is not there is refused, never recorded as anonymous: the gift would lose
    its giver without anyone noticing."""
    kinds = DonationReceipt.DonorKind
    if donor.kind == kinds.PERSON:
        person = intake_queries.donor_person(org, membership, donor.person_id)
        if person is None:
            raise NotFound(_("There is no such person."), field="donor_person_id")
        return person, None
    if donor.kind == kinds.CONTACT:
        contact = intake_queries.donor_contact(org, donor.contact_id)
        if contact is None:
            raise NotFound(_("There is no such contact."), field="donor_contact_id")
        return None, contact
    return None, None


def record_donation(*, org: Organization, membership: Membership, command: RecordReceipt):
    """Record a donation for a member: the one operation behind the intake table and the
    API. The site and donor are looked up as the member may see them."""
    site = Site.objects.filter(organization=org, pk=command.site_id).first()
    if site is None:
        raise NotFound(_("There is no such site."), field="site_id")
    person, contact = _donor_refs(org, membership, command.donor)
    return record_receipt(
        org=org,
        site=site,
        lines=command.lines,
        actor=membership.user,
        donor_kind=command.donor.kind,
        donor_person=person,
        donor_contact=contact,
        donor_name=command.donor.name if command.donor.kind == "named" else "",
        channel=command.channel,
        received_on=command.received_on,
        note=command.note,
        idempotency_key=command.idempotency_key,
    )


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


# Thank-you -----------------------------------------------------------------------------------


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
