"""Households: what a member may see, the list with each household's size, current and
former members, and a person's households over time."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from kindred.core.models import Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY

from ..models import Household, HouseholdMember, Person


def visible_households(org: Organization, membership: Membership) -> QuerySet[Household]:
    qs = Household.objects.filter(organization=org)
    if membership.role in OWN_RECORDS_ONLY:
        qs = qs.filter(created_by=membership.user_id)
    return qs


HOUSEHOLD_SORTS = {
    "label": ("label",),
    "-label": ("-label",),
    "created": ("created_at",),
    "-created": ("-created_at",),
}


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
