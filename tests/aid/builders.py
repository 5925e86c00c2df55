"""One-line builders for aid tests. They write rows directly (like the goods `stock()`
builder writes through the ledger) so a test of one service does not depend on another.

    household = family(org, "Petrov", adults=2, children=[2016, 2019])
    request = help_request(org, household, [("child-winter-jacket", ["110", "116"], 2, 3)])
    rule = cap(org, "toy", 1)  # at most 1 unit of the toys' category per household in 30 days
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import EligibilityRule, HelpRequest, NeedLine
from kindred.aid.services.common import number_for
from kindred.people.models import Household, HouseholdMember, Person
from tests.conftest import admin_of, item_type


def family(
    org, name: str = "Petrov", *, adults: int = 1, children: tuple[int, ...] | list[int] = ()
) -> Household:
    """A household with `adults` adults (the first is the head) and one child per birth year
    in `children` (born 1 March of that year)."""
    with scope(organization=org):
        household = Household.objects.create(organization=org, label=f"{name} household")
        today = date(2020, 1, 1)
        for number in range(adults):
            person = Person.objects.create(
                organization=org,
                given_name=["Maria", "Ivan", "Olga"][number % 3],
                family_name=name,
                birth_date=date(1985 + number, 5, 1),
                search_name=f"{name.lower()}",
            )
            HouseholdMember.objects.create(
                organization=org,
                household=household,
                person=person,
                relation="head" if number == 0 else "partner",
                joined_on=today,
            )
        for year in children:
            child = Person.objects.create(
                organization=org,
                given_name="Child",
                family_name=name,
                birth_date=date(year, 3, 1),
                search_name=f"child {name.lower()}",
            )
            HouseholdMember.objects.create(
                organization=org,
                household=household,
                person=child,
                relation="child",
                joined_on=today,
            )
    return household


def help_request(
    org,
    household: Household,
    lines: list[tuple[str, list[str], int, int]] = (),
    *,
    status: str = HelpRequest.Status.APPROVED,
    source: str = HelpRequest.Source.STAFF,
    submitted_at=None,
    created_by=None,
) -> HelpRequest:
    """A request with need lines given as (item type code, sizes, quantity, urgency)."""
    with scope(organization=org):
        applicant = HouseholdMember.objects.filter(household=household, relation="head").first()
        request = HelpRequest.objects.create(
            organization=org,
            number=number_for(org, HelpRequest),
            household=household,
            applicant=applicant.person if applicant else None,
            source=source,
            status=status,
            submitted_at=submitted_at or timezone.now(),
            created_by=created_by or admin_of(org),
        )
        for code, sizes, quantity, urgency in lines:
            NeedLine.objects.create(
                organization=org,
                request=request,
                item_type=item_type(org, code),
                sizes=list(sizes),
                quantity=quantity,
                urgency=urgency,
            )
    return request


def cap(org, code: str, max_count: int, *, period_days: int = 30) -> EligibilityRule:
    """An active category-cap rule: at most `max_count` units of the category of item type
    `code` per household in `period_days`. Asking for more breaks it whether or not the
    operation counts as a visit, so it refuses an approval and a walk-in alike."""
    kind = item_type(org, code)
    with scope(organization=org):
        return EligibilityRule.objects.create(
            organization=org,
            kind=EligibilityRule.Kind.CATEGORY_CAP,
            name=f"Cap on {kind.category.label}",
            max_count=max_count,
            period_days=period_days,
            category=kind.category,
        )
