"""Reads for the eligibility rules pages and API: the rules list with its filters, the
choices of the rule form, and the overrides recorded against a household or request."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from kindred.core.models import Organization
from kindred.goods.models import Category
from kindred.goods.queries.catalogue import category_tree
from kindred.people.models import ConsentPurpose, Household

from ..models import EligibilityOverride, EligibilityRule, HelpRequest
from .rule_text import describe

SHOW = {"all": None, "active": True, "inactive": False}
SORTS = {
    "kind": ["kind", "pk"],
    "name": ["name", "pk"],
    "newest": ["-created_at", "-pk"],
}


def rules(
    org: Organization,
    *,
    active: bool | None = None,
    kind: str = "",
    search: str = "",
    sort: str = "kind",
) -> list[EligibilityRule]:
    """The organisation's rules, each with `sentence` (what it means, in the active
    language) and `override_count`; `search` matches the name or the sentence."""
    qs: QuerySet[EligibilityRule] = (
        EligibilityRule.objects.filter(organization=org)
        .select_related("category", "consent_purpose")
        .annotate(override_count=Count("overrides"))
        .order_by(*SORTS.get(sort, SORTS["kind"]))
    )
    if active is not None:
        qs = qs.filter(active=active)
    if kind in EligibilityRule.Kind.values:
        qs = qs.filter(kind=kind)
    found = list(qs)
    for rule in found:
        rule.sentence = describe(rule)
    needle = search.strip().casefold()
    if needle:
        found = [r for r in found if needle in r.name.casefold() or needle in r.sentence.casefold()]
    return found


def rule(org: Organization, rule_id: int) -> EligibilityRule | None:
    found = (
        EligibilityRule.objects.filter(organization=org, pk=rule_id)
        .select_related("category", "consent_purpose")
        .first()
    )
    if found is not None:
        found.sentence = describe(found)
    return found


def category_choices(org: Organization) -> list[tuple[int, str]]:
    """Every category in tree order, named by its path ("Clothing / Jackets"); hidden ones
    too, since a rule may still point at one."""
    return [(c.pk, " / ".join(c.path)) for c in category_tree(org)]


def category_ids(org: Organization) -> set[int]:
    return set(Category.objects.filter(organization=org).values_list("pk", flat=True))


def purposes(org: Organization) -> QuerySet[ConsentPurpose]:
    return ConsentPurpose.objects.filter(organization=org, archived=False).order_by("name", "pk")


def overrides(
    org: Organization, *, household: Household | None = None, request: HelpRequest | None = None
) -> QuerySet[EligibilityOverride]:
    """The overrides recorded for a household or a request, newest first."""
    qs = EligibilityOverride.objects.filter(organization=org).select_related("rule", "created_by")
    if household is not None:
        qs = qs.filter(household=household)
    if request is not None:
        qs = qs.filter(request=request)
    return qs
