"""`kindred demo` fills both demo organisations with believable data in every app, and a
second run changes nothing.

The demo is loaded twice once for this module (it is the slowest builder of the suite:
about 1.5 s a run); each test reads what it is about from the same database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
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
from kindred.core.models import AuditEntry, Membership, Organization, Site, User
from kindred.core.roles import Role
from kindred.goods.models import (
    DisposalLot,
    DonationReceipt,
    Location,
    Movement,
    OneOffItem,
    Sorting,
    StockBalance,
    StockCount,
    Threshold,
    Transfer,
)
from kindred.goods.queries import verify_balances
from kindred.people import services as people_services
from kindred.people.demo import DEMO_DUPLICATES, DEMO_HOUSEHOLDS
from kindred.people.models import (
    Consent,
    Contact,
    ContactPerson,
    Household,
    HouseholdMember,
    Person,
)
from kindred.privacy.models import LegalHold, RetentionRule
from tests.shared import shared

SLUGS = ["hjaelpesporet", "hjarta-till-hjarta"]


def row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


@dataclass(frozen=True)
class DemoRuns:
    printed: str  # what the first run printed
    after_first: dict[str, int]  # rows per table after the first run
    after_second: dict[str, int]  # … and after the second

    def __deepcopy__(self, memo) -> DemoRuns:
        return self


@shared
def demo_runs() -> DemoRuns:
    printed = io.StringIO()
    call_command("demo", stdout=printed)
    first = row_counts()
    call_command("demo", stdout=io.StringIO())
    return DemoRuns(printed.getvalue(), first, row_counts())


def test_a_second_run_adds_no_row_to_any_table(demo_runs):
    assert demo_runs.after_second == demo_runs.after_first
    assert demo_runs.after_first["goods.Movement"] > 0
    assert demo_runs.after_first["people.Consent"] > 0


def test_demo_prints_the_logins_of_both_organisations(demo_runs):
    with scopes_disabled():
        counts = (
            Organization.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
            Site.objects.count(),
        )
    assert counts[0] == 2 and counts[3] == 4
    assert "admin@hjaelpesporet.example" in demo_runs.printed
    assert "kindred-demo" in demo_runs.printed
    danish = Organization.objects.get(slug="hjaelpesporet")
    assert (danish.default_language, danish.currency) == ("da", "DKK")
    with scopes_disabled():
        kinds = set(Site.objects.filter(organization=danish).values_list("kind", "city"))
        roles = set(Membership.objects.filter(organization=danish).values_list("role", flat=True))
    assert kinds == {("intake_point", "Herning"), ("warehouse", "Herning")}
    assert roles == set(Role.values)
    swedish = Organization.objects.get(slug="hjarta-till-hjarta")
    assert (swedish.default_language, swedish.currency) == ("sv", "SEK")
    assert User.objects.get(email="admin@hjaelpesporet.example").language == "da"
    with scopes_disabled():
        # The demo households, and the one registered by the public help form (aid demo).
        assert Household.objects.filter(organization=danish).count() == 3 + 1
        hansen = Household.objects.get(organization=danish, label="Familien Hansen")
        assert HouseholdMember.objects.filter(household=hansen, left_on=None).count() == 4
        camilla = Person.objects.get(organization=danish, given_name="Camilla")
        assert camilla.phone == "+4521436587"  # stored as E.164
        # Each demo organisation has its household members, one record registered twice
        # (for the possible-duplicates page), its companies' contact persons and the
        # applicant who used the public help form.
        for org in (danish, swedish):
            members = sum(len(h[4]) for h in DEMO_HOUSEHOLDS[org.slug])
            contacts = ContactPerson.objects.filter(organization=org).count()
            assert contacts >= 2
            assert Person.objects.filter(organization=org).count() == (
                members + len(DEMO_DUPLICATES[org.slug]) + contacts + 1
            )
            assert HouseholdMember.objects.filter(organization=org).count() == members + 1


def test_the_demo_persons_have_lawful_bases_and_some_withdrawn_newsletter_consents(demo_runs):
    with scopes_disabled():
        withdrawn = Consent.objects.filter(withdrawn_at__isnull=False)
        assert withdrawn.exists() and all(c.purpose.key == "newsletter" for c in withdrawn)
        in_households = Person.objects.filter(households__isnull=False)
        assert in_households.exists()
        assert not in_households.exclude(consents__purpose__key="help-records").exists()


def test_the_demo_has_local_companies_with_valid_numbers_and_contact_persons(demo_runs):
    with scopes_disabled():
        for slug, country in (("hjaelpesporet", "DK"), ("hjarta-till-hjarta", "SE")):
            org = Organization.objects.get(slug=slug)
            contacts = list(Contact.objects.filter(organization=org))
            assert len(contacts) >= 3
            numbered = [c for c in contacts if c.registration_country == country]
            assert numbered
            for c in numbered:
                assert people_services.normalise_registration_number(country, c.registration_number)
            assert ContactPerson.objects.filter(organization=org, is_primary=True).exists()


def test_demo_goods_in_both_organisations_balance(demo_runs):
    with scopes_disabled():
        for slug in SLUGS:
            org = Organization.objects.get(slug=slug)
            mine = {"organization": org}
            assert Location.objects.filter(**mine).count() >= 8
            assert DonationReceipt.objects.filter(**mine).count() >= 9
            assert DonationReceipt.objects.filter(**mine, donor_contact__isnull=False).exists()
            assert OneOffItem.objects.filter(**mine).exists()  # furniture
            assert Sorting.objects.filter(**mine).count() == 2
            assert Transfer.objects.filter(**mine).exists()
            assert StockCount.objects.filter(**mine, status="approved").exists()
            assert StockCount.objects.filter(**mine, status="open").exists()
            assert DisposalLot.objects.filter(**mine, kind="export").exists()
            assert Threshold.objects.filter(**mine).count() >= 10
            assert org.goods_settings.public_needs
            assert StockBalance.objects.filter(**mine, quantity__gt=0).count() >= 15
            assert verify_balances(org) == []
            # History spreads over weeks, so "stock at a date" shows a difference.
            times = Movement.objects.filter(**mine).values_list("created_at", flat=True)
            assert (max(times) - min(times)).days >= 40


def test_demo_fills_the_aid_pages_of_both_organisations(demo_runs):
    with scopes_disabled():
        orgs = list(Organization.objects.order_by("slug"))
    assert [o.slug for o in orgs] == SLUGS
    for org in orgs:
        with scope(organization=org):
            mine = HelpRequest.objects.filter(organization=org)
            statuses = set(mine.values_list("status", flat=True))
            assert statuses == set(HelpRequest.Status.values) - {HelpRequest.Status.IN_REVIEW}
            assert set(mine.values_list("source", flat=True)) == set(HelpRequest.Source.values)
            assert AidSettings.objects.get(organization=org).public_requests
            assert EligibilityRule.objects.filter(organization=org).count() >= 3
            runs = set(
                AllocationRun.objects.filter(organization=org).values_list("status", flat=True)
            )
            assert runs == {AllocationRun.Status.CONFIRMED, AllocationRun.Status.PROPOSED}
            active = Reservation.objects.filter(organization=org, status=Reservation.Status.ACTIVE)
            assert active.count() == 2
            assert DistributionDay.objects.filter(organization=org).count() == 2
            booked = Booking.objects.filter(organization=org, status=Booking.Status.BOOKED)
            assert booked.filter(day__isnull=False).count() == 1
            assert booked.filter(day__isnull=True).count() == 1  # a link, no time chosen yet
            kinds = set(Handout.objects.filter(organization=org).values_list("kind", flat=True))
            assert kinds == {Handout.Kind.FULL, Handout.Kind.WALK_IN}
            assert mine.count() == 6
            assert verify_balances(org) == []


def test_demo_has_a_rule_and_a_hold_in_each_organisation_once(demo_runs):
    with scopes_disabled():
        rules = dict(RetentionRule.objects.values_list("organization__slug", "months"))
        holds = list(
            LegalHold.objects.filter(lifted_at__isnull=True).values_list(
                "organization__slug", "person__given_name"
            )
        )
        placed = AuditEntry.objects.filter(action="legal_hold.placed").count()
    assert rules == {"hjaelpesporet": 24, "hjarta-till-hjarta": 36}
    assert sorted(holds) == [("hjaelpesporet", "Birthe"), ("hjarta-till-hjarta", "Jessica")]
    assert placed == 2


def test_demo_history_spreads_over_weeks_and_the_help_form_names_the_pickup(demo_runs):
    """Issue 14 item 12: the demo's times were all the moment it was loaded, and the Danish
    help form said to collect at "Fabriksvej" while the store is on Industrivej."""
    with scopes_disabled():
        for slug in SLUGS:
            org = Organization.objects.get(slug=slug)
            mine = {"organization": org}
            asked = list(HelpRequest.objects.filter(**mine).values_list("submitted_at", flat=True))
            assert (max(asked) - min(asked)).days >= 28
            assert len({moment.date() for moment in asked}) >= 5
            for request in HelpRequest.objects.filter(**mine, decided_at__isnull=False):
                assert request.decided_at > request.submitted_at
            for reservation in Reservation.objects.filter(**mine):
                assert reservation.expires_at - reservation.created_at == timedelta(days=14)
                assert reservation.created_at > reservation.request.decided_at
            handed = Handout.objects.filter(**mine, reservation__isnull=False)
            for handout in handed:
                assert handout.created_at >= handout.reservation.created_at
            registered = set(Household.objects.filter(**mine).values_list("created_at", flat=True))
            assert len({moment.date() for moment in registered}) >= 3
            days = DistributionDay.objects.filter(**mine).values_list("date", flat=True)
            assert min(days) > timezone.localdate()  # the days are still ahead
            # The public form tells where the goods are collected: the days' site.
            store = DistributionDay.objects.filter(**mine).first().site
            intro = AidSettings.objects.get(**mine).public_intro
            assert store.street in intro and store.city in intro
            # The stock at every past date stays explainable: never below zero anywhere.
            on_hand: dict[tuple, int] = {}
            for m in Movement.objects.filter(**mine).order_by("created_at", "pk"):
                if m.kind in (Movement.Kind.RESERVE, Movement.Kind.RELEASE):
                    continue
                for location, sign in ((m.from_location_id, -1), (m.to_location_id, 1)):
                    if location is not None:
                        key = (location, m.item_type_id, m.size, m.grade)
                        on_hand[key] = on_hand.get(key, 0) + sign * m.quantity
                        assert on_hand[key] >= 0, (m.kind, m.created_at, key)
