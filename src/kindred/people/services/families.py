"""Registering a family in one go: the household, its adults and children, the lawful
basis for keeping their help records and the consents the family gave. The one operation
behind the family form and `POST /households/register` (ADR 0021).

Each member is registered by `register` (the person registration's own service), so a
member of a family is checked exactly as a person registered alone: identity number,
birth year, phone. The whole family is one transaction: a refused member leaves no
household and no other member behind. An error about a member names its row,
`members.<n>.<field>`, so the page puts it on that row and the API says which one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core.errors import DomainError, Invalid, NotFound
from kindred.core.models import Membership, Organization
from kindred.core.roles import Action, can

from .. import identity
from ..models import Consent, ConsentPurpose, Household, HouseholdMember
from ..purposes import HELP_RECORDS
from ..values import identity_message
from .consent import ensure_default_purposes, record_consent
from .persons import create_household
from .registration import RegisterPerson, register

Relation = HouseholdMember.Relation
MAX_MEMBERS = 20
ADULT_RELATIONS = frozenset({Relation.HEAD, Relation.PARTNER, Relation.OTHER_ADULT})


@dataclass(frozen=True, kw_only=True)
class FamilyMember:
    """One member: their details (`values`, see PERSON_FIELDS: given_name, family_name,
    birth_date, phone…), their relation in the household and, optionally, an identity
    number as (country, number)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    relation: str = ""
    national_id: tuple[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterFamily:
    """A household with its members. `household` holds the household's fields (label,
    street, postcode, city, country; an empty label becomes "<head's family name>"); exactly
    one member is the head. `lawful_basis` (a Consent.Basis) is recorded for every member
    for the "help records" purpose; `consent_purpose_ids` are the further purposes the
    head agreed to (recorded as consent, with the wording shown)."""

    household: Mapping[str, Any] = field(default_factory=dict)
    members: Sequence[FamilyMember] = ()
    lawful_basis: str = ""
    consent_purpose_ids: Sequence[int] = ()


def _row_field(name: str | None, number: int) -> str:
    """A member's field as the family names it: `members.<n>.<field>`."""
    if name in (None, "", "household_id"):
        return f"members.{number}"
    return f"members.{number}.{name}"


def check_members(members: Sequence[FamilyMember]) -> None:
    """The family's own rules, before anyone is registered: one to MAX_MEMBERS members,
    a given name and a known relation each, and exactly one head."""
    if not members:
        raise Invalid(_("Add at least one member of the household."), field="members")
    if len(members) > MAX_MEMBERS:
        raise Invalid(
            _("A household can have at most %(max)s members.") % {"max": MAX_MEMBERS},
            field="members",
        )
    for number, member in enumerate(members):
        if not str(member.values.get("given_name") or "").strip():
            raise Invalid(_("Enter the given name."), field=f"members.{number}.given_name")
        if member.relation not in Relation.values:
            raise Invalid(_("Choose a valid relation."), field=f"members.{number}.relation")
        try:
            check_national_id(member.national_id)
        except Invalid as error:
            error.field = _row_field(error.field, number)
            raise
    heads = [n for n, m in enumerate(members) if m.relation == Relation.HEAD]
    if len(heads) != 1:
        at = heads[1] if len(heads) > 1 else 0
        raise Invalid(
            _("Exactly one member must be the head of the household."),
            field=f"members.{at}.relation",
        )


def check_national_id(national_id: tuple[str, str] | None) -> None:
    """The identity number's form and check digits for its country (whether it is already
    registered is `register`'s question): a typo is refused before anything is written."""
    if national_id is None or not national_id[1].strip():
        return
    try:
        identity.normalise(*national_id)
    except identity.IdentityError as error:
        raise Invalid(identity_message(error.reason), field="national_id") from error


def check_basis(basis: str) -> None:
    if basis not in Consent.Basis.values:
        raise Invalid(
            _("Choose the lawful basis for keeping the family's help records."),
            field="lawful_basis",
        )


def _purposes(org: Organization, ids: Sequence[int]) -> tuple[ConsentPurpose, list]:
    by_key: dict[str, ConsentPurpose] = {}
    by_id: dict[int, ConsentPurpose] = {}
    for purpose in ensure_default_purposes(org):
        by_key[purpose.key] = purpose
        by_id[purpose.pk] = purpose
    help_records = by_key.get(HELP_RECORDS)
    if help_records is None or help_records.archived:
        # Without it nothing says on what basis the family's records are kept.
        raise Invalid(
            _("The purpose “Help records” is archived: restore it under Consent purposes."),
            field="lawful_basis",
        )
    chosen = []
    for pk in dict.fromkeys(ids):
        purpose = by_id.get(pk)
        if purpose is None or purpose.archived:
            raise NotFound(_("There is no such purpose."), field="consent_purpose_ids")
        if purpose.pk != help_records.pk:
            chosen.append(purpose)
    return help_records, chosen


def _label(command: RegisterFamily) -> str:
    label = str(command.household.get("label") or "").strip()
    if label:
        return label[:200]
    head = next(m for m in command.members if m.relation == Relation.HEAD)
    names = (str(head.values.get(f) or "").strip() for f in ("family_name", "given_name"))
    return next((n for n in names if n), "")[:200]


@transaction.atomic
def register_family(
    *, org: Organization, membership: Membership, command: RegisterFamily
) -> Household:
    """Register the household, every member into it (through `register`), the lawful
    basis for every member and the head's consents: all or nothing."""
    if not can(membership.role, Action.MANAGE_CONSENT):
        raise PermissionDenied(_("Your role may not record consents."))
    check_members(command.members)
    check_basis(command.lawful_basis)
    help_records, consents = _purposes(org, command.consent_purpose_ids)
    household = create_household(
        org=org,
        values={**command.household, "label": _label(command)},
        actor=membership.user,
    )
    for number, member in enumerate(command.members):
        try:
            person = register(
                org=org,
                membership=membership,
                command=RegisterPerson(
                    values=member.values,
                    national_id=member.national_id,
                    household_id=household.pk,
                    relation=member.relation,
                ),
            )
        except DomainError as error:
            error.field = _row_field(error.field, number)  # which member it is about
            raise
        record_consent(
            org=org,
            person=person,
            purpose=help_records,
            basis=command.lawful_basis,
            actor=membership.user,
        )
        if member.relation == Relation.HEAD:
            for purpose in consents:
                record_consent(
                    org=org, person=person, purpose=purpose, basis="consent", actor=membership.user
                )
    return household
