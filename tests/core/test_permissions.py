"""The permission matrix: every organisation page and API endpoint, for every role, answers
exactly what `roles.PERMISSIONS` says — and the outsider (admin of another organisation)
gets 404 everywhere. A denied request changes nothing.

The expected answer is derived from `roles.can()`, so this test checks the table itself
against real pages and endpoints; the coverage tests below make a new page or endpoint fail
until it is added to the matrix with the action its decorator declares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import translation
from django_scopes import scope

from kindred.aid import urls as aid_urls
from kindred.api.api import api
from kindred.core import services, tasks
from kindred.core import urls as core_urls
from kindred.core.models import ApiToken, Invitation, Membership, Organization, Site, TaskProgress
from kindred.core.roles import ACTION_LABELS, PERMISSIONS, Action, Role, can
from kindred.goods import urls as goods_urls
from kindred.people import imports
from kindred.people import services as people_services
from kindred.people import urls as people_urls
from kindred.people.models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    Household,
    HouseholdMember,
    ImportBatch,
    Person,
)
from kindred.people.tasks import run_check
from kindred.privacy import services as privacy_services
from kindred.privacy import urls as privacy_urls
from kindred.privacy.models import LegalHold
from tests.conftest import admin_of, api_token, make_member, make_site, snapshot
from tests.core.aid_matrix import AID_API, AID_PAGES, build_aid
from tests.core.endpoint import Endpoint
from tests.core.goods_matrix import GOODS_API, GOODS_PAGES, build_goods
from tests.core.goods_matrix import base as goods_base

ROLES_MD = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
YES, NO = "\N{CHECK MARK}", "\N{EN DASH}"  # the cells of docs/roles.md
ORG_PAGE_PREFIX = "o/<slug:org_slug>/"
ORG_API_PREFIX = "/organizations/{slug}"
# API operations that are not about one organisation: they list what the caller may see.
NON_ORG_API = {("GET", "/me"), ("GET", "/organizations")}


@dataclass
class World:
    """The objects a request can point at, all owned by the home organisation."""

    org: Organization
    user: Any
    site: Site
    victim: Membership
    invitation: Invitation
    progress: TaskProgress
    finished: TaskProgress
    own_token: ApiToken
    # People records, registered by the user (a referrer sees only their own) or, for the
    # outsider, by the administrator: a person with an identity number in a household,
    # and a person in none (to be added to it).
    person: Person | None = None
    household: Household | None = None
    household_member: HouseholdMember | None = None
    joiner: Person | None = None
    # Contacts and consent: a company with one (not main) contact person, the newsletter
    # purpose, and a lawful basis in force for the person above.
    contact: Contact | None = None
    contact_person: ContactPerson | None = None
    purpose: ConsentPurpose | None = None
    consent: Consent | None = None
    # Privacy: an active legal hold on the joiner (the person above can be erased).
    legal_hold: LegalHold | None = None
    # Spreadsheet import: an upload of the owner's, checked and ready to import.
    import_batch: ImportBatch | None = None
    # Goods: locations, item types, stock and documents (tests/core/goods_matrix/).
    goods: dict = field(default_factory=dict)
    # Aid: requests, rules, runs, reservations, days, bookings (tests/core/aid_matrix/).
    aid: dict = field(default_factory=dict)


MATRIX_CPR = "211062-5629"


def build_people(world: World, owner) -> None:
    org = world.org
    with scope(organization=org):
        world.person = people_services.create_person(
            org=org,
            values={"given_name": "Anna", "family_name": "Matrix", "phone": "21436587"},
            actor=owner,
            national_id=("DK", MATRIX_CPR),
        )
        world.joiner = people_services.create_person(
            org=org, values={"given_name": "Bo", "family_name": "Matrix"}, actor=owner
        )
        world.household = people_services.create_household(
            org=org, values={"label": "Matrix"}, actor=owner
        )
        world.household_member = people_services.add_to_household(
            org=org, household=world.household, person=world.person, relation="head", actor=owner
        )


def build_contacts_and_consents(world: World, owner) -> None:
    org = world.org
    with scope(organization=org):
        world.contact = people_services.create_contact(
            org=org,
            values={
                "name": "Matrix ApS",
                "registration_country": "DK",
                "registration_number": "13585628",
            },
            actor=owner,
        )
        world.contact_person = people_services.add_contact_person(
            org=org, contact=world.contact, person=world.joiner, job_title="Owner", actor=owner
        )
        purposes = {p.key: p for p in people_services.ensure_default_purposes(org)}
        world.purpose = purposes["newsletter"]
        world.consent = people_services.record_consent(
            org=org,
            person=world.person,
            purpose=purposes["help-records"],
            basis="legitimate_interest",
            actor=owner,
        )


def build_world(
    org: Organization, user, *, goods: bool = True, aid: bool = False, endpoint=None
) -> World:
    site = make_site(org, "Lageret", city="Herning")
    victim_user = make_member(org, Role.VOLUNTEER, "victim@home.test")
    admin = admin_of(org)
    with scope(organization=org):
        victim = Membership.objects.get(user=victim_user)
        invitation = services.invite_member(
            org=org,
            email="invitee@example.test",
            role=Role.VOLUNTEER,
            actor=admin,
            accept_url_for=lambda raw: f"http://testserver/invitations/{raw}/",
        )
        # Jobs, their files and tokens are the owner's own. The outsider owns nothing here;
        # any id of the organisation's will do for them.
        owner = user if Membership.objects.filter(user=user).exists() else admin
        progress = tasks.start_job(org=org, name="Export", actor=owner)
        finished = tasks.start_job(org=org, name="Export", actor=owner)
        TaskProgress.objects.filter(pk=finished.pk).update(
            status=TaskProgress.Status.DONE, percent=100, task_id=f"matrix-{finished.pk}"
        )
        finished.refresh_from_db()
        result = tasks.result_path(finished, ".csv")
        result.parent.mkdir(parents=True, exist_ok=True)
        result.write_text("Time (UTC)\n", encoding="utf-8")
        own_token, _raw = services.create_api_token(org=org, user=owner, name="own")
    world = World(org, user, site, victim, invitation, progress, finished, own_token)
    build_people(world, owner)
    build_contacts_and_consents(world, owner)
    if not (goods or aid):  # legal holds and uploads: only people and privacy pages use them
        build_privacy(world)
        build_imports(world, owner)
    if goods:  # stock and documents cost time; only goods endpoints point at them
        build_goods(world, owner, endpoint)
    elif aid:  # aid needs only the shelf with stock, not the goods documents
        goods_base.build(world, owner)
    if aid:  # requests, reservations and bookings stand on that stock
        build_aid(world, owner, endpoint)
    return world


def build_privacy(world: World) -> None:
    org = world.org
    with scope(organization=org):
        world.legal_hold = privacy_services.place_legal_hold(
            org=org, person=world.joiner, reason="Matrix case", actor=admin_of(org)
        )


def build_imports(world: World, owner) -> None:
    org = world.org
    with scope(organization=org):
        batch = imports.upload_import(
            org=org, actor=owner, name="matrix.csv", data=b"Given name\nEva\n"
        )
        batch = imports.start_check(org=org, batch=batch, mapping=["given_name"], actor=owner)
        # The check is queued for after commit, which a test's transaction never reaches.
        run_check(batch_id=batch.pk, progress_id=batch.progress_id, language="en")
        batch.refresh_from_db()
    world.import_batch = batch


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # job result files


def _site(w: World) -> dict:
    return {"site_id": w.site.pk}


def _member(w: World) -> dict:
    return {"membership_id": w.victim.pk}


ORG_SETTINGS = {
    "name": "Renamed Charity",
    "country": "DK",
    "default_language": "en",
    "currency": "DKK",
    "time_zone": "Europe/Copenhagen",
}
NEW_SITE = {"name": "Butikken", "kind": "shop", "city": "Ikast"}


def _person(w: World) -> dict:
    return {"person_id": w.person.pk}


def _household(w: World) -> dict:
    return {"household_id": w.household.pk}


PEOPLE_PAGES = [
    Endpoint("page", "people:persons", "GET", Action.VIEW_PEOPLE),
    Endpoint("page", "people:person-new", "GET", Action.MANAGE_PEOPLE),
    Endpoint(
        "page",
        "people:person-new",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: {"given_name": "Carl", "family_name": "New"},
    ),
    Endpoint("page", "people:person", "GET", Action.VIEW_PEOPLE, _person, logs_access=True),
    Endpoint("page", "people:person-edit", "GET", Action.MANAGE_PEOPLE, _person),
    Endpoint(
        "page",
        "people:person-edit",
        "POST",
        Action.MANAGE_PEOPLE,
        _person,
        lambda w: {"given_name": "Anna", "family_name": "Renamed"},
    ),
    Endpoint("page", "people:person-reveal", "POST", Action.REVEAL_IDENTITY, _person),
    Endpoint("page", "people:households", "GET", Action.VIEW_PEOPLE),
    Endpoint("page", "people:household-new", "GET", Action.MANAGE_PEOPLE),
    Endpoint(
        "page",
        "people:household-new",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: {"label": "Nielsen"},
    ),
    Endpoint("page", "people:household", "GET", Action.VIEW_PEOPLE, _household),
    Endpoint("page", "people:household-member-add", "GET", Action.MANAGE_PEOPLE, _household),
    Endpoint(
        "page",
        "people:household-member-add",
        "POST",
        Action.MANAGE_PEOPLE,
        _household,
        lambda w: {"person": w.joiner.pk, "relation": "child"},
    ),
    Endpoint(
        "page",
        "people:household-member-leave",
        "POST",
        Action.MANAGE_PEOPLE,
        lambda w: {"household_id": w.household.pk, "member_id": w.household_member.pk},
    ),
]


def _pair(w: World) -> dict:
    # The joiner is under a legal hold (build_privacy): it is the record kept.
    return {"person_id": w.joiner.pk, "other_id": w.person.pk}


DUPLICATE_PAGES = [
    Endpoint(
        "page",
        "people:person-duplicate-check",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: {"given_name": "Anna", "family_name": "Matrix"},
        reads_only=True,
    ),
    Endpoint("page", "people:duplicates", "GET", Action.MERGE_PEOPLE),
    Endpoint(
        "page",
        "people:duplicate-dismiss",
        "POST",
        Action.MERGE_PEOPLE,
        data=lambda w: {"a": w.person.pk, "b": w.joiner.pk},
    ),
    Endpoint("page", "people:person-merge", "GET", Action.MERGE_PEOPLE, _pair),
    Endpoint(
        "page",
        "people:person-merge",
        "POST",
        Action.MERGE_PEOPLE,
        _pair,
        lambda w: {"keep": "first", "value_given_name": "first"},
    ),
]


def _contact(w: World) -> dict:
    return {"contact_id": w.contact.pk}


def _contact_person(w: World) -> dict:
    return {"contact_id": w.contact.pk, "link_id": w.contact_person.pk}


def _consent(w: World) -> dict:
    return {"person_id": w.person.pk, "consent_id": w.consent.pk}


def _purpose(w: World) -> dict:
    return {"purpose_id": w.purpose.pk}


CONTACT_PAGES = [
    Endpoint("page", "people:contacts", "GET", Action.VIEW_CONTACTS),
    Endpoint("page", "people:contact-new", "GET", Action.MANAGE_CONTACTS),
    Endpoint(
        "page",
        "people:contact-new",
        "POST",
        Action.MANAGE_CONTACTS,
        data=lambda w: {"kind": "company", "name": "Bageriet"},
    ),
    Endpoint("page", "people:contact", "GET", Action.VIEW_CONTACTS, _contact),
    Endpoint("page", "people:contact-edit", "GET", Action.MANAGE_CONTACTS, _contact),
    Endpoint(
        "page",
        "people:contact-edit",
        "POST",
        Action.MANAGE_CONTACTS,
        _contact,
        lambda w: {"kind": "company", "name": "Matrix ApS", "city": "Ikast"},
    ),
    Endpoint(
        "page",
        "people:contact-archive",
        "POST",
        Action.MANAGE_CONTACTS,
        _contact,
        lambda w: {"archived": "1"},
    ),
    Endpoint("page", "people:contact-person-add", "GET", Action.MANAGE_CONTACTS, _contact),
    Endpoint(
        "page",
        "people:contact-person-add",
        "POST",
        Action.MANAGE_CONTACTS,
        _contact,
        lambda w: {"given_name": "Carl", "family_name": "Contact", "job_title": "Manager"},
    ),
    Endpoint("page", "people:contact-person-main", "POST", Action.MANAGE_CONTACTS, _contact_person),
    Endpoint(
        "page", "people:contact-person-remove", "POST", Action.MANAGE_CONTACTS, _contact_person
    ),
]

CONSENT_PAGES = [
    Endpoint("page", "people:consent-new", "GET", Action.MANAGE_CONSENT, _person),
    Endpoint(
        "page",
        "people:consent-new",
        "POST",
        Action.MANAGE_CONSENT,
        _person,
        lambda w: {"purpose": w.purpose.pk, "basis": "consent"},
    ),
    Endpoint("page", "people:consent-withdraw", "POST", Action.MANAGE_CONSENT, _consent),
    Endpoint("page", "people:purposes", "GET", Action.EDIT_ORGANIZATION),
    Endpoint("page", "people:purpose-new", "GET", Action.EDIT_ORGANIZATION),
    Endpoint(
        "page",
        "people:purpose-new",
        "POST",
        Action.EDIT_ORGANIZATION,
        data=lambda w: {"name": "Summer camp", "wording": "May we invite your children?"},
    ),
    Endpoint("page", "people:purpose-edit", "GET", Action.EDIT_ORGANIZATION, _purpose),
    Endpoint(
        "page",
        "people:purpose-edit",
        "POST",
        Action.EDIT_ORGANIZATION,
        _purpose,
        lambda w: {"name": "Weekly letter", "wording": "May we write to you every week?"},
    ),
    Endpoint(
        "page",
        "people:purpose-archive",
        "POST",
        Action.EDIT_ORGANIZATION,
        _purpose,
        lambda w: {"archived": "1"},
    ),
]


def _hold(w: World) -> dict:
    return {"hold_id": w.legal_hold.pk}


PRIVACY_PAGES = [
    Endpoint("page", "privacy:overview", "GET", Action.HANDLE_PRIVACY),
    Endpoint(
        "page",
        "privacy:overview",
        "POST",
        Action.HANDLE_PRIVACY,
        data=lambda w: {"months": "36", "enabled": "on"},
    ),
    Endpoint("page", "privacy:holds", "GET", Action.HANDLE_PRIVACY),
    Endpoint("page", "privacy:hold-lift", "POST", Action.HANDLE_PRIVACY, _hold),
    Endpoint(
        "page", "privacy:person-export", "GET", Action.HANDLE_PRIVACY, _person, logs_access=True
    ),
    Endpoint(
        "page",
        "privacy:person-export-json",
        "GET",
        Action.HANDLE_PRIVACY,
        _person,
        logs_access=True,
    ),
    Endpoint(
        "page", "privacy:person-export-pdf", "GET", Action.HANDLE_PRIVACY, _person, logs_access=True
    ),
    Endpoint("page", "privacy:person-erase", "GET", Action.HANDLE_PRIVACY, _person),
    Endpoint(
        "page",
        "privacy:person-erase",
        "POST",
        Action.HANDLE_PRIVACY,
        _person,
        lambda w: {"reason": "Asked by e-mail"},
    ),
    Endpoint("page", "privacy:person-hold", "GET", Action.HANDLE_PRIVACY, _person),
    Endpoint(
        "page",
        "privacy:person-hold",
        "POST",
        Action.HANDLE_PRIVACY,
        _person,
        lambda w: {"reason": "Court case"},
    ),
]


def _import_batch(w: World) -> dict:
    return {"batch_id": w.import_batch.pk}


IMPORT_PAGES = [
    Endpoint("page", "people:import", "GET", Action.IMPORT_PEOPLE),
    Endpoint(
        "page",
        "people:import",
        "POST",
        Action.IMPORT_PEOPLE,
        data=lambda w: {"file": SimpleUploadedFile("new.csv", b"Given name;Family name\nCarl;X\n")},
    ),
    Endpoint("page", "people:import-template", "GET", Action.IMPORT_PEOPLE),
    Endpoint("page", "people:import-batch", "GET", Action.IMPORT_PEOPLE, _import_batch),
    Endpoint("page", "people:import-mapping", "GET", Action.IMPORT_PEOPLE, _import_batch),
    Endpoint(
        "page",
        "people:import-mapping",
        "POST",
        Action.IMPORT_PEOPLE,
        _import_batch,
        lambda w: {"column_0": "given_name"},
    ),
    Endpoint(
        "page",
        "people:import-run",
        "POST",
        Action.IMPORT_PEOPLE,
        _import_batch,
        lambda w: {"mode": "valid_rows"},
    ),
    Endpoint("page", "people:import-discard", "POST", Action.IMPORT_PEOPLE, _import_batch),
    # An export changes nothing but the audit log, where it is recorded.
    Endpoint("page", "people:persons-export", "GET", Action.EXPORT_PEOPLE, logs_access=True),
    Endpoint("page", "people:households-export", "GET", Action.EXPORT_PEOPLE, logs_access=True),
]

PAGES = [
    Endpoint("page", "dashboard", "GET", Action.VIEW_DASHBOARD),
    Endpoint("page", "settings", "GET", Action.EDIT_ORGANIZATION),
    Endpoint("page", "settings", "POST", Action.EDIT_ORGANIZATION, data=lambda w: ORG_SETTINGS),
    Endpoint("page", "sites", "GET", Action.VIEW_SITES),
    Endpoint("page", "site-new", "GET", Action.MANAGE_SITES),
    Endpoint("page", "site-new", "POST", Action.MANAGE_SITES, data=lambda w: NEW_SITE),
    Endpoint("page", "site-edit", "GET", Action.MANAGE_SITES, _site),
    Endpoint(
        "page",
        "site-edit",
        "POST",
        Action.MANAGE_SITES,
        _site,
        lambda w: {"name": "Lageret", "kind": "warehouse", "city": "Ikast"},
    ),
    Endpoint(
        "page", "site-archive", "POST", Action.MANAGE_SITES, _site, lambda w: {"archived": "1"}
    ),
    Endpoint("page", "members", "GET", Action.VIEW_MEMBERS),
    Endpoint("page", "member-invite", "GET", Action.MANAGE_MEMBERS),
    Endpoint(
        "page",
        "member-invite",
        "POST",
        Action.MANAGE_MEMBERS,
        data=lambda w: {"email": "new@example.test", "role": "volunteer"},
    ),
    Endpoint(
        "page",
        "member-role",
        "POST",
        Action.MANAGE_MEMBERS,
        _member,
        lambda w: {"role": "referrer"},
    ),
    Endpoint("page", "member-remove", "POST", Action.MANAGE_MEMBERS, _member),
    Endpoint(
        "page",
        "invitation-revoke",
        "POST",
        Action.MANAGE_MEMBERS,
        lambda w: {"invitation_id": w.invitation.pk},
    ),
    Endpoint("page", "audit", "GET", Action.VIEW_AUDIT),
    Endpoint("page", "audit-export", "POST", Action.VIEW_AUDIT, data=lambda w: {"action": "site."}),
    Endpoint("page", "tokens", "GET", Action.USE_API),
    Endpoint("page", "tokens", "POST", Action.USE_API, data=lambda w: {"name": "spreadsheet"}),
    Endpoint(
        "page", "token-revoke", "POST", Action.USE_API, lambda w: {"token_id": w.own_token.pk}
    ),
    Endpoint("page", "roles", "GET", Action.VIEW_DASHBOARD),
    Endpoint(
        "page",
        "task-progress",
        "GET",
        Action.VIEW_DASHBOARD,
        lambda w: {"progress_id": w.progress.pk},
    ),
    Endpoint(
        "page",
        "task-download",
        "GET",
        Action.VIEW_AUDIT,
        lambda w: {"progress_id": w.finished.pk},
    ),
    *PEOPLE_PAGES,
    *DUPLICATE_PAGES,
    *CONTACT_PAGES,
    *CONSENT_PAGES,
    *PRIVACY_PAGES,
    *IMPORT_PAGES,
    *GOODS_PAGES,
    *AID_PAGES,
]

_SITE = ORG_API_PREFIX + "/sites/{site_id}"
_MEMBER = ORG_API_PREFIX + "/members/{member_id}"


def _api_site(w: World) -> dict:
    return {"site_id": w.site.pk}


def _api_member(w: World) -> dict:
    return {"member_id": w.victim.pk}


_PERSONS = ORG_API_PREFIX + "/persons"
_PERSON = _PERSONS + "/{person_id}"
_HOUSEHOLDS = ORG_API_PREFIX + "/households"
_HOUSEHOLD = _HOUSEHOLDS + "/{household_id}"


def _api_person(w: World) -> dict:
    return {"person_id": w.person.pk}


def _api_household(w: World) -> dict:
    return {"household_id": w.household.pk}


def _api_household_member(w: World) -> dict:
    return {"household_id": w.household.pk, "member_id": w.household_member.pk}


PEOPLE_API = [
    Endpoint("api", _PERSONS, "GET", Action.VIEW_PEOPLE),
    Endpoint("api", _PERSONS, "POST", Action.MANAGE_PEOPLE, data=lambda w: {"given_name": "Carl"}),
    Endpoint(
        "api",
        _PERSONS + "/lookup",
        "GET",
        Action.REVEAL_IDENTITY,
        query=lambda w: {"country": "DK", "number": MATRIX_CPR},
    ),
    Endpoint("api", _PERSON, "GET", Action.VIEW_PEOPLE, _api_person, logs_access=True),
    Endpoint(
        "api", _PERSON, "PATCH", Action.MANAGE_PEOPLE, _api_person, lambda w: {"city": "Ikast"}
    ),
    Endpoint(
        "api", _PERSON + "/reveal-identity-number", "POST", Action.REVEAL_IDENTITY, _api_person
    ),
    Endpoint("api", _HOUSEHOLDS, "GET", Action.VIEW_PEOPLE),
    Endpoint("api", _HOUSEHOLDS, "POST", Action.MANAGE_PEOPLE, data=lambda w: {"label": "Nielsen"}),
    Endpoint("api", _HOUSEHOLD, "GET", Action.VIEW_PEOPLE, _api_household),
    Endpoint(
        "api",
        _HOUSEHOLD + "/members",
        "POST",
        Action.MANAGE_PEOPLE,
        _api_household,
        lambda w: {"person_id": w.joiner.pk, "relation": "child"},
    ),
    Endpoint(
        "api",
        _HOUSEHOLD + "/members/{member_id}/leave",
        "POST",
        Action.MANAGE_PEOPLE,
        _api_household_member,
        lambda w: {},
    ),
]

DUPLICATE_API = [
    Endpoint(
        "api",
        _PERSONS + "/duplicate-check",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: {"given_name": "Anna", "family_name": "Matrix"},
        reads_only=True,
    ),
    Endpoint("api", ORG_API_PREFIX + "/duplicates", "GET", Action.MERGE_PEOPLE),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/duplicates/dismiss",
        "POST",
        Action.MERGE_PEOPLE,
        data=lambda w: {"person_a": w.person.pk, "person_b": w.joiner.pk},
    ),
    Endpoint(
        "api",
        _PERSONS + "/{person_id}/merge",
        "POST",
        Action.MERGE_PEOPLE,
        lambda w: {"person_id": w.joiner.pk},
        lambda w: {"other": w.person.pk},
    ),
]

_CONTACTS = ORG_API_PREFIX + "/contacts"
_CONTACT = _CONTACTS + "/{contact_id}"

CONTACT_API = [
    Endpoint("api", _CONTACTS, "GET", Action.VIEW_CONTACTS),
    Endpoint("api", _CONTACTS, "POST", Action.MANAGE_CONTACTS, data=lambda w: {"name": "Bageriet"}),
    Endpoint("api", _CONTACT, "GET", Action.VIEW_CONTACTS, _contact),
    Endpoint(
        "api",
        _CONTACT,
        "PATCH",
        Action.MANAGE_CONTACTS,
        _contact,
        lambda w: {"city": "Ikast", "archived": True},
    ),
    Endpoint("api", _CONTACT + "/people", "GET", Action.VIEW_CONTACTS, _contact),
    Endpoint(
        "api",
        _CONTACT + "/people",
        "POST",
        Action.MANAGE_CONTACTS,
        _contact,
        lambda w: {"person": {"given_name": "Carl"}, "job_title": "Manager"},
    ),
    Endpoint(
        "api",
        _CONTACT + "/people/{link_id}",
        "PATCH",
        Action.MANAGE_CONTACTS,
        _contact_person,
        lambda w: {"is_primary": True},
    ),
    Endpoint(
        "api", _CONTACT + "/people/{link_id}", "DELETE", Action.MANAGE_CONTACTS, _contact_person
    ),
]

CONSENT_API = [
    Endpoint("api", ORG_API_PREFIX + "/consent-purposes", "GET", Action.VIEW_PERSON_DETAILS),
    Endpoint("api", _PERSON + "/consents", "GET", Action.VIEW_PERSON_DETAILS, _api_person),
    Endpoint(
        "api",
        _PERSON + "/consents",
        "POST",
        Action.MANAGE_CONSENT,
        _api_person,
        lambda w: {"purpose_id": w.purpose.pk, "basis": "consent"},
    ),
    Endpoint(
        "api",
        _PERSON + "/consents/{consent_id}/withdraw",
        "POST",
        Action.MANAGE_CONSENT,
        _consent,
        lambda w: {},
    ),
]

PRIVACY_API = [
    Endpoint(
        "api", _PERSON + "/export", "GET", Action.HANDLE_PRIVACY, _api_person, logs_access=True
    ),
    Endpoint(
        "api",
        _PERSON + "/erase",
        "POST",
        Action.HANDLE_PRIVACY,
        _api_person,
        lambda w: {"reason": "Asked by e-mail"},
    ),
    Endpoint("api", ORG_API_PREFIX + "/legal-holds", "GET", Action.HANDLE_PRIVACY),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/legal-holds",
        "POST",
        Action.HANDLE_PRIVACY,
        data=lambda w: {"person_id": w.person.pk, "reason": "Court case"},
    ),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/legal-holds/{hold_id}/lift",
        "POST",
        Action.HANDLE_PRIVACY,
        _hold,
    ),
    Endpoint("api", ORG_API_PREFIX + "/retention-rule", "GET", Action.HANDLE_PRIVACY),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/retention-rule",
        "PUT",
        Action.HANDLE_PRIVACY,
        data=lambda w: {"months": 36, "enabled": True},
    ),
    Endpoint("api", ORG_API_PREFIX + "/retention-rule/preview", "GET", Action.HANDLE_PRIVACY),
]

# An export changes nothing but the audit log, where it is recorded.
EXPORT_API = [
    Endpoint(
        "api",
        ORG_API_PREFIX + "/exports/persons",
        "GET",
        Action.EXPORT_PEOPLE,
        query=lambda w: {"format": "xlsx", "q": "Matrix"},
        logs_access=True,
    ),
    Endpoint(
        "api", ORG_API_PREFIX + "/exports/households", "GET", Action.EXPORT_PEOPLE, logs_access=True
    ),
]

API = [
    Endpoint("api", ORG_API_PREFIX, "GET", Action.VIEW_DASHBOARD),
    Endpoint(
        "api", ORG_API_PREFIX, "PATCH", Action.EDIT_ORGANIZATION, data=lambda w: {"name": "New"}
    ),
    Endpoint("api", ORG_API_PREFIX + "/sites", "GET", Action.VIEW_SITES),
    Endpoint(
        "api", ORG_API_PREFIX + "/sites", "POST", Action.MANAGE_SITES, data=lambda w: NEW_SITE
    ),
    Endpoint("api", _SITE, "GET", Action.VIEW_SITES, _api_site),
    Endpoint("api", _SITE, "PATCH", Action.MANAGE_SITES, _api_site, lambda w: {"archived": True}),
    Endpoint("api", ORG_API_PREFIX + "/members", "GET", Action.VIEW_MEMBERS),
    Endpoint("api", _MEMBER, "GET", Action.VIEW_MEMBERS, _api_member),
    Endpoint(
        "api", _MEMBER, "PATCH", Action.MANAGE_MEMBERS, _api_member, lambda w: {"role": "referrer"}
    ),
    Endpoint("api", _MEMBER, "DELETE", Action.MANAGE_MEMBERS, _api_member),
    Endpoint("api", ORG_API_PREFIX + "/invitations", "GET", Action.VIEW_MEMBERS),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/invitations",
        "POST",
        Action.MANAGE_MEMBERS,
        data=lambda w: {"email": "new@example.test", "role": "volunteer"},
    ),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/invitations/{invitation_id}",
        "DELETE",
        Action.MANAGE_MEMBERS,
        lambda w: {"invitation_id": w.invitation.pk},
    ),
    *PEOPLE_API,
    *DUPLICATE_API,
    *CONTACT_API,
    *CONSENT_API,
    *PRIVACY_API,
    *EXPORT_API,
    *GOODS_API,
    *AID_API,
]

ENDPOINTS = PAGES + API


def _token_client(org: Organization, user) -> tuple[Client, dict]:
    raw = api_token(org, user)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    # Use the token once so its "last used" time is recent and the request under test does
    # not write it (that write is not what the snapshot is about).
    assert client.get("/api/v1/me", **headers).status_code == 200
    return client, headers


@pytest.mark.ci_on_postgres
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_gets_exactly_what_the_permission_table_allows(
    role, endpoint, org, request, client_for
):
    user = request.getfixturevalue(role.value)  # the persona with this role
    world = build_world(
        org, user, goods=_is_goods(endpoint), aid=_is_aid(endpoint), endpoint=endpoint
    )
    if endpoint.kind == "page":
        client, headers = client_for(user), {}
    else:
        client, headers = _token_client(org, user)
    before = snapshot(org)

    response = endpoint.send(client, world, **headers)

    if can(role, endpoint.action):
        assert response.status_code in {200, 201, 204, 302}, response.content[:500]
        if endpoint.safe and endpoint.logs_access:
            # Opening a person's page changes nothing but the access log.
            after = snapshot(org)
            assert after["audit"] == before["audit"] + 1
            assert {**after, "audit": 0} == {**before, "audit": 0}
        elif endpoint.safe:
            assert snapshot(org) == before
        else:
            assert snapshot(org) != before, "an allowed change should have changed something"
    else:
        assert response.status_code == 403, response.content[:500]
        assert snapshot(org) == before
        if endpoint.kind == "api":
            assert response.json()["errors"] == []


def _is_goods(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("goods:") or "/goods/" in endpoint.route


def _is_aid(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("aid:") or "/aid/" in endpoint.route


OUTSIDER_CASES = [(e, "session") for e in PAGES] + [
    (e, auth) for e in API for auth in ("token", "session")
]


@pytest.mark.ci_on_postgres
@pytest.mark.parametrize(
    ("endpoint", "auth"), OUTSIDER_CASES, ids=[f"{e}-{a}" for e, a in OUTSIDER_CASES]
)
def test_outsider_gets_404_everywhere_and_changes_nothing(
    endpoint, auth, org, other_org, outsider, client_for
):
    world = build_world(
        org, outsider, goods=_is_goods(endpoint), aid=_is_aid(endpoint), endpoint=endpoint
    )
    if auth == "token":
        # A perfectly valid token — of the outsider's own organisation.
        client, headers = _token_client(other_org, outsider)
    else:
        client, headers = client_for(outsider), {}
    before = snapshot(org)

    response = endpoint.send(client, world, **headers)

    assert response.status_code == 404, response.content[:500]
    assert snapshot(org) == before


# Coverage: every organisation page and endpoint is in the matrix, with its declared action.


def _org_page_patterns() -> dict[str, URLPattern]:
    return {
        prefix + p.name: p
        for prefix, module in (
            ("", core_urls),
            ("people:", people_urls),
            ("privacy:", privacy_urls),
            ("goods:", goods_urls),
            ("aid:", aid_urls),
        )
        for p in module.urlpatterns
        if isinstance(p, URLPattern) and str(p.pattern).startswith(ORG_PAGE_PREFIX)
    }


def _api_operations() -> dict[tuple[str, str], Callable]:
    operations = {}
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = re.sub(r"/+", "/", "/" + bound.prefix + "/" + path)
            for operation in path_view.operations:
                for method in operation.methods:
                    operations[(method, full.rstrip("/") or "/")] = operation.view_func
    return operations


def test_every_org_page_is_in_the_matrix_with_the_action_its_view_declares():
    patterns = _org_page_patterns()
    expected = {}
    for endpoint in PAGES:
        assert expected.setdefault(endpoint.route, endpoint.action) == endpoint.action
    assert set(patterns) == set(expected), "add new /o/<org_slug>/ pages to PAGES"
    for name, pattern in patterns.items():
        declared = getattr(pattern.callback, "kindred_action", None)
        assert declared is not None, f"{name} is not wrapped in org_view(action)"
        assert declared == expected[name], name


def test_every_org_api_endpoint_is_in_the_matrix_with_the_action_it_declares():
    operations = _api_operations()
    org_operations = {k: v for k, v in operations.items() if k[1].startswith(ORG_API_PREFIX)}
    assert set(operations) - set(org_operations) == NON_ORG_API
    expected = {(e.method, e.route): e.action for e in API}
    assert len(expected) == len(API), "an endpoint is listed twice"
    assert set(org_operations) == set(expected), "add new organisation endpoints to API"
    for key, view in org_operations.items():
        declared = getattr(view, "kindred_action", None)
        assert declared is not None, f"{key} is not wrapped in org_endpoint(action)"
        assert declared == expected[key], key


def test_matrix_exercises_every_action_allowed_and_denied():
    actions = {e.action for e in ENDPOINTS} | set(OUTPUT_ACTIONS)
    assert actions == set(Action)


# Actions that decide what an answer contains rather than whether there is one, with the
# fields they reveal. The test below checks them for every role on every API answer that
# shows persons or households.
OUTPUT_ACTIONS = {
    Action.VIEW_PERSON_DETAILS: {
        "person": {"phone", "email", "street", "notes", "birth_date", "has_national_id"},
        "household": {"street", "postcode", "city", "country"},
    }
}
_SHOWS = {
    _PERSONS: "person",
    _PERSONS + "/lookup": "person",
    _PERSON: "person",
    _HOUSEHOLDS: "household",
    _HOUSEHOLD: "household",
}
OUTPUT_CASES = [
    (role, endpoint)
    for role in Role
    for endpoint in PEOPLE_API
    if endpoint.safe and endpoint.route in _SHOWS and can(role, endpoint.action)
]


@pytest.mark.parametrize(
    ("role", "endpoint"), OUTPUT_CASES, ids=[f"{r}-{e}" for r, e in OUTPUT_CASES]
)
def test_each_role_sees_exactly_the_fields_the_permission_table_allows(
    role, endpoint, org, request
):
    user = request.getfixturevalue(role.value)
    world = build_world(org, user, goods=False)
    client, headers = _token_client(org, user)

    response = endpoint.send(client, world, **headers)

    assert response.status_code == 200, response.content[:500]
    body = response.json()
    shown = set(body["items"][0] if "items" in body else body)
    for action, fields in OUTPUT_ACTIONS.items():
        detail = fields[_SHOWS[endpoint.route]]
        if can(role, action):
            assert detail <= shown, detail - shown
        else:
            assert not detail & shown, detail & shown


@pytest.mark.parametrize("role", [r for r in Role if can(r, Action.VIEW_PEOPLE)], ids=str)
def test_the_person_page_shows_contact_details_exactly_to_roles_allowed(role, org, request):
    user = request.getfixturevalue(role.value)
    world = build_world(org, user, goods=False)
    client = Client()
    client.force_login(user)

    body = client.get(reverse("people:person", args=[org.slug, world.person.pk])).content.decode()

    assert "Anna Matrix" in body
    shown = {"phone": "+4521436587" in body, "identity": "Recorded, DK" in body}
    expected = can(role, Action.VIEW_PERSON_DETAILS)
    assert shown == {"phone": expected, "identity": expected}
    assert MATRIX_CPR not in body and MATRIX_CPR.replace("-", "") not in body


# docs/roles.md shows the same table.


def _cells(line: str) -> list[str]:
    return [c.strip().strip("`*") for c in line.strip().strip("|").split("|")]


def test_roles_documentation_matches_the_permission_table():
    text = ROLES_MD.read_text(encoding="utf-8")
    # The first table in the file: its contiguous lines that start with "|".
    table = re.search(r"^[ \t]*\|.*(?:\n[ \t]*\|.*)*", text, re.M)
    assert table, "docs/roles.md needs a markdown table"
    lines = table.group(0).splitlines()
    header, rows = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    with translation.override("en"):
        role_by_label = {str(r.label).lower(): r for r in Role} | {r.value: Role(r) for r in Role}
        action_by_label = {str(label).lower(): a for a, label in ACTION_LABELS.items()}
    action_by_label |= {a.value: a for a in Action}
    columns = [role_by_label[h.lower()] for h in header[1:]]
    assert sorted(columns) == sorted(Role), "one column per role"

    documented: dict[Action, frozenset[Role]] = {}
    for row in rows:
        action = action_by_label[row[0].lower()]
        assert action not in documented, f"{action} has two rows"
        assert all(cell in {YES, NO} for cell in row[1:]), row
        documented[action] = frozenset(
            r for r, cell in zip(columns, row[1:], strict=True) if cell == YES
        )
    assert documented == PERMISSIONS
