"""`kindred demo` fills both demo organisations' aid pages with believable data, through the
services: every request status, eligibility rules, a confirmed allocation and a proposal
waiting, reservations, distribution days with a booked slot and an unused booking link,
handouts of a reservation and a walk-in. The ledger agrees with its balances."""

from __future__ import annotations

from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from kindred.aid.models import (
    AidSettings,
    AllocationRun,
    Booking,
    DistributionDay,
    EligibilityRule,
    Handout,
    HelpRequest,
    Reservation,
)
from kindred.core.models import Organization
from kindred.goods.queries.ledger import verify_balances


def test_demo_fills_the_aid_pages_of_both_organisations(db):
    call_command("demo")
    call_command("demo")  # again: nothing doubled
    with scopes_disabled():
        orgs = list(Organization.objects.order_by("slug"))
    assert [o.slug for o in orgs] == ["hjaelpesporet", "hjarta-till-hjarta"]
    for org in orgs:
        with scope(organization=org):
            statuses = set(
                HelpRequest.objects.filter(organization=org).values_list("status", flat=True)
            )
            assert statuses == set(HelpRequest.Status.values) - {HelpRequest.Status.IN_REVIEW}
            sources = set(
                HelpRequest.objects.filter(organization=org).values_list("source", flat=True)
            )
            assert sources == set(HelpRequest.Source.values)
            assert AidSettings.objects.get(organization=org).public_requests
            assert EligibilityRule.objects.filter(organization=org).count() >= 3
            runs = set(
                AllocationRun.objects.filter(organization=org).values_list("status", flat=True)
            )
            assert runs == {AllocationRun.Status.CONFIRMED, AllocationRun.Status.PROPOSED}
            assert (
                Reservation.objects.filter(
                    organization=org, status=Reservation.Status.ACTIVE
                ).count()
                == 2
            )
            assert DistributionDay.objects.filter(organization=org).count() == 2
            booked = Booking.objects.filter(organization=org, status=Booking.Status.BOOKED)
            assert booked.filter(day__isnull=False).count() == 1
            assert booked.filter(day__isnull=True).count() == 1  # a link, no time chosen yet
            kinds = set(Handout.objects.filter(organization=org).values_list("kind", flat=True))
            assert kinds == {Handout.Kind.FULL, Handout.Kind.WALK_IN}
            assert HelpRequest.objects.filter(organization=org).count() == 6
            assert verify_balances(org) == []
