"""Builders for the privacy tests: a person with something in every table that refers to
a person, and a little time travel for retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import HelpRequest
from kindred.core.models import Organization, Site, User
from kindred.goods.models import DonationReceipt
from kindred.people import services as people
from kindred.people.models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    DuplicateDismissal,
    Household,
    Person,
)
from kindred.privacy import services as privacy

CPR = "211062-5629"
PHONE_AS_ENTERED = "21 43 65 87"
PHONE_E164 = "+4521436587"
EMAIL = "anna.sofie@example.org"
GIVEN, FAMILY = "Annasofie", "Jørgensen"


@dataclass
class Subject:
    person: Person
    partner: Person
    household: Household
    consent: Consent
    contact_person: ContactPerson
    dismissal: DuplicateDismissal


def build_subject(org: Organization, actor: User) -> Subject:
    """A person whose data is everywhere it can be today: her record (identity number,
    phone, e-mail, notes), a household shared with a partner, a consent, a contact role,
    a duplicate dismissal, a donation receipt, a help request, a lifted legal hold, and audit
    entries about all of them."""
    with scope(organization=org):
        person = people.create_person(
            org=org,
            values={
                "given_name": GIVEN,
                "family_name": FAMILY,
                "preferred_name": "Sofie",
                "birth_date": date(1962, 10, 21),
                "gender": "female",
                "phone": PHONE_AS_ENTERED,
                "email": EMAIL,
                "street": "Gullestrupvej 8",
                "postcode": "7400",
                "city": "Herning",
                "country": "DK",
                "languages": ["da", "uk"],
                "notes": f"Called from {PHONE_AS_ENTERED}; prefers e-mail ({EMAIL}).",
            },
            national_id=("DK", CPR),
            actor=actor,
        )
        people.update_person(org=org, person=person, values={"city": "Ikast"}, actor=actor)
        partner = people.create_person(
            org=org, values={"given_name": "Bo", "family_name": "Lund"}, actor=actor
        )
        household = people.create_household(
            org=org, values={"label": "Flat 3B", "postcode": "7400"}, actor=actor
        )
        people.add_to_household(
            org=org, household=household, person=person, relation="head", actor=actor
        )
        people.add_to_household(
            org=org, household=household, person=partner, relation="partner", actor=actor
        )
        purpose = ConsentPurpose.objects.create(
            organization=org, key="help", name="Help records", wording="We keep records."
        )
        consent = Consent.objects.create(
            organization=org,
            person=person,
            purpose=purpose,
            basis=Consent.Basis.CONSENT,
            wording=f"I, {GIVEN} {FAMILY}, agree that Home Charity keeps my records.",
            given_at=timezone.now(),
            recorded_by=actor,
        )
        contact = Contact.objects.create(organization=org, name="Herning Bakery")
        contact_person = ContactPerson.objects.create(
            organization=org, contact=contact, person=person, job_title=f"Deputy of {FAMILY}"
        )
        # A donation she gave: the receipt refers to her, it does not copy her name.
        donation_site = Site.objects.create(organization=org, name="Intake", kind="warehouse")
        DonationReceipt.objects.create(
            organization=org,
            number=1,
            site=donation_site,
            received_on=date(2025, 3, 1),
            donor_kind=DonationReceipt.DonorKind.PERSON,
            donor_person=person,
            note="Two bags of children's clothes",
        )
        # A help request she made for her household (aid): it refers to her as applicant.
        HelpRequest.objects.create(
            organization=org,
            number=1,
            household=household,
            applicant=person,
            source=HelpRequest.Source.STAFF,
            note=f"{GIVEN} asked for winter clothes.",
            created_by=actor,
        )
        a, b = sorted([person, partner], key=lambda p: p.pk)
        dismissal = DuplicateDismissal.objects.create(
            organization=org, person_a=a, person_b=b, decided_by=actor
        )
        hold = privacy.place_legal_hold(
            org=org,
            person=person,
            reason=f"Police asked about {GIVEN} {FAMILY} ({PHONE_E164}, {CPR}).",
            actor=actor,
        )
        privacy.lift_legal_hold(org=org, hold=hold, actor=actor)
        people.record_view(org=org, person=person, actor=actor)
    return Subject(person, partner, household, consent, contact_person, dismissal)


@pytest.fixture
def subject(org, admin) -> Subject:
    return build_subject(org, admin)


def aware(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def privacy_snapshot(org: Organization) -> dict:
    """tests.conftest.snapshot plus the privacy tables, for "nothing changed" assertions."""
    from django_scopes import scopes_disabled

    from kindred.privacy.models import LegalHold, PurgeRun, RetentionRule
    from tests.conftest import snapshot

    data = snapshot(org)
    with scopes_disabled():
        for model in (LegalHold, RetentionRule, PurgeRun):
            data[model._meta.label] = list(
                model.objects.filter(organization=org).order_by("pk").values()
            )
    return data
