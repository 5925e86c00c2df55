"""Consent purposes and consent / lawful-basis records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, User
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
    apply_values,
    save_archived,
    update_and_audit,
    validate_fields,
)

from ..models import (
    Consent,
    ConsentPurpose,
    Person,
    search_key,
)
from ..purposes import (
    DEFAULT_PURPOSES,
    purpose_label,
    purpose_text,
    purpose_wording,
)
from .persons import (
    refuse_if_anonymised,
)

PURPOSE_FIELDS = ("name", "description", "wording")


# Consent purposes ---------------------------------------------------------------------------


def ensure_default_purposes(org: Organization) -> list[ConsentPurpose]:
    """Every purpose of the organisation, after creating the default ones it has never had
    (once: renamed or archived defaults stay as they are). Runs when an organisation is
    created (people/contrib.py) and before a write that needs them; reads never create
    them (queries.purposes). One query when nothing is missing."""
    purposes = list(ConsentPurpose.objects.filter(organization=org))
    missing = [key for key in DEFAULT_PURPOSES if key not in {p.key for p in purposes}]
    for key in missing:
        texts = DEFAULT_PURPOSES[key]
        try:
            with transaction.atomic():  # savepoint: another request may create it first
                purpose = ConsentPurpose.objects.create(organization=org, key=key, **texts)
                audit.log(
                    org=org,
                    actor=None,
                    action="consent_purpose.created",
                    obj=purpose,
                    changes={"name": [None, purpose.name]},
                )
        except IntegrityError:
            continue
    if missing:
        purposes = list(ConsentPurpose.objects.filter(organization=org))
    return purposes


def _check_purpose_name(org: Organization, purpose: ConsentPurpose) -> None:
    name = purpose.name.casefold()
    for other in ConsentPurpose.objects.filter(organization=org).exclude(pk=purpose.pk):
        if name in {other.name.casefold(), purpose_label(other).casefold()}:
            raise Conflict(_("A purpose with this name already exists."), field="name")


def _purpose_key(org: Organization, name: str) -> str:
    base = slugify(search_key(name))[:40].strip("-") or "purpose"
    taken = set(ConsentPurpose.objects.filter(organization=org).values_list("key", flat=True))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _clean_purpose_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


@transaction.atomic
def create_purpose(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> ConsentPurpose:
    """Add a purpose the organisation processes personal data for (an organisation
    setting), with the wording shown when asking for consent."""
    ensure_default_purposes(org)  # so a new purpose never takes a default's key
    purpose = ConsentPurpose(organization=org)
    apply_values(purpose, _clean_purpose_values(values), PURPOSE_FIELDS)
    validate_fields(purpose, PURPOSE_FIELDS)
    _check_purpose_name(org, purpose)
    purpose.key = _purpose_key(org, purpose.name)
    purpose.save()
    audit.log(
        org=org,
        actor=actor,
        action="consent_purpose.created",
        obj=purpose,
        changes={f: [None, getattr(purpose, f)] for f in PURPOSE_FIELDS if getattr(purpose, f)},
    )
    return purpose


@transaction.atomic
def update_purpose(
    *,
    org: Organization,
    purpose: ConsentPurpose,
    values: Mapping[str, Any],
    actor: User | None,
) -> ConsentPurpose:
    """Rename a purpose or change its description or wording. Consents already recorded
    keep the wording they were given with (it was copied)."""
    purpose = ConsentPurpose.objects.select_for_update().get(pk=purpose.pk, organization=org)
    values = _clean_purpose_values(values)
    for field in PURPOSE_FIELDS:
        # The form shows a default purpose's texts in the reader's language. Sent back
        # unchanged, they keep the default, so it stays translated for every reader.
        if values.get(field) is not None and values[field] == purpose_text(purpose, field):
            values[field] = getattr(purpose, field)

    def check(changed: list[str]) -> None:
        if "name" in changed:
            _check_purpose_name(org, purpose)

    update_and_audit(
        purpose,
        values,
        PURPOSE_FIELDS,
        org=org,
        actor=actor,
        action="consent_purpose.updated",
        check=check,
    )
    return purpose


@transaction.atomic
def set_purpose_archived(
    *, org: Organization, purpose: ConsentPurpose, archived: bool, actor: User | None
) -> ConsentPurpose:
    """Archive a purpose (no new records for it; those recorded stay) or restore it."""
    purpose = ConsentPurpose.objects.select_for_update().get(pk=purpose.pk, organization=org)
    save_archived(purpose, archived, org=org, actor=actor, kind="consent_purpose")
    return purpose


# Consent records ----------------------------------------------------------------------------

# Earlier moments are typing mistakes (and years before 1 AD cannot be stored at all).
EARLIEST_CONSENT_YEAR = 1900


def _moment(value: datetime | None, field: str) -> datetime:
    """`value` as an aware time (naive times are read in the organisation's time zone), or
    now; never in the future."""
    now = timezone.now()
    if value is None:
        return now
    if value.year < EARLIEST_CONSENT_YEAR:
        raise Invalid(_("Enter a date after 1900."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now:
        raise Invalid(_("The time cannot be in the future."), field=field)
    return value


@transaction.atomic
def record_consent(
    *,
    org: Organization,
    person: Person,
    purpose: ConsentPurpose,
    basis: str,
    actor: User | None,
    wording: str | None = None,
    given_at: datetime | None = None,
) -> Consent:
    """Record a lawful basis for processing `person`'s data for `purpose`: when it was
    given, who recorded it and the exact wording shown — by default the purpose's wording
    at this moment, in the reader's language, copied so that later edits of the purpose do
    not rewrite history. A second active record with the same basis is refused; withdrawn
    records stay as history, so consent can be given again."""
    refuse_if_anonymised(person)
    if basis not in Consent.Basis.values:
        raise Invalid(_("Choose a lawful basis."), field="basis")
    if purpose.organization_id != org.pk:
        raise NotFound(_("There is no such purpose."), field="purpose")
    if purpose.archived:
        raise Invalid(
            _("This purpose is archived: no new records can be made for it."), field="purpose"
        )
    given_at = _moment(given_at, "given_at")
    # The person's row is the lock that serialises two recordings of the same basis, which
    # would otherwise both pass the check below.
    person = Person.objects.select_for_update().get(pk=person.pk, organization=org)
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data has been erased."))
    active = Consent.objects.filter(
        person=person, purpose=purpose, basis=basis, withdrawn_at__isnull=True
    )
    if active.exists():
        raise Conflict(
            _("This person already has an active record with this lawful basis for this purpose."),
            field="basis",
        )
    consent = Consent.objects.create(
        organization=org,
        person=person,
        purpose=purpose,
        basis=basis,
        wording=purpose_wording(purpose) if wording is None else wording.strip(),
        given_at=given_at,
        recorded_by=actor if actor is not None and actor.pk else None,
    )
    audit.log(
        org=org,
        actor=actor,
        action="consent.recorded",
        obj=consent,
        changes={
            "purpose": [None, purpose_label(purpose)],
            "basis": [None, basis],
            "given_at": [None, given_at.isoformat()],
        },
    )
    return consent


@transaction.atomic
def withdraw_consent(
    *,
    org: Organization,
    consent: Consent,
    actor: User | None,
    withdrawn_at: datetime | None = None,
) -> Consent:
    """Withdraw a record. It stays as history (when, by whom). Where it was the person's
    only basis in force for the purpose, they drop out of that purpose's lists; another
    basis still in force (e.g. legitimate interest) keeps them in."""
    consent = (
        Consent.objects.select_for_update()
        .select_related("purpose", "person")
        .get(pk=consent.pk, organization=org)
    )
    if consent.withdrawn_at is not None:
        raise Conflict(_("This record has already been withdrawn."))
    withdrawn_at = _moment(withdrawn_at, "withdrawn_at")
    if withdrawn_at < consent.given_at:
        raise Invalid(
            _("The withdrawal cannot be earlier than when it was given."), field="withdrawn_at"
        )
    consent.withdrawn_at = withdrawn_at
    consent.withdrawn_by = actor if actor is not None and actor.pk else None
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.log(
        org=org,
        actor=actor,
        action="consent.withdrawn",
        obj=consent,
        changes={"withdrawn_at": [None, withdrawn_at.isoformat()]},
    )
    return consent
