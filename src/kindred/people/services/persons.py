"""Writes for persons and households, and their lookup keys. One transaction each,
audited; identity numbers are validated per country, encrypted, blind-indexed, and revealing
one is audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kindred.core import audit
from kindred.core.models import AuditEntry, Membership, Organization, User
from kindred.core.roles import OWN_RECORDS_ONLY
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
    apply_values,
    validate_fields,
)

from .. import identity, matching, names
from ..keys import context as _context
from ..keys import keys
from ..models import (
    Household,
    HouseholdMember,
    Person,
    PersonKey,
    search_key,
)
from ..queries.person import visible_persons
from ..values import identity_message, match_record, normalise_phone

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "birth_year",
    "gender",
    "phone",
    "email",
    "street",
    "postcode",
    "city",
    "country",
    "languages",
    "notes",
)
VIEW_LOG_WINDOW = timedelta(minutes=10)
HOUSEHOLD_FIELDS = ("label", "street", "postcode", "city", "country")
# The earliest birth year the database accepts (Person's person_birth_year_plausible).
EARLIEST_BIRTH_YEAR = 1850
# Never written to the audit log in clear.
SENSITIVE = ("notes", "national_id")


def refuse_if_anonymised(person: Person) -> None:
    """An erased person's record keeps only statistics; nothing may be added back to it."""
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data was erased: the record cannot be changed."))


def _clean_person_values(org: Organization, values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "phone" in values and values["phone"] is not None:
        values["phone"] = normalise_phone(values["phone"], values.get("country") or org.country)
    if values.get("email"):
        values["email"] = values["email"].strip().lower()
    if values.get("birth_date"):
        values["birth_year"] = values["birth_date"].year
    year = values.get("birth_year")
    if year is not None and not EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year:
        field = "birth_date" if values.get("birth_date") else "birth_year"
        raise Invalid(_("Enter a birth year between 1850 and this year."), field=field)
    return values


def _set_national_id(
    org: Organization,
    person: Person,
    country: str,
    number: str,
    membership: Membership | None = None,
) -> Person | None:
    """Validate and record the number. Already registered for another person: a 409 —
    unless the member may see only their own records (a referrer) and that person is not
    one of them. Then "already registered" would tell them the number exists, which is what
    keeping the lookup from them is for (ADR 0023): the number is recorded as for any other
    person, without the blind index that makes it unique and findable, and the person it
    is registered for is returned, for the caller's audit entry that staff review."""
    try:
        compact = identity.normalise(country, number)
    except identity.IdentityError as error:
        raise Invalid(identity_message(error.reason), field="national_id") from error
    encoded = identity.birth_date(country, compact)
    if encoded is not None and encoded.year < EARLIEST_BIRTH_YEAR:
        # Valid in form (Finnish "+" and Bulgarian numbers encode the 1800s) but nobody
        # alive: a typo. The database refuses such birth years (person_birth_year_plausible).
        raise Invalid(identity_message("date"), field="national_id")
    current = keys()
    context = _context(org)
    indexes = identity.blind_indexes(current, country, compact, context=context)
    clash = Person.objects.filter(organization=org, national_id_index__in=indexes)
    if person.pk:
        clash = clash.exclude(pk=person.pk)
    other = clash.first()
    hidden = (
        other is not None
        and membership is not None
        and membership.role in OWN_RECORDS_ONLY
        and not visible_persons(org, membership).filter(pk=other.pk).exists()
    )
    if other is not None and not hidden:
        raise Conflict(
            _("A person with this identity number is already registered."), field="national_id"
        )
    person.national_id_country = country.upper()
    person.national_id_ciphertext = identity.encrypt(current, compact, context=context)
    person.national_id_index = "" if hidden else indexes[0]
    if not person.birth_date:
        person.birth_date = identity.birth_date(country, compact)
        if person.birth_date:
            person.birth_year = person.birth_date.year
    return other if hidden else None


def _log_held_number(org: Organization, person: Person, other: Person | None, actor) -> None:
    if other is not None:
        audit.log(
            org=org,
            actor=actor,
            action="person.identity_number_held",
            obj=person,
            changes={"registered_for": [None, other.pk]},
        )


@transaction.atomic
def create_person(
    *,
    org: Organization,
    values: Mapping[str, Any],
    actor: User | None,
    national_id: tuple[str, str] | None = None,
    membership: Membership | None = None,
) -> Person:
    """Register a person. `national_id` is (country, number) and is validated per country;
    `membership`, the registering member's, decides how a number already registered is
    answered (`_set_national_id`)."""
    person = Person(organization=org, created_by=actor)
    apply_values(person, _clean_person_values(org, values), PERSON_FIELDS)
    validate_fields(person, PERSON_FIELDS)
    held = None
    if national_id and national_id[1].strip():
        held = _set_national_id(org, person, *national_id, membership=membership)
    person.search_name = search_key(person.given_name, person.preferred_name, person.family_name)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as error:  # the same number registered at the same moment
        if "person_national_id_once" not in str(error) and "national_id_index" not in str(error):
            raise
        raise Conflict(
            _("A person with this identity number is already registered."), field="national_id"
        ) from error
    refresh_keys(person, new=True)
    changes = {f: [None, getattr(person, f)] for f in PERSON_FIELDS if getattr(person, f)}
    if person.has_national_id:
        changes["national_id"] = [None, "set"]
    audit.log(
        org=org,
        actor=actor,
        action="person.created",
        obj=person,
        changes=changes,
        sensitive=SENSITIVE,
    )
    _log_held_number(org, person, held, actor)
    return person


@transaction.atomic
def register_person(
    *,
    org: Organization,
    values: Mapping[str, Any],
    actor: User | None,
    national_id: tuple[str, str] | None = None,
    household: Household | None = None,
    relation: str = "",
    membership: Membership | None = None,
) -> Person:
    """Register a person and, optionally, make them a member of `household` at once.
    Both happen or neither: a refused membership leaves no half-registered person."""
    person = create_person(
        org=org, values=values, actor=actor, national_id=national_id, membership=membership
    )
    if household is not None:
        add_to_household(
            org=org, household=household, person=person, relation=relation, actor=actor
        )
    return person


@transaction.atomic
def update_person(
    *,
    org: Organization,
    person: Person,
    values: Mapping[str, Any],
    actor: User | None,
    national_id: tuple[str, str] | None = None,
    membership: Membership | None = None,
) -> Person:
    """Change a person's details; `national_id` (country, number) replaces the number
    (`membership` as for `create_person`)."""
    person = Person.objects.select_for_update().get(pk=person.pk, organization=org)
    refuse_if_anonymised(person)
    before = audit.snapshot(person, PERSON_FIELDS)
    changed = apply_values(person, _clean_person_values(org, values), PERSON_FIELDS)
    validate_fields(person, PERSON_FIELDS)
    identity_fields = []
    held = None
    if national_id is not None and national_id[1].strip():
        held = _set_national_id(org, person, *national_id, membership=membership)
        identity_fields = [
            "national_id_country",
            "national_id_ciphertext",
            "national_id_index",
            "birth_date",
            "birth_year",
        ]
    if not changed and not identity_fields:
        return person
    person.search_name = search_key(person.given_name, person.preferred_name, person.family_name)
    person.save(update_fields=sorted({*changed, *identity_fields, "search_name", "updated_at"}))
    refresh_keys(person)
    changes = audit.diff(person, before, changed)
    if identity_fields:
        changes["national_id"] = ["", ""]
    audit.log(
        org=org,
        actor=actor,
        action="person.updated",
        obj=person,
        changes=changes,
        sensitive=SENSITIVE,
    )
    _log_held_number(org, person, held, actor)
    return person


@transaction.atomic
def record_view(*, org: Organization, person: Person, actor: User) -> None:
    """Note that `actor` opened this person's page (the access log, shown to administrators).

    Written to the append-only audit log as `person.viewed`; repeated views by the same
    member within VIEW_LOG_WINDOW are one entry, so reloading a page does not flood it."""
    recent = timezone.now() - VIEW_LOG_WINDOW
    already = AuditEntry.objects.filter(
        organization=org,
        actor=actor,
        action="person.viewed",
        object_type=Person._meta.label_lower,
        object_id=str(person.pk),
        created_at__gte=recent,
    ).exists()
    if not already:
        audit.log(org=org, actor=actor, action="person.viewed", obj=person)


@transaction.atomic
def reveal_national_id(*, org: Organization, person: Person, actor: User) -> str:
    """The identity number in clear, for a role allowed to see it. Every reveal is audited."""
    if not person.has_national_id:
        raise NotFound(_("No identity number is recorded for this person."))
    compact = identity.decrypt(keys(), person.national_id_ciphertext, context=_context(org))
    audit.log(org=org, actor=actor, action="person.identity_revealed", obj=person)
    return compact


def rotate_keys(*, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt and re-index every identity number with the newest key, across all
    organisations. Afterwards older keys can be removed from KINDRED_ENCRYPTION_KEYS.
    Each batch is its own transaction, so a rotation can be interrupted and resumed."""
    current = keys()
    newest = current[0]
    rewritten = 0
    with scopes_disabled():
        while True:
            with transaction.atomic():
                batch = list(
                    Person.objects.select_for_update()
                    .exclude(national_id_ciphertext="")
                    .exclude(
                        national_id_ciphertext__startswith=f"{identity.FORMAT_VERSION}:{newest.id}:"
                    )
                    .select_related("organization")
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    return rewritten
                for person in batch:
                    context = _context(person.organization)
                    compact = identity.decrypt(
                        current, person.national_id_ciphertext, context=context
                    )
                    person.national_id_ciphertext = identity.encrypt(
                        current, compact, context=context
                    )
                    person.national_id_index = identity.blind_index(
                        newest, person.national_id_country, compact, context=context
                    )
                    person.save(update_fields=["national_id_ciphertext", "national_id_index"])
                rewritten += len(batch)
            if progress is not None:
                progress(rewritten)


# Households --------------------------------------------------------------------------------


@transaction.atomic
def create_household(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> Household:
    household = Household(organization=org, created_by=actor)
    apply_values(household, values, HOUSEHOLD_FIELDS)
    validate_fields(household, HOUSEHOLD_FIELDS)
    household.save()
    audit.log(
        org=org,
        actor=actor,
        action="household.created",
        obj=household,
        changes={
            f: [None, getattr(household, f)] for f in HOUSEHOLD_FIELDS if getattr(household, f)
        },
    )
    return household


@transaction.atomic
def add_to_household(
    *,
    org: Organization,
    household: Household,
    person: Person,
    relation: str,
    actor: User | None,
    joined_on: date | None = None,
) -> HouseholdMember:
    """Make `person` a member of `household`. A person belongs to one household at a time:
    joining a new one ends the current membership (history is kept)."""
    if relation not in HouseholdMember.Relation.values:
        raise Invalid(_("Choose a valid relation."), field="relation")
    joined_on = joined_on or timezone.localdate()
    person = Person.objects.select_for_update().get(pk=person.pk, organization=org)
    refuse_if_anonymised(person)
    current = HouseholdMember.objects.filter(person=person, left_on__isnull=True).first()
    if current is not None:
        if current.household_id == household.pk:
            raise Conflict(_("This person is already a member of this household."), field="person")
        if joined_on < current.joined_on:
            raise Invalid(
                _("The date must be on or after the day they joined their current household."),
                field="joined_on",
            )
        current.left_on = joined_on
        current.save(update_fields=["left_on"])
        audit.log(
            org=org,
            actor=actor,
            action="household.member_left",
            obj=current,
            changes={"left_on": [None, joined_on.isoformat()]},
        )
    member = HouseholdMember.objects.create(
        organization=org,
        household=household,
        person=person,
        relation=relation,
        joined_on=joined_on,
    )
    audit.log(
        org=org,
        actor=actor,
        action="household.member_added",
        obj=member,
        changes={"relation": [None, relation], "household": [None, household.label]},
    )
    return member


@transaction.atomic
def leave_household(
    *, org: Organization, member: HouseholdMember, actor: User | None, left_on: date | None = None
) -> HouseholdMember:
    member = HouseholdMember.objects.select_for_update().get(pk=member.pk, organization=org)
    if member.left_on is not None:
        raise Conflict(_("This person has already left the household."))
    left_on = left_on or timezone.localdate()
    if left_on < member.joined_on:
        raise Invalid(_("The date must be on or after the day they joined."), field="left_on")
    member.left_on = left_on
    member.save(update_fields=["left_on"])
    audit.log(
        org=org,
        actor=actor,
        action="household.member_left",
        obj=member,
        changes={"left_on": [None, left_on.isoformat()]},
    )
    return member


# Lookup keys, duplicates and merging ---------------------------------------------------------


def person_keys(person: Person) -> set[str]:
    """Name tokens and skeletons (search) and the engine's blocking keys (duplicates)."""
    if person.anonymised_at is not None:
        return set()
    keys = names.search_keys(person.search_name)
    prepared = matching.prepare(match_record(person), default_country=person.organization.country)
    keys |= {f"b:{key}"[:100] for key in matching.blocking_keys(prepared)}
    return keys


def refresh_keys(person: Person, *, new: bool = False) -> None:
    """Rewrite the person's lookup keys (called inside the services that change a person;
    `new`: just created, so there are none to delete)."""
    if not new:
        PersonKey.objects.filter(person=person).delete()
    PersonKey.objects.bulk_create(
        PersonKey(organization_id=person.organization_id, person=person, key=key)
        for key in sorted(person_keys(person))
    )
