"""The privacy app's demo data: each organisation's retention rule and one legal hold, so
the privacy page and a person's privacy section have something to show. Called by
`kindred demo` once per demo organisation (core/declarations.py); safe to run again."""

from __future__ import annotations

from kindred.core.demo import member
from kindred.core.models import Organization
from kindred.core.roles import Role
from kindred.people.models import Person

from . import services
from .models import LegalHold

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


def build(org: Organization) -> None:
    if org.slug not in DEMO_PRIVACY:
        return
    months, (given, family), reason = DEMO_PRIVACY[org.slug]
    admin = member(org, Role.ADMIN)
    services.set_retention_rule(org=org, months=months, enabled=True, actor=admin)
    person = Person.objects.filter(organization=org, given_name=given, family_name=family).first()
    if person is not None and not LegalHold.objects.filter(person=person).exists():
        services.place_legal_hold(org=org, person=person, reason=reason, actor=admin)
