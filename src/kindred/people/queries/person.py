"""Persons: what a member may see (visibility per role), the lookup by identity number, the
list (search, filters, sorting, the list page's household columns) and who opened a
person's page."""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext as _

from kindred.core.errors import Invalid, NotFound
from kindred.core.models import AuditEntry, Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY

from .. import identity
from ..models import HouseholdMember, Person
from ..values import identity_message
from .common import _with_active_basis, find_by_national_id
from .search import search_condition


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


# What the persons list's URL parameters mean (pages, exports and the export API).
LIST_SORT_PARAMS = {"name": "name", "newest": "-created"}
IN_HOUSEHOLD_PARAMS = {"yes": True, "no": False}

PERSON_SORTS = {
    "name": ("family_name", "given_name"),
    "-name": ("-family_name", "-given_name"),
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
    purpose: int | None = None,
) -> QuerySet[Person]:
    """The visible persons matching `search`; `household` narrows to its current members,
    `purpose` to those with a lawful basis in force for it (`persons_for_purpose`)."""
    qs = visible_persons(org, membership)
    similar = None
    if search.strip():
        condition, similar = search_condition(org, search)
        qs = qs.filter(condition) if similar is None else qs.filter(pk__in=similar)
    if household is not None:
        current = HouseholdMember.objects.filter(household_id=household, left_on__isnull=True)
        qs = qs.filter(pk__in=current.values("person_id"))
    if purpose is not None:
        qs = _with_active_basis(qs, purpose)
    if similar:
        # No name starts with the words: the sound-alike names, best first, flagged so
        # that the page can say so.
        rank = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(similar)))
        return qs.annotate(similar_match=Value(True), rank=rank).order_by("rank", "pk")
    return qs.order_by(*PERSON_SORTS.get(sort, PERSON_SORTS["name"]), "pk")


def person_list(
    org: Organization,
    *,
    membership: Membership,
    search: str = "",
    in_household: bool | None = None,
    sort: str = "name",
    purpose: int | None = None,
) -> QuerySet[Person]:
    """`persons()` for the list page: `in_household` keeps those with (True) or without
    (False) a current household; each row carries `current_household_id` and
    `current_household_label`, so the page costs the same few queries for any number of rows."""
    current = HouseholdMember.objects.filter(person=OuterRef("pk"), left_on__isnull=True)
    qs = persons(org, membership=membership, search=search, sort=sort, purpose=purpose)
    if in_household is not None:
        qs = qs.filter(Exists(current)) if in_household else qs.exclude(Exists(current))
    return qs.annotate(
        current_household_id=Subquery(current.values("household_id")[:1]),
        current_household_label=Subquery(current.values("household__label")[:1]),
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
