"""The people app's demo data: households and persons, a few records registered twice,
companies and partners with their contact persons, and each person's lawful basis.

`build(org)` is called by `kindred demo` for each demo organisation (core/declarations.py); it
goes through the services, so the audit log is real too, and is safe to run again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from kindred.core.demo import dated, member
from kindred.core.models import Organization
from kindred.core.roles import Role
from kindred.core.services import DomainError

from . import services as people
from .models import Consent, Contact, ContactPerson, Household, HouseholdMember, Person
from .services import normalise_registration_number

# Households and persons (people app). Birth dates and phones are invented; no identity
# numbers, so the demo never shows a real person's number.
DEMO_HOUSEHOLDS = {
    "hjaelpesporet": [
        (
            "Familien Hansen",
            "Gullestrupvej 8",
            "7400",
            "Herning",
            [
                ("Camilla", "Hansen", "1988-04-12", "+45 21 43 65 87", "head"),
                ("Thomas", "Hansen", "1986-09-30", "", "partner"),
                ("Freja", "Hansen", "2015-06-02", "", "child"),
                ("Oliver", "Hansen", "2019-11-21", "", "child"),
            ],
        ),
        (
            "Familien Haidari",
            "Holtbjergparken 14",
            "7400",
            "Herning",
            [
                ("Mariam", "Haidari", "1991-02-17", "+45 52 11 90 33", "head"),
                ("Ali", "Haidari", "2012-08-05", "", "child"),
                ("Sara", "Haidari", "2016-03-14", "", "child"),
            ],
        ),
        (
            "Birthe Madsen",
            "Østergade 3, 1. tv.",
            "7400",
            "Herning",
            [
                ("Birthe", "Madsen", "1949-12-01", "+45 97 12 34 56", "head"),
            ],
        ),
    ],
    "hjarta-till-hjarta": [
        (
            "Familjen Lind",
            "Ryds allé 21",
            "584 35",
            "Linköping",
            [
                ("Jessica", "Lind", "1990-07-23", "070-123 45 67", "head"),
                ("Alva", "Lind", "2014-01-09", "", "child"),
                ("Melvin", "Lind", "2018-05-28", "", "child"),
            ],
        ),
        (
            "Familjen Kovalenko",
            "Skäggetorp centrum 4",
            "586 62",
            "Linköping",
            [
                ("Olena", "Kovalenko", "1985-10-11", "073-987 65 43", "head"),
                ("Andrii", "Kovalenko", "1983-03-02", "", "partner"),
                ("Sofiia", "Kovalenko", "2011-12-19", "", "child"),
            ],
        ),
    ],
}


# Records registered twice, as happens at a busy intake table: the "possible duplicates" page
# has something to show, and the registration form warns when one of them is typed again.
DEMO_DUPLICATES = {
    "hjaelpesporet": [("Mariam", "Haydari", "1991-02-17", "52 11 90 33", "Herning")],
    "hjarta-till-hjarta": [("Олена", "Коваленко", "1985-10-11", "", "Linköping")],
}


# Contacts and consent (people app): local companies and partners with contact persons, and
# the lawful basis of the demo persons (some newsletter consents withdrawn). Registration
# numbers are invented; their check digits are computed, so they pass the country's checks.
DEMO_CONTACTS = {
    "hjaelpesporet": [
        # name, kind, number without its check digit, street, postcode, city, contact persons
        (
            "Bageriet Fredhøj ApS",
            "company",
            "3358253",
            "Fredhøjvej 2",
            "7400",
            "Herning",
            [("Henrik", "Bach", "Indehaver", "+45 97 22 10 10", True)],
        ),
        (
            "SuperBrugsen Gullestrup",
            "company",
            "2202527",
            "Gullestrupvej 40",
            "7400",
            "Herning",
            [
                ("Jonas", "Vestergaard", "Butikschef", "+45 96 26 14 00", True),
                ("Mia", "Lund", "Souschef", "", False),
            ],
        ),
        (
            "Lions Club Herning",
            "association",
            "2632707",
            "",
            "7400",
            "Herning",
            [("Inge", "Lauridsen", "Formand", "+45 40 12 88 31", True)],
        ),
        (
            "Herning Kommune, Social og Sundhed",
            "public_body",
            "2918991",
            "Torvet 5",
            "7400",
            "Herning",
            [("Pia", "Kjær", "Socialrådgiver", "+45 96 28 28 28", True)],
        ),
    ],
    "hjarta-till-hjarta": [
        (
            "Linköpings Hembageri AB",
            "company",
            "556711097",
            "Ågatan 12",
            "582 22",
            "Linköping",
            [("Anders", "Nyström", "VD", "013-10 20 30", True)],
        ),
        (
            "ICA Nära Ryd",
            "company",
            "556139317",
            "Rydsvägen 102",
            "584 31",
            "Linköping",
            [("Mikael", "Sjöberg", "Butikschef", "013-17 40 00", True)],
        ),
        (
            "Rotary Linköping",
            "association",
            "802160816",
            "",
            "582 23",
            "Linköping",
            [("Birgitta", "Ek", "Ordförande", "070-555 12 34", True)],
        ),
        (
            "Linköpings kommun, Socialförvaltningen",
            "public_body",
            "212000043",
            "Drottninggatan 45",
            "582 25",
            "Linköping",
            [("Fatima", "Khalil", "Socialsekreterare", "013-20 60 00", True)],
        ),
    ],
}
# Beyond "help records" (legitimate interest, for everyone in a demo household):
# (given name, family name, purpose key, basis, given on, withdrawn on or None).
DEMO_CONSENTS = {
    "hjaelpesporet": [
        ("Camilla", "Hansen", "newsletter", "consent", "2025-01-15", "2025-06-02"),
        ("Camilla", "Hansen", "campaign-contact", "consent", "2025-01-15", None),
        ("Mariam", "Haidari", "newsletter", "consent", "2025-02-03", None),
        ("Mariam", "Haidari", "campaign-contact", "consent", "2025-02-03", None),
        ("Birthe", "Madsen", "newsletter", "consent", "2025-01-20", "2025-03-11"),
    ],
    "hjarta-till-hjarta": [
        ("Jessica", "Lind", "newsletter", "consent", "2025-01-16", None),
        ("Jessica", "Lind", "campaign-contact", "consent", "2025-01-16", None),
        ("Olena", "Kovalenko", "newsletter", "consent", "2025-01-22", "2025-04-30"),
        ("Olena", "Kovalenko", "campaign-contact", "consent", "2025-01-22", None),
    ],
}


def _valid_registration_number(country: str, base: str) -> str:
    """`base` completed with the check digit that makes it a valid number for `country`."""
    for digit in "0123456789":
        try:
            return normalise_registration_number(country, base + digit)
        except DomainError:
            continue
    raise ValueError(f"no check digit completes {base} for {country}")


def build(org: Organization) -> None:
    if org.slug not in DEMO_HOUSEHOLDS:
        return
    today = timezone.localdate()
    _households(org)
    with _on(org, today - timedelta(days=120)):
        _contacts_and_consents(org)
    with _on(org, today - timedelta(days=6)):
        _possible_duplicates(org)


def _on(org: Organization, day: date, hour: int = 10):
    """Demo only: what the block writes is dated `day` (kindred.core.demo.dated)."""
    moment = datetime.combine(day, time(hour), tzinfo=ZoneInfo(org.time_zone))
    return dated(org, lambda _start: moment)


FIRST_DAY = "2025-01-15"


def registered_on(org: Organization, members) -> date:
    """The day a demo household came: its members' first recorded consent (else the day
    the demo's records begin); their help-records basis and membership start that day."""
    names = {(given, family) for given, family, *_rest in members}
    days = [
        on for given, family, *_r, on, _w in DEMO_CONSENTS[org.slug] if (given, family) in names
    ]
    return date.fromisoformat(min(days, default=FIRST_DAY))


def _households(org: Organization) -> None:
    coordinator = member(org, Role.COORDINATOR)
    for label, street, postcode, city, members in DEMO_HOUSEHOLDS[org.slug]:
        with _on(org, registered_on(org, members)):
            _household(org, coordinator, label, street, postcode, city, members)


def _household(org: Organization, coordinator, label, street, postcode, city, members) -> None:
    household = Household.objects.filter(organization=org, label=label).first()
    if household is None:
        household = people.create_household(
            org=org,
            actor=coordinator,
            values={
                "label": label,
                "street": street,
                "postcode": postcode,
                "city": city,
                "country": org.country,
            },
        )
    for given, family, born, phone, relation in members:
        person = Person.objects.filter(
            organization=org, given_name=given, family_name=family
        ).first()
        if person is None:
            person = people.create_person(
                org=org,
                actor=coordinator,
                values={
                    "given_name": given,
                    "family_name": family,
                    "birth_date": date.fromisoformat(born),
                    "phone": phone,
                    "street": street,
                    "postcode": postcode,
                    "city": city,
                    "country": org.country,
                    "languages": [org.default_language],
                },
            )
        if not HouseholdMember.objects.filter(
            person=person, household=household, left_on__isnull=True
        ).exists():
            people.add_to_household(
                org=org,
                household=household,
                person=person,
                relation=relation,
                actor=coordinator,
                joined_on=registered_on(org, members),
            )


def _possible_duplicates(org: Organization) -> None:
    referrer = member(org, Role.REFERRER)
    for given, family, born, phone, city in DEMO_DUPLICATES[org.slug]:
        if Person.objects.filter(organization=org, given_name=given, family_name=family).exists():
            continue
        people.create_person(
            org=org,
            actor=referrer,
            values={
                "given_name": given,
                "family_name": family,
                "birth_date": date.fromisoformat(born),
                "phone": phone,
                "city": city,
                "country": org.country,
            },
        )


def _contacts_and_consents(org: Organization) -> None:
    zone = ZoneInfo(org.time_zone)

    def moment(day: str) -> datetime:
        return datetime.fromisoformat(day).replace(hour=10, tzinfo=zone)

    fundraiser = member(org, Role.FUNDRAISER)
    coordinator = member(org, Role.COORDINATOR)
    for name, kind, base, street, postcode, city, persons in DEMO_CONTACTS[org.slug]:
        company = Contact.objects.filter(organization=org, name=name).first()
        if company is None:
            company = people.create_contact(
                org=org,
                actor=fundraiser,
                values={
                    "name": name,
                    "kind": kind,
                    "registration_country": org.country,
                    "registration_number": _valid_registration_number(org.country, base),
                    "street": street,
                    "postcode": postcode,
                    "city": city,
                    "country": org.country,
                },
            )
        for given, family, job_title, phone, main in persons:
            linked = ContactPerson.objects.filter(
                contact=company, person__given_name=given, person__family_name=family
            ).exists()
            if not linked:
                people.add_contact_person(
                    org=org,
                    contact=company,
                    person_values={
                        "given_name": given,
                        "family_name": family,
                        "phone": phone,
                        "country": org.country,
                    },
                    job_title=job_title,
                    is_primary=main,
                    actor=fundraiser,
                )
    purposes = {p.key: p for p in people.ensure_default_purposes(org)}
    wanted = [
        (
            given,
            family,
            "help-records",
            "legitimate_interest",
            registered_on(org, members).isoformat(),
            None,
        )
        for *_household, members in DEMO_HOUSEHOLDS[org.slug]
        for given, family, *_rest in members
    ] + DEMO_CONSENTS[org.slug]
    for given, family, key, basis, given_on, withdrawn_on in wanted:
        person = Person.objects.filter(
            organization=org, given_name=given, family_name=family
        ).first()
        purpose = purposes.get(key)
        if person is None or purpose is None:
            continue
        if Consent.objects.filter(person=person, purpose=purpose, basis=basis).exists():
            continue  # recorded by an earlier run (withdrawn records stay withdrawn)
        consent = people.record_consent(
            org=org,
            person=person,
            purpose=purpose,
            basis=basis,
            given_at=moment(given_on),
            actor=coordinator,
        )
        if withdrawn_on:
            people.withdraw_consent(
                org=org, consent=consent, withdrawn_at=moment(withdrawn_on), actor=coordinator
            )
