"""Duplicates: "not the same person" decisions and merging two records into one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kindred.core import audit, declarations
from kindred.core.models import Organization, User
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
)

from ..models import (
    ContactPerson,
    DuplicateDismissal,
    Household,
    HouseholdMember,
    Person,
    PersonKey,
    search_key,
)
from ..queries import find_by_national_id
from .persons import (
    PERSON_FIELDS,
    SENSITIVE,
    refresh_keys,
    register_person,
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
    """Every (model, foreign key field) that points at Person, as the apps declare them
    (`person_refs`; a system check fails on an undeclared one), except the lookup keys."""
    for ref in declarations.person_refs():
        model = apps.get_model(ref.model)
        if model is not PersonKey:
            yield model, model._meta.get_field(ref.field)


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
    # Apps above people may refuse a merge (privacy: a legal hold): the extension point
    # "people.merge_checks" (people/contrib.py); each raises a DomainError to refuse.
    for check in declarations.extensions("people.merge_checks"):
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
    if national_id and national_id[1].strip() and find_by_national_id(org, *national_id) == keep:
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
