"""Recording a donation: the receipt, its lines, the intake movements, the one-off items,
the audit entry; the typed command the intake table and the API both send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Membership, Organization, Site
from kindred.core.services import Invalid, NotFound
from kindred.people.models import Contact, Person

from ... import measures
from ...models import (
    DonationLine,
    DonationReceipt,
    Movement,
    OneOffItem,
)
from ...queries import intake as intake_queries
from .. import ledger
from ..common import next_number
from .lines import CleanLine, ReceiptLineIn, clean_lines
from .thanks import _mark_thanked, ensure_donor_purpose, thank_you_recipient


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
