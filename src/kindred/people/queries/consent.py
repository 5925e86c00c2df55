"""Consent (issue 3: contacts, consent and lawful basis): the organisation's purposes, who
has a lawful basis in force for one, and a person's records in force and withdrawn."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from kindred.core.models import Membership, Organization

from ..models import Consent, ConsentPurpose, Person
from ..purposes import purpose_label, purpose_text
from .common import _with_active_basis
from .person import visible_persons


def purposes(org: Organization, *, archived: bool | None = False) -> list[ConsentPurpose]:
    """The organisation's purposes (the defaults are made with the organisation), each with `label`
    and `current_wording` in the reader's language, sorted by label."""
    found = []
    for purpose in ConsentPurpose.objects.filter(organization=org).order_by("pk"):
        if archived is None or purpose.archived == archived:
            purpose.label = purpose_label(purpose)
            purpose.current_wording = purpose_text(purpose, "wording")
            purpose.current_description = purpose_text(purpose, "description")
            found.append(purpose)
    return sorted(found, key=lambda p: (p.label.casefold(), p.pk))


def persons_for_purpose(
    org: Organization, purpose: ConsentPurpose | int, membership: Membership
) -> QuerySet[Person]:
    """The visible persons with at least one lawful basis in force for `purpose`. Withdrawing
    a person's only consent drops them out; another basis still in force (e.g. legitimate
    interest) keeps them in."""
    return _with_active_basis(visible_persons(org, membership), purpose)


def active_bases(person: Person) -> dict[int, list[str]]:
    """The lawful bases in force for the person: purpose id → bases."""
    bases: dict[int, list[str]] = {}
    rows = (
        Consent.objects.filter(person=person, withdrawn_at__isnull=True)
        .order_by("purpose_id", "basis")
        .values_list("purpose_id", "basis")
    )
    for purpose_id, basis in rows:
        bases.setdefault(purpose_id, []).append(basis)
    return bases


def person_consents(person: Person) -> QuerySet[Consent]:
    """Every record of the person, in force and withdrawn, newest first."""
    return (
        Consent.objects.filter(person=person)
        .select_related("purpose", "recorded_by", "withdrawn_by")
        .order_by("-given_at", "-pk")
    )


@dataclass
class PurposeConsents:
    purpose: ConsentPurpose
    active: list[Consent]


@dataclass
class ConsentOverview:
    """The person page's section: per purpose the records in force, then the history."""

    rows: list[PurposeConsents]
    history: list[Consent]


def consent_overview(org: Organization, person: Person) -> ConsentOverview:
    """Every purpose in use (and archived ones the person has records for) with the
    records in force, plus the withdrawn records, newest first. Two queries."""
    records = list(person_consents(person))
    used = {c.purpose_id for c in records}
    rows = []
    for purpose in purposes(org, archived=None):
        if purpose.archived and purpose.pk not in used:
            continue
        active = [c for c in records if c.purpose_id == purpose.pk and c.withdrawn_at is None]
        rows.append(PurposeConsents(purpose, active))
    labels = {row.purpose.pk: row.purpose.label for row in rows}
    history = [c for c in records if c.withdrawn_at is not None]
    for consent in records:
        consent.purpose_label = labels.get(consent.purpose_id, consent.purpose.name)
    return ConsentOverview(rows, history)


def persons_per_purpose(org: Organization) -> dict[int, int]:
    """Purpose id → the number of persons with a lawful basis in force for it."""
    rows = (
        Consent.objects.filter(organization=org, withdrawn_at__isnull=True)
        .values("purpose_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    return {row["purpose_id"]: row["n"] for row in rows}
