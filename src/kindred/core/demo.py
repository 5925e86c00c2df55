"""The demo organisations that `kindred demo` creates or refreshes, modelled on the seeds.

Core makes the organisations, their sites and one member of every role; then each
installed app's demo builder (`demo` in its declaration, core/declarations.py) fills its part,
in INSTALLED_APPS order, once per organisation. Everything goes through services, so the
audit log is real too, and every step is safe to run again."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, F, Q, When
from django.db.models.signals import post_save
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from . import declarations, services
from .models import AuditEntry, Membership, Organization, Site, User
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
    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        with scope(organization=org), translation.override(org.default_language):
            for build in declarations.demo_builders():
                build(org)
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


def member(org: Organization, role: str) -> User:
    """The demo organisation's first member with `role` (for the apps' demo builders)."""
    membership = (
        Membership.objects.filter(organization=org, role=role).select_related("user").order_by("pk")
    ).first()
    if membership is None:
        raise LookupError(f"{org.slug} has no {role}")
    return membership.user


@functools.cache
def _stamped() -> list[tuple[type, list[str]]]:
    """(model, its date-time fields) for every model with an organisation but the audit log."""
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if model is AuditEntry or "organization" not in names:
            continue
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        if fields:
            found.append((model, fields))
    return found


@contextmanager
def dated(
    org: Organization, when: Callable[[datetime], datetime], keep: tuple[str, ...] = ()
) -> Iterator[None]:
    """Demo only: date what the block writes at `when(start)` (start: the block's real
    start), so the demo's pages show a history over weeks instead of one instant.

    The tables the block saved rows of (post_save), and ledgers written in bulk (a
    queryset with `backdate`), are found in the registry (core imports no app); one UPDATE
    each. A row made in the block (its `created_at` from the start on) moves whole, so a
    reservation still expires 14 days after it was made; an older row moves only the times
    the block wrote. Fields named in `keep` stay (a booked slot). The audit log is
    append-only and keeps the real time."""
    saved: set[type] = set()

    def note(sender, **kwargs) -> None:
        saved.add(sender)

    start = timezone.now()
    post_save.connect(note, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(note)
    until = timezone.now()
    back = max(start - when(start), timedelta(0))
    for model, fields in _stamped():
        rows = model._default_manager.filter(organization=org)
        ledger = hasattr(rows, "backdate")  # append-only: only its time may change
        if model not in saved and not ledger:
            continue
        made = Q(created_at__gte=start) if "created_at" in fields else Q(pk__in=[])
        changes, touched = {}, Q(pk__in=[])
        for name in fields:
            if name in keep or (ledger and name != "created_at"):
                continue
            # Written in the block, or a later time (an expiry) of a row made in it.
            moves = Q(**{f"{name}__gte": start}) & (Q(**{f"{name}__lte": until}) | made)
            changes[name] = Case(When(moves, then=F(name) - back), default=F(name))
            touched |= moves
        if not changes:
            continue
        rows = rows.filter(touched)
        if ledger:
            rows.backdate(changes["created_at"])
        else:
            rows.update(**changes)
