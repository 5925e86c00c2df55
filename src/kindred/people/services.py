"""Writes for persons and households. One transaction each, audited; identity numbers are
validated per country, encrypted, blind-indexed, and revealing one is audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled
from stdnum.bg import vat as bg_vat
from stdnum.dk import cvr
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from stdnum.se import orgnr
from stdnum.util import isdigits

from kindred.core import audit
from kindred.core.models import AuditEntry, Organization, User
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
    apply_values,
    update_and_audit,
    validate_fields,
)

from . import identity, matching, names
from .keys import context as _context
from .keys import keys
from .models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    DuplicateDismissal,
    Household,
    HouseholdMember,
    Person,
    PersonKey,
    search_key,
)

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


def identity_message(reason: str) -> str:
    messages = {
        "format": _("The identity number contains characters that do not belong in it."),
        "length": _("The identity number has the wrong number of digits."),
        "checksum": _("The identity number's check digit is wrong: check for a typo."),
        "date": _("The identity number does not contain a valid birth date."),
        "country": _(
            "Identity numbers can be checked for Denmark, Sweden, Finland and Bulgaria only."
        ),
    }
    return messages[reason]


def refuse_if_anonymised(person: Person) -> None:
    """An erased person's record keeps only statistics; nothing may be added back to it."""
    if person.anonymised_at is not None:
        raise Conflict(_("This person's data was erased: the record cannot be changed."))


def normalise_phone(raw: str, country: str) -> str:
    """E.164 (+4512345678) from any common way of writing a number."""
    if not raw.strip():
        return ""
    try:
        parsed = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException as error:
        raise Invalid(_("Enter a phone number, e.g. +45 12 34 56 78."), field="phone") from error
    if not phonenumbers.is_possible_number(parsed):
        raise Invalid(_("This phone number has too few or too many digits."), field="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


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


def _set_national_id(org: Organization, person: Person, country: str, number: str) -> None:
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
    if clash.exists():
        raise Conflict(
            _("A person with this identity number is already registered."), field="national_id"
        )
    person.national_id_country = country.upper()
    person.national_id_ciphertext = identity.encrypt(current, compact, context=context)
    person.national_id_index = indexes[0]
    if not person.birth_date:
        person.birth_date = identity.birth_date(country, compact)
        if person.birth_date:
            person.birth_year = person.birth_date.year


@transaction.atomic
def create_person(
    *,
    org: Organization,
    values: Mapping[str, Any],
    actor: User | None,
    national_id: tuple[str, str] | None = None,
) -> Person:
    """Register a person. `national_id` is (country, number) and is validated per country."""
    person = Person(organization=org, created_by=actor)
    apply_values(person, _clean_person_values(org, values), PERSON_FIELDS)
    validate_fields(person, PERSON_FIELDS)
    if national_id and national_id[1].strip():
        _set_national_id(org, person, *national_id)
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
) -> Person:
    """Register a person and, optionally, make them a member of `household` at once.
    Both happen or neither: a refused membership leaves no half-registered person."""
    person = create_person(org=org, values=values, actor=actor, national_id=national_id)
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
) -> Person:
    """Change a person's details; `national_id` (country, number) replaces the number."""
    person = Person.objects.select_for_update().get(pk=person.pk, organization=org)
    refuse_if_anonymised(person)
    before = audit.snapshot(person, PERSON_FIELDS)
    changed = apply_values(person, _clean_person_values(org, values), PERSON_FIELDS)
    validate_fields(person, PERSON_FIELDS)
    identity_fields = []
    if national_id is not None and national_id[1].strip():
        _set_national_id(org, person, *national_id)
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


def match_record(person: Person) -> matching.Record:
    """The duplicate engine's view of a stored person. The identity number is compared
    through its blind index (equal numbers have equal indexes), never decrypted."""
    return matching.Record(
        id=str(person.pk or ""),
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date.isoformat()
        if person.birth_date
        else str(person.birth_year or ""),
        phone=person.phone,
        email=person.email,
        street=person.street,
        postcode=person.postcode,
        city=person.city,
        country=person.country,
        national_id=person.national_id_index,
    )


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


def _ordered(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def dismiss_duplicate(
    *, org: Organization, person: Person, other: Person, actor: User | None
) -> DuplicateDismissal:
    """Remember that two similar records are different people: the pair is not proposed
    again."""
    if person.pk == other.pk:
        raise Invalid(_("Choose two different persons."), field="other")
    a, b = _ordered(person, other)
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        organization=org, person_a=a, person_b=b, defaults={"decided_by": actor}
    )
    if not created:
        raise Conflict(_("These two persons are already marked as different people."))
    audit.log(
        org=org,
        actor=actor,
        action="person.duplicate_dismissed",
        obj=a,
        changes={"other": [None, b.pk]},
    )
    return dismissal


# Checks that may refuse a merge, registered by apps above people (privacy: legal holds):
# each is called as check(keep, other) and raises a DomainError to refuse.
MERGE_CHECKS: list = []


# What a merge takes from the record that goes: the kept record's own values win; an
# empty field is filled from the other; `choices` picks the other's value field by field.
MERGE_FIELDS = tuple(f for f in PERSON_FIELDS if f not in ("birth_year",))


def merge_conflicts(keep: Person, other: Person) -> list[str]:
    """The fields where both records have a value and the values differ."""
    return [
        f
        for f in MERGE_FIELDS
        if getattr(keep, f) not in ("", None, [])
        and getattr(other, f) not in ("", None, [])
        and getattr(keep, f) != getattr(other, f)
    ]


def _person_references():
    """Every (model, foreign key field) that points at Person, except the lookup keys."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model is Person
                and model is not PersonKey
            ):
                yield model, field


@transaction.atomic
def merge_persons(
    *,
    org: Organization,
    keep: Person,
    other: Person,
    actor: User | None,
    take_from_other: tuple[str, ...] = (),
) -> Person:
    """Merge `other` into `keep`: every record that refers to `other` (households,
    consents, contact roles, and whatever later issues add) moves to `keep`, empty fields
    of `keep` are filled, the fields named in `take_from_other` take `other`'s value, and
    `other` is deleted. One transaction, one audit entry. Two records with different
    identity numbers are never merged."""
    if keep.pk == other.pk:
        raise Invalid(_("Choose two different persons."), field="other")
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(organization=org, pk__in=[keep.pk, other.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("This person no longer exists."))
    keep, other = locked[keep.pk], locked[other.pk]
    if keep.anonymised_at or other.anonymised_at:
        raise Conflict(_("An anonymised person cannot be merged."))
    for check in MERGE_CHECKS:
        check(keep, other)
    unknown = set(take_from_other) - set(MERGE_FIELDS)
    if unknown:
        raise Invalid(_("Choose which record's value to keep."), field=sorted(unknown)[0])
    if (
        keep.national_id_ciphertext
        and other.national_id_ciphertext
        and keep.national_id_index != other.national_id_index
    ):
        raise Conflict(
            _("These two records have different identity numbers: they are not one person."),
            field="other",
        )
    before = audit.snapshot(keep, PERSON_FIELDS)
    changed: list[str] = []
    for f in MERGE_FIELDS:
        mine, theirs = getattr(keep, f), getattr(other, f)
        if theirs in ("", None, []):
            continue
        if mine in ("", None, []) or f in take_from_other:
            if f == "languages":
                theirs = list(dict.fromkeys([*mine, *theirs]))
            if mine != theirs:
                setattr(keep, f, theirs)
                changed.append(f)
    if keep.birth_date:
        keep.birth_year = keep.birth_date.year
    elif keep.birth_year is None and other.birth_year:
        keep.birth_year = other.birth_year
    identity_fields = []
    if other.national_id_ciphertext and not keep.national_id_ciphertext:
        keep.national_id_country = other.national_id_country
        keep.national_id_ciphertext = other.national_id_ciphertext
        keep.national_id_index = other.national_id_index
        identity_fields = ["national_id_country", "national_id_ciphertext", "national_id_index"]
        other.national_id_index = ""  # free the unique lookup before `other` goes
        other.save(update_fields=["national_id_index"])
    moved = _move_references(org, keep, other)
    keep.search_name = search_key(keep.given_name, keep.preferred_name, keep.family_name)
    keep.save(
        update_fields=sorted(
            {*changed, *identity_fields, "birth_year", "search_name", "updated_at"}
        )
    )
    other_id, other_name = other.pk, other.full_name
    other.delete()
    refresh_keys(keep)
    changes = audit.diff(keep, before, changed)
    changes["merged"] = [f"#{other_id} {other_name}", f"#{keep.pk}"]
    if identity_fields:
        changes["national_id"] = ["", ""]
    if moved:
        changes["moved"] = [None, moved]
    audit.log(
        org=org,
        actor=actor,
        action="person.merged",
        obj=keep,
        changes=changes,
        sensitive=SENSITIVE,
    )
    return keep


@transaction.atomic
def register_person_into(
    *,
    org: Organization,
    keep: Person,
    values: Mapping[str, Any],
    actor: User | None,
    national_id: tuple[str, str] | None = None,
    household: Household | None = None,
    relation: str = "",
) -> Person:
    """The registration form's "merge" answer to a duplicate warning: what was typed is
    merged into the existing record `keep` (its empty fields are filled; a chosen household
    is joined) instead of creating a second record."""
    if national_id and national_id[1].strip():
        from .queries import find_by_national_id

        if find_by_national_id(org, *national_id) == keep:
            national_id = None  # the same number: already recorded
    new = register_person(
        org=org,
        values=values,
        actor=actor,
        national_id=national_id,
        household=household,
        relation=relation,
    )
    return merge_persons(org=org, keep=keep, other=new, actor=actor)


def _move_references(org: Organization, keep: Person, other: Person) -> int:
    """Point every row that refers to `other` at `keep`, resolving what would clash."""
    today = timezone.localdate()
    moved = 0
    # One current household: if both have one, `other` leaves theirs today (history kept).
    mine = HouseholdMember.objects.filter(person=keep, left_on__isnull=True).first()
    theirs = HouseholdMember.objects.filter(person=other, left_on__isnull=True).first()
    if mine is not None and theirs is not None:
        theirs.left_on = max(today, theirs.joined_on)
        theirs.save(update_fields=["left_on"])
    # One role per contact: `keep`'s stays.
    ContactPerson.objects.filter(
        person=other,
        contact__in=ContactPerson.objects.filter(person=keep).values("contact"),
    ).delete()
    # A dismissal between the two is moot; others are re-paired with `keep`.
    for dismissal in DuplicateDismissal.objects.filter(Q(person_a=other) | Q(person_b=other)):
        partner_id = (
            dismissal.person_b_id if dismissal.person_a_id == other.pk else dismissal.person_a_id
        )
        dismissal.delete()
        if partner_id != keep.pk:
            a, b = sorted([keep.pk, partner_id])
            DuplicateDismissal.objects.get_or_create(
                organization=org,
                person_a_id=a,
                person_b_id=b,
                defaults={"decided_by_id": dismissal.decided_by_id},
            )
    for model, field in _person_references():
        if model is DuplicateDismissal:
            continue
        manager = getattr(model, "_base_manager", model.objects)
        moved += manager.filter(**{field.name: other}).update(**{field.name: keep})
    return moved


# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------
# Companies and organisations with their contact persons; the lawful basis per person and
# purpose. Everything below is this section's; the rest of the module is untouched by it.

CONTACT_FIELDS = (
    "kind",
    "name",
    "registration_country",
    "registration_number",
    "email",
    "phone",
    "website",
    "street",
    "postcode",
    "city",
    "country",
    "notes",
)
CONTACT_PERSON_FIELDS = ("job_title", "is_primary")
PURPOSE_FIELDS = ("name", "description", "wording")
# Written to the audit log masked: free text that may speak about people.
CONTACT_SENSITIVE = ("notes",)

# EIK/BULSTAT of a branch (13 digits): the check digit over digits 9-12, as published by the
# Bulgarian Registry Agency; the second weights apply when the first sum leaves 10.
_EIK13_WEIGHTS = ((2, 7, 3, 5), (4, 9, 5, 7))


def _bg_eik(number: str) -> str:
    """Bulgarian EIK (BULSTAT): 9 digits for a legal entity (stdnum's `bg.vat` check digit)
    or 13 for a branch (the entity's 9 digits, then 3 digits and a second check digit)."""
    number = bg_vat.compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) not in (9, 13):
        raise InvalidLength()
    if number[8] != bg_vat.calc_check_digit_legal(number[:8]):
        raise InvalidChecksum()
    if len(number) == 13:
        digits = [int(d) for d in number[8:12]]
        check = 10
        for weights in _EIK13_WEIGHTS:
            check = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
            if check != 10:
                break
        if str(check % 10) != number[12]:
            raise InvalidChecksum()
    return number


# Countries whose company registration numbers python-stdnum can check. Numbers of other
# countries are stored as written (trimmed).
REGISTRATION_VALIDATORS = {
    "DK": cvr.validate,
    "SE": orgnr.validate,
    "FI": ytunnus.validate,
    "BG": _bg_eik,
}


def registration_message(reason: str, country: str) -> str:
    """A translated message about a registration number, in the style of
    `identity_message`, with the expected form for the country where it helps."""
    hints = {
        "DK": _("A Danish CVR number has 8 digits."),
        "SE": _("A Swedish organisationsnummer has 10 digits."),
        "FI": _("A Finnish Y-tunnus has 8 digits, e.g. 1234567-8."),
        "BG": _("A Bulgarian EIK (BULSTAT) has 9 or 13 digits."),
    }
    if reason == "checksum":
        return _("The registration number's check digit is wrong: check for a typo.")
    if reason == "length":
        message = _("The registration number has the wrong number of digits.")
    else:
        message = _("The registration number contains characters that do not belong in it.")
    hint = hints.get(country.upper())
    return f"{message} {hint}" if hint else message


def normalise_registration_number(country: str, number: str) -> str:
    """The compact form of a valid registration number for `country` (e.g. "13585628" for
    "DK 13 58 56 28"), or the number as written for a country stdnum does not know.
    Raises Invalid naming `registration_number`."""
    number = number.strip()
    validate = REGISTRATION_VALIDATORS.get(country.upper())
    if not number or validate is None:
        return number
    try:
        return validate(number)
    except InvalidChecksum as error:
        reason = "checksum"
        cause: Exception = error
    except InvalidLength as error:
        reason = "length"
        cause = error
    except StdnumError as error:  # format, component
        reason = "format"
        cause = error
    raise Invalid(registration_message(reason, country), field="registration_number") from cause


def _clean_contact_values(
    org: Organization, values: Mapping[str, Any], contact: Contact
) -> dict[str, Any]:
    values = dict(values)
    for field in ("name", "registration_country", "registration_number"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "registration_country" in values or "registration_number" in values:
        country = values.get("registration_country", contact.registration_country)
        number = values.get("registration_number", contact.registration_number)
        if number and not country:
            raise Invalid(
                _("Choose the country where the registration number was issued."),
                field="registration_country",
            )
        values["registration_number"] = normalise_registration_number(country, number)
    if values.get("phone") is not None:
        country = values.get("country", contact.country) or org.country
        values["phone"] = normalise_phone(values["phone"], country)
    if values.get("email"):
        values["email"] = values["email"].strip().lower()
    return values


def _registration_clash(org: Organization, contact: Contact) -> None:
    if not contact.registration_number:
        return
    clash = Contact.objects.filter(
        organization=org,
        registration_country=contact.registration_country,
        registration_number=contact.registration_number,
    )
    if contact.pk:
        clash = clash.exclude(pk=contact.pk)
    other = clash.first()
    if other is not None:
        raise Conflict(
            _("This registration number is already registered for %(name)s.")
            % {"name": other.name},
            field="registration_number",
        )


def _save_contact(contact: Contact, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            contact.save(**kwargs)
    except IntegrityError as error:  # a concurrent save of the same number won the race
        raise Conflict(
            _("A contact with this registration number is already registered."),
            field="registration_number",
        ) from error


@transaction.atomic
def create_contact(*, org: Organization, values: Mapping[str, Any], actor: User | None) -> Contact:
    """Register a company, association or public body. The registration number is checked
    and stored compact where python-stdnum knows the country (CVR, organisationsnummer,
    Y-tunnus, EIK/BULSTAT), as written elsewhere; it is unique per organisation and country."""
    contact = Contact(organization=org, created_by=actor)
    apply_values(contact, _clean_contact_values(org, values, contact), CONTACT_FIELDS)
    validate_fields(contact, CONTACT_FIELDS)
    _registration_clash(org, contact)
    contact.search_name = search_key(contact.name)
    _save_contact(contact)
    audit.log(
        org=org,
        actor=actor,
        action="contact.created",
        obj=contact,
        changes={f: [None, getattr(contact, f)] for f in CONTACT_FIELDS if getattr(contact, f)},
        sensitive=CONTACT_SENSITIVE,
    )
    return contact


@transaction.atomic
def update_contact(
    *, org: Organization, contact: Contact, values: Mapping[str, Any], actor: User | None
) -> Contact:
    """Change a contact's details; only what changed is saved and audited."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, organization=org)
    before = audit.snapshot(contact, CONTACT_FIELDS)
    changed = apply_values(contact, _clean_contact_values(org, values, contact), CONTACT_FIELDS)
    validate_fields(contact, CONTACT_FIELDS)
    if not changed:
        return contact
    if {"registration_country", "registration_number"} & set(changed):
        _registration_clash(org, contact)
    contact.search_name = search_key(contact.name)
    _save_contact(contact, update_fields=sorted({*changed, "search_name", "updated_at"}))
    audit.log(
        org=org,
        actor=actor,
        action="contact.updated",
        obj=contact,
        changes=audit.diff(contact, before, changed),
        sensitive=CONTACT_SENSITIVE,
    )
    return contact


@transaction.atomic
def set_contact_archived(
    *, org: Organization, contact: Contact, archived: bool, actor: User | None
) -> Contact:
    """Archive (hide from lists and new work, keep everything) or restore a contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, organization=org)
    if contact.archived != archived:
        contact.archived = archived
        contact.save(update_fields=["archived", "updated_at"])
        audit.log(
            org=org,
            actor=actor,
            action="contact.archived" if archived else "contact.restored",
            obj=contact,
            changes={"archived": [not archived, archived]},
        )
    return contact


def _lock_contact(org: Organization, contact: Contact) -> Contact:
    # Every change to a contact's persons locks the contact row first, so two members
    # choosing different main contacts at once cannot both win (at most one main contact).
    return Contact.objects.select_for_update().get(pk=contact.pk, organization=org)


def _clear_main_contact(
    org: Organization, contact: Contact, actor: User | None, keep: int | None = None
) -> None:
    previous = ContactPerson.objects.filter(contact=contact, is_primary=True).select_related(
        "person"
    )
    if keep is not None:
        previous = previous.exclude(pk=keep)
    for link in previous:
        link.is_primary = False
        link.save(update_fields=["is_primary"])
        audit.log(
            org=org,
            actor=actor,
            action="contact.person_updated",
            obj=link,
            changes={"is_primary": [True, False]},
        )


@transaction.atomic
def add_contact_person(
    *,
    org: Organization,
    contact: Contact,
    actor: User | None,
    person: Person | None = None,
    person_values: Mapping[str, Any] | None = None,
    job_title: str = "",
    is_primary: bool = False,
) -> ContactPerson:
    """Make a person speak for `contact`: an existing registry person (the caller checks
    that the member may see them) or a new one registered through `create_person` from
    `person_values`, so access and erasure requests cover contact persons too. A new main
    contact replaces the previous one in the same transaction."""
    if (person is None) == (person_values is None):
        raise Invalid(_("Choose an existing person or enter a new person's name."), field="person")
    contact = _lock_contact(org, contact)
    link = ContactPerson(
        organization=org,
        contact=contact,
        job_title=(job_title or "").strip(),
        is_primary=bool(is_primary),
    )
    validate_fields(link, ("job_title",))
    if person is None:
        person = create_person(org=org, values=person_values or {}, actor=actor)
    elif ContactPerson.objects.filter(contact=contact, person=person).exists():
        raise Conflict(_("This person is already a contact person here."), field="person")
    link.person = person
    if link.is_primary:
        _clear_main_contact(org, contact, actor)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as error:  # the same person added twice at once
        raise Conflict(
            _("This person is already a contact person here."), field="person"
        ) from error
    audit.log(
        org=org,
        actor=actor,
        action="contact.person_added",
        obj=link,
        changes={
            "person": [None, person.full_name],
            "job_title": [None, link.job_title],
            "is_primary": [None, link.is_primary],
        },
    )
    return link


@transaction.atomic
def update_contact_person(
    *,
    org: Organization,
    contact_person: ContactPerson,
    actor: User | None,
    job_title: str | None = None,
    is_primary: bool | None = None,
) -> ContactPerson:
    """Change a contact person's job title, or make them (or stop them being) the main
    contact. Making one the main contact clears the previous one, in this transaction."""
    contact = _lock_contact(org, contact_person.contact)
    link = ContactPerson.objects.select_related("person").get(pk=contact_person.pk, contact=contact)
    values: dict[str, Any] = {}
    if job_title is not None:
        values["job_title"] = job_title.strip()
    if is_primary is not None:
        values["is_primary"] = bool(is_primary)
    before = audit.snapshot(link, CONTACT_PERSON_FIELDS)
    changed = apply_values(link, values, CONTACT_PERSON_FIELDS)
    validate_fields(link, ("job_title",))
    if not changed:
        return link
    if "is_primary" in changed and link.is_primary:
        _clear_main_contact(org, contact, actor, keep=link.pk)
    link.save(update_fields=changed)
    audit.log(
        org=org,
        actor=actor,
        action="contact.person_updated",
        obj=link,
        changes=audit.diff(link, before, changed),
    )
    return link


@transaction.atomic
def remove_contact_person(
    *, org: Organization, contact_person: ContactPerson, actor: User | None
) -> None:
    """The person no longer speaks for the contact. The registry person stays."""
    contact = _lock_contact(org, contact_person.contact)
    link = (
        ContactPerson.objects.select_related("person")
        .filter(pk=contact_person.pk, contact=contact)
        .first()
    )
    if link is None:
        raise NotFound(_("This person is no longer a contact person here."))
    audit.log(
        org=org,
        actor=actor,
        action="contact.person_removed",
        obj=link,
        changes={"person": [link.person.full_name, None], "is_primary": [link.is_primary, None]},
    )
    link.delete()


# Consent purposes ---------------------------------------------------------------------------

# Every organisation starts with these. Their texts are stored as these English source
# strings (marked for translation), and shown translated as long as nobody changed them.
DEFAULT_PURPOSES: dict[str, dict[str, str]] = {
    "help-records": {
        "name": gettext_noop("Help records"),
        "description": gettext_noop(
            "Registering the person, their household and the help they receive. The basis "
            "is usually legitimate interest, or vital interest in an emergency."
        ),
        "wording": gettext_noop(
            "We keep a record of you, your household and the help you receive from us, so "
            "that we can help fairly and follow up. You can ask to see, correct or delete "
            "what we keep about you at any time."
        ),
    },
    "campaign-contact": {
        "name": gettext_noop("Contact about campaigns"),
        "description": gettext_noop(
            "Contacting the person about campaigns and seasonal help, such as Christmas "
            "help or summer camps."
        ),
        "wording": gettext_noop(
            "May we contact you by phone, text message or e-mail about our campaigns, such "
            "as Christmas help or summer camps? You can say no at any time."
        ),
    },
    "newsletter": {
        "name": gettext_noop("Newsletter"),
        "description": gettext_noop("Sending the organisation's newsletter by e-mail."),
        "wording": gettext_noop(
            "May we send you our newsletter by e-mail? You can unsubscribe at any time."
        ),
    },
}


def purpose_text(purpose: ConsentPurpose, field: str) -> str:
    """A purpose's name, description or wording as the reader sees it: a default
    purpose's unchanged text in the reader's language, anything else as written."""
    value = getattr(purpose, field)
    default = DEFAULT_PURPOSES.get(purpose.key)
    if default is not None and value and value == default[field]:
        return _(value)  # the msgids are marked with gettext_noop above
    return value


def purpose_label(purpose: ConsentPurpose) -> str:
    return purpose_text(purpose, "name")


def purpose_wording(purpose: ConsentPurpose) -> str:
    return purpose_text(purpose, "wording")


def ensure_default_purposes(org: Organization) -> list[ConsentPurpose]:
    """Every purpose of the organisation, after creating the default ones it has never had
    (once: renamed or archived defaults stay as they are). Called wherever purposes are
    listed; one query when nothing is missing."""
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
    if purpose.archived != archived:
        purpose.archived = archived
        purpose.save(update_fields=["archived"])
        audit.log(
            org=org,
            actor=actor,
            action="consent_purpose.archived" if archived else "consent_purpose.restored",
            obj=purpose,
            changes={"archived": [not archived, archived]},
        )
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


# Checking without saving (spreadsheet import, people/imports.py) ----------------------------


def check_person(
    *,
    org: Organization,
    values: Mapping[str, Any],
    national_id: tuple[str, str] | None = None,
) -> tuple[Person, list[Invalid | Conflict]]:
    """Every problem `create_person` would refuse these values for, without saving anything.

    The same steps as `create_person` — phone normalisation, the model's field validation,
    the identity-number checks including "already registered" — plus the birth-year range
    the database enforces, but all problems at once (each naming its field) instead of the
    first, so a spreadsheet's report can list every cell to fix. Returns the unsaved person
    as `create_person` would build it: a valid identity number fills the birth date and
    `national_id_index`, so a caller can spot the same number twice in one file."""
    from django.core.exceptions import ValidationError

    problems: list[Invalid | Conflict] = []
    try:
        cleaned = _clean_person_values(org, values)
    except Invalid as error:
        problems.append(error)
        cleaned = _clean_person_values(org, {k: v for k, v in values.items() if k != error.field})
    person = Person(organization=org)
    apply_values(person, cleaned, PERSON_FIELDS)
    exclude = [f.name for f in Person._meta.fields if f.name not in PERSON_FIELDS]
    try:
        person.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems += [
            Invalid(str(messages[0]), field=field) for field, messages in error.message_dict.items()
        ]
    if national_id and national_id[1].strip():
        try:
            _set_national_id(org, person, *national_id)
        except (Invalid, Conflict) as error:
            problems.append(error)
    year, this_year = person.birth_year, timezone.localdate().year
    birth_field = "birth_date" if person.birth_date else "birth_year"
    if (
        isinstance(year, int)
        and not EARLIEST_BIRTH_YEAR <= year <= this_year
        and not any(p.field in {"birth_date", "birth_year"} for p in problems)
    ):
        problems.append(
            Invalid(
                _("Enter a birth year between %(first)s and %(last)s.")
                % {"first": EARLIEST_BIRTH_YEAR, "last": this_year},
                field=birth_field,
            )
        )
    return person, problems


def check_household(*, org: Organization, values: Mapping[str, Any]) -> list[Invalid]:
    """Every problem `create_household` would refuse these values for, without saving."""
    from django.core.exceptions import ValidationError

    household = Household(organization=org)
    apply_values(household, values, HOUSEHOLD_FIELDS)
    exclude = [f.name for f in Household._meta.fields if f.name not in HOUSEHOLD_FIELDS]
    try:
        household.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Invalid(str(messages[0]), field=field) for field, messages in error.message_dict.items()
        ]
    return []
