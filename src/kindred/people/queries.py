"""Reads for persons and households."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kindred.core.models import Membership, Organization
from kindred.core.roles import OWN_RECORDS_ONLY

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


def persons(org: Organization, *, membership: Membership, search: str = "") -> QuerySet[Person]:
    qs = visible_persons(org, membership)
    if search:
        key = search_key(search)
        words = key.split()
        condition = Q()
        for word in words:
            condition &= Q(search_name__contains=word)
        qs = qs.filter(condition | Q(email__iexact=search.strip()))
    return qs.order_by("family_name", "given_name", "pk")


def current_members(household: Household) -> QuerySet[HouseholdMember]:
    return household.members.filter(left_on__isnull=True).select_related("person")


def households(org: Organization, *, membership: Membership) -> QuerySet[Household]:
    return visible_households(org, membership).annotate(
        size=Count("members", filter=Q(members__left_on__isnull=True))
    )
