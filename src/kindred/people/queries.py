"""Reads for persons and households."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from kindred.core.models import AuditEntry, Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY
from kindred.core.services import Invalid, NotFound

from . import identity
from .keys import context, keys
from .models import Household, HouseholdMember, Person, search_key


def find_by_national_id(org: Organization, country: str, number: str) -> Person | None:
    """Exact lookup through the blind index (under every configured key), no decryption."""
    try:
        compact = identity.normalise(country, number)
    except identity.IdentityError:
        return None
    indexes = identity.blind_indexes(keys(), country, compact, context=context(org))
    return Person.objects.filter(organization=org, national_id_index__in=indexes).first()


def lookup_visible_person(
    org: Organization, membership: Membership, country: str, number: str
) -> Person:
    """The person this member may see with this identity number.

    Raises Invalid naming `country` or `number` for a malformed number (so the caller learns
    what is wrong with it), and NotFound for an unknown one or one outside what the member
    may see — the two are indistinguishable on purpose."""
    try:
        identity.normalise(country, number)
    except identity.IdentityError as error:
        from .services import identity_message

        field = "country" if error.reason == "country" else "number"
        raise Invalid(identity_message(error.reason), field=field) from error
    person = find_by_national_id(org, country, number)
    if person is None or not visible_persons(org, membership).filter(pk=person.pk).exists():
        raise NotFound(_("No person with this identity number is registered."))
    return person


def visible_persons(org: Organization, membership: Membership) -> QuerySet[Person]:
    """The persons this member may see: a referrer only those they registered, or who
    belong to a household they registered (roles.OWN_RECORDS_ONLY)."""
    qs = Person.objects.filter(organization=org)
    if membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(
            Q(created_by=membership.user_id)
            | Q(
                households__household__created_by=membership.user_id,
                households__left_on__isnull=True,
            )
        ).distinct()
    return qs


def visible_households(org: Organization, membership: Membership) -> QuerySet[Household]:
    qs = Household.objects.filter(organization=org)
    if membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(created_by=membership.user_id)
    return qs


PERSON_SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
    "created": ("created_at",),
    "-created": ("-created_at",),
}
HOUSEHOLD_SORTS = {
    "label": ("label",),
    "-label": ("-label",),
    "created": ("created_at",),
    "-created": ("-created_at",),
}


def persons(
    org: Organization,
    *,
    membership: Membership,
    search: str = "",
    household: int | None = None,
    sort: str = "name",
) -> QuerySet[Person]:
    """The visible persons matching `search`; `household` narrows to its current members."""
    qs = visible_persons(org, membership)
    if search:
        key = search_key(search)
        words = key.split()
        condition = Q()
        for word in words:
            condition &= Q(search_name__contains=word)
        qs = qs.filter(condition | Q(email__iexact=search.strip()))
    if household is not None:
        current = HouseholdMember.objects.filter(household_id=household, left_on__isnull=True)
        qs = qs.filter(pk__in=current.values("person_id"))
    return qs.order_by(*PERSON_SORTS.get(sort, PERSON_SORTS["name"]), "pk")


def current_members(household: Household) -> QuerySet[HouseholdMember]:
    return household.members.filter(left_on__isnull=True).select_related("person")


def households(
    org: Organization, *, membership: Membership, search: str = "", sort: str = "label"
) -> QuerySet[Household]:
    """The visible households, each with `size`: its number of current members."""
    qs = visible_households(org, membership)
    if search:
        qs = qs.filter(Q(label__icontains=search) | Q(city__icontains=search))
    return qs.annotate(size=Count("members", filter=Q(members__left_on__isnull=True))).order_by(
        *HOUSEHOLD_SORTS.get(sort, HOUSEHOLD_SORTS["label"]), "pk"
    )


# Pages --------------------------------------------------------------------------------------


def person_list(
    org: Organization,
    *,
    membership: Membership,
    search: str = "",
    in_household: bool | None = None,
    sort: str = "name",
) -> QuerySet[Person]:
    """`persons()` for the list page: `in_household` keeps those with (True) or without
    (False) a current household; each row carries `current_household_id` and
    `current_household_label`, so the page costs the same few queries for any number of rows."""
    current = HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True)
    qs = persons(org, membership=membership, search=search, sort=sort)
    if in_household is not None:
        qs = qs.filter(Exists(current)) if in_household else qs.exclude(Exists(current))
    return qs.annotate(
        current_household_id=Subquery(current.values("household_id")[:1]),
        current_household_label=Subquery(current.values("household__label")[:1]),
    )


def household_history(person: Person) -> QuerySet[HouseholdMember]:
    """Every household the person has belonged to, the current one first."""
    return person.households.select_related("household").order_by(
        F("left_on").desc(nulls_first=True), "-joined_on", "-pk"
    )


def former_members(household: Household) -> QuerySet[HouseholdMember]:
    return (
        household.members.filter(left_on__isnull=False)
        .select_related("person")
        .order_by("-left_on", "-pk")
    )


ACCESS_ACTIONS = ("person.viewed", "person.identity_revealed")


def person_access_log(org: Organization, person: Person, limit: int = 50) -> list[AuditEntry]:
    """Who opened this person's page or revealed their identity number, newest first."""
    return list(
        AuditEntry.objects.filter(
            organization=org,
            object_type=Person._meta.label_lower,
            object_id=str(person.pk),
            action__in=ACCESS_ACTIONS,
        ).order_by("-created_at", "-id")[:limit]
    )
