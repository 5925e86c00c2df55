"""The demo organisations that `kindred demo` creates or refreshes, modelled on the seeds.

Later capabilities extend `load()` so a newcomer finds every feature filled with
believable data. Everything goes through services, so the audit log is real too."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django_scopes import scope, scopes_disabled

from . import services
from .models import Membership, Organization, Site, User
from .roles import Role

DEMO_PASSWORD = "kindred-demo"


@dataclass
class DemoOrg:
    slug: str
    name: str
    country: str
    language: str
    currency: str
    time_zone: str
    domain: str
    sites: list[dict] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # role -> full name


DEMO_ORGS = [
    DemoOrg(
        slug="hjaelpesporet",
        name="Hjælpesporet (demo)",
        country="DK",
        language="da",
        currency="DKK",
        time_zone="Europe/Copenhagen",
        domain="hjaelpesporet.example",
        sites=[
            {
                "name": "Indlevering Herning",
                "kind": Site.Kind.INTAKE_POINT,
                "street": "Fredhøjvej 11",
                "postcode": "7400",
                "city": "Herning",
                "country": "DK",
            },
            {
                "name": "Lageret Herning",
                "kind": Site.Kind.WAREHOUSE,
                "street": "Industrivej 52",
                "postcode": "7400",
                "city": "Herning",
                "country": "DK",
            },
        ],
        people={
            Role.ADMIN: "Mette Kristensen",
            Role.COORDINATOR: "Lars Nielsen",
            Role.VOLUNTEER: "Anne Sørensen",
            Role.REFERRER: "Jens Mikkelsen",
            Role.FUNDRAISER: "Karen Thomsen",
        },
    ),
    DemoOrg(
        slug="hjarta-till-hjarta",
        name="Hjärta till Hjärta (demo)",
        country="SE",
        language="sv",
        currency="SEK",
        time_zone="Europe/Stockholm",
        domain="hjartatillhjarta.example",
        sites=[
            {
                "name": "Second hand-butiken Linköping",
                "kind": Site.Kind.SHOP,
                "street": "Storgatan 30",
                "postcode": "582 23",
                "city": "Linköping",
                "country": "SE",
            },
            {
                "name": "Lagret Linköping",
                "kind": Site.Kind.WAREHOUSE,
                "street": "Roxtorpsgatan 9",
                "postcode": "586 63",
                "city": "Linköping",
                "country": "SE",
            },
        ],
        people={
            Role.ADMIN: "Eva Lindqvist",
            Role.COORDINATOR: "Johan Berg",
            Role.VOLUNTEER: "Sara Ahmadi",
            Role.REFERRER: "Maria Johansson",
            Role.FUNDRAISER: "Erik Holm",
        },
    ),
]

# Works in both organisations, to show the organisation switcher.
NETWORK_USER = ("network@kindred.example", "Nora Andersen", "en", Role.COORDINATOR)


@dataclass
class Login:
    org: str
    role: str
    email: str
    password: str


def _user(email: str, full_name: str, language: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, language=language)
    user.full_name = full_name
    user.language = language
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _ensure_member(org: Organization, user: User, role: str, actor: User) -> None:
    with scopes_disabled():
        membership = Membership.objects.filter(organization=org, user=user).first()
    if membership is None:
        services.add_member(org=org, user=user, role=role, actor=actor)
    elif membership.role != role:
        services.change_role(org=org, membership=membership, role=role, actor=actor)


@transaction.atomic
def load() -> list[Login]:
    """Create or refresh the demo organisations. Safe to run any number of times."""
    logins: list[Login] = []
    for spec in DEMO_ORGS:
        admin = _user(f"admin@{spec.domain}", spec.people[Role.ADMIN], spec.language)
        org = Organization.objects.filter(slug=spec.slug).first()
        values = {
            "name": spec.name,
            "country": spec.country,
            "default_language": spec.language,
            "currency": spec.currency,
            "time_zone": spec.time_zone,
        }
        if org is None:
            org = services.create_organization(slug=spec.slug, admin=admin, actor=admin, **values)
        else:
            org = services.update_organization(org=org, values=values, actor=admin)
        with scope(organization=org):
            for role in Role:
                user = _user(f"{role.value}@{spec.domain}", spec.people[role], spec.language)
                _ensure_member(org, user, role, admin)
                logins.append(Login(org.name, role.label, user.email, DEMO_PASSWORD))
            for site_values in spec.sites:
                site = Site.objects.filter(organization=org, name=site_values["name"]).first()
                if site is None:
                    services.create_site(org=org, values=site_values, actor=admin)
                else:
                    services.update_site(org=org, site=site, values=site_values, actor=admin)
                    services.set_site_archived(org=org, site=site, archived=False, actor=admin)
    _load_people()
    _load_contacts_and_consents()
    _load_possible_duplicates()
    _load_privacy()
    _load_goods()
    _load_aid()
    email, full_name, language, role = NETWORK_USER
    network = _user(email, full_name, language)
    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        with scope(organization=org):
            admin = User.objects.get(email=f"admin@{spec.domain}")
            _ensure_member(org, network, role, admin)
    logins.append(
        Login("Hjælpesporet + Hjärta till Hjärta", Role(role).label, email, DEMO_PASSWORD)
    )
    return logins


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


def _load_goods() -> None:
    from kindred.goods import demo as goods_demo

    goods_demo.load()


def _load_aid() -> None:
    from kindred.aid import demo as aid_demo

    aid_demo.load()


def _load_people() -> None:
    from datetime import date

    from kindred.people import services as people
    from kindred.people.models import Household, HouseholdMember, Person

    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        with scope(organization=org):
            coordinator = User.objects.get(email=f"coordinator@{spec.domain}")
            for label, street, postcode, city, members in DEMO_HOUSEHOLDS[spec.slug]:
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
                            "country": spec.country,
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
                                "country": spec.country,
                                "languages": [spec.language],
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
                            joined_on=date(2025, 1, 15),
                        )


# Records registered twice, as happens at a busy intake table: the "possible duplicates" page
# has something to show, and the registration form warns when one of them is typed again.
DEMO_DUPLICATES = {
    "hjaelpesporet": [("Mariam", "Haydari", "1991-02-17", "52 11 90 33", "Herning")],
    "hjarta-till-hjarta": [("Олена", "Коваленко", "1985-10-11", "", "Linköping")],
}


def _load_possible_duplicates() -> None:
    from datetime import date

    from kindred.people import services as people
    from kindred.people.models import Person

    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        with scope(organization=org):
            referrer = User.objects.get(email=f"referrer@{spec.domain}")
            for given, family, born, phone, city in DEMO_DUPLICATES[spec.slug]:
                if Person.objects.filter(
                    organization=org, given_name=given, family_name=family
                ).exists():
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
                        "country": spec.country,
                    },
                )


# Privacy (privacy app): each organisation's retention rule and one legal hold, so the
# privacy page and a person's privacy section have something to show.
DEMO_PRIVACY = {
    "hjaelpesporet": (
        24,
        ("Birthe", "Madsen"),
        "Dødsbo: skifteretten har bedt os gemme oplysningerne (sag 2025-114).",
    ),
    "hjarta-till-hjarta": (
        36,
        ("Jessica", "Lind"),
        "Pågående försäkringsärende: uppgifterna ska sparas tills det är avslutat.",
    ),
}


def _load_privacy() -> None:
    from kindred.people.models import Person
    from kindred.privacy import services as privacy
    from kindred.privacy.models import LegalHold

    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        months, (given, family), reason = DEMO_PRIVACY[spec.slug]
        with scope(organization=org):
            admin = User.objects.get(email=f"admin@{spec.domain}")
            privacy.set_retention_rule(org=org, months=months, enabled=True, actor=admin)
            person = Person.objects.filter(
                organization=org, given_name=given, family_name=family
            ).first()
            if person is not None and not LegalHold.objects.filter(person=person).exists():
                privacy.place_legal_hold(org=org, person=person, reason=reason, actor=admin)


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
    from kindred.core.services import DomainError
    from kindred.people.services import normalise_registration_number

    for digit in "0123456789":
        try:
            return normalise_registration_number(country, base + digit)
        except DomainError:
            continue
    raise ValueError(f"no check digit completes {base} for {country}")


def _load_contacts_and_consents() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from kindred.people import services as people
    from kindred.people.models import Consent, Contact, ContactPerson, Person

    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        zone = ZoneInfo(spec.time_zone)

        def moment(day: str, zone: ZoneInfo = zone) -> datetime:
            return datetime.fromisoformat(day).replace(hour=10, tzinfo=zone)

        with scope(organization=org), translation.override(spec.language):
            fundraiser = User.objects.get(email=f"fundraiser@{spec.domain}")
            coordinator = User.objects.get(email=f"coordinator@{spec.domain}")
            for name, kind, base, street, postcode, city, persons in DEMO_CONTACTS[spec.slug]:
                company = Contact.objects.filter(organization=org, name=name).first()
                if company is None:
                    company = people.create_contact(
                        org=org,
                        actor=fundraiser,
                        values={
                            "name": name,
                            "kind": kind,
                            "registration_country": spec.country,
                            "registration_number": _valid_registration_number(spec.country, base),
                            "street": street,
                            "postcode": postcode,
                            "city": city,
                            "country": spec.country,
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
                                "country": spec.country,
                            },
                            job_title=job_title,
                            is_primary=main,
                            actor=fundraiser,
                        )
            purposes = {p.key: p for p in people.ensure_default_purposes(org)}
            wanted = [
                (given, family, "help-records", "legitimate_interest", "2025-01-15", None)
                for *_household, members in DEMO_HOUSEHOLDS[spec.slug]
                for given, family, *_rest in members
            ] + DEMO_CONSENTS[spec.slug]
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
                        org=org,
                        consent=consent,
                        withdrawn_at=moment(withdrawn_on),
                        actor=coordinator,
                    )
