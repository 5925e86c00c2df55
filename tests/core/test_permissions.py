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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import URLPattern, reverse
from django.utils import translation
from django_scopes import scope

from kindred.aid import urls as aid_urls
from kindred.api.api import api
from kindred.core import services, tasks
from kindred.core import urls as core_urls
from kindred.core.models import (
    ApiToken,
    AuditEntry,
    Invitation,
    Membership,
    Organization,
    Site,
    TaskProgress,
)
from kindred.core.roles import ACTION_LABELS, PERMISSIONS, Action, Role, can
from kindred.goods import urls as goods_urls
from kindred.people import imports
from kindred.people import services as people_services
from kindred.people import urls as people_urls
from kindred.people.imports.tasks import run_check
from kindred.people.models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    DuplicateDismissal,
    Household,
    HouseholdMember,
    ImportBatch,
    Person,
)
from kindred.privacy import services as privacy_services
from kindred.privacy import urls as privacy_urls
from kindred.privacy.models import LegalHold, RetentionRule
from tests.conftest import Personas, admin_of, make_member, make_site, shared
from tests.core.aid_matrix import AID_API, AID_PAGES, build_aid
from tests.core.endpoint import Door, Endpoint, GhostWorld
from tests.core.goods_matrix import GOODS_API, GOODS_PAGES, build_goods
from tests.writes import Answer, answer, audit_actions_since, last_audit_pk

ROLES_MD = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
YES, NO = "\N{CHECK MARK}", "\N{EN DASH}"  # the cells of docs/roles.md
ORG_PAGE_PREFIX = "o/<slug:org_slug>/"
ORG_API_PREFIX = "/organizations/{slug}"
# API operations that are not about one organisation: they list what the caller may see.
NON_ORG_API = {("GET", "/me"), ("GET", "/organizations")}


@dataclass
class World:
    """The objects a request can point at, all owned by the home organisation, built once
    per module for every role (`matrix_world`); `for_user` points the per-user fields
    (jobs, tokens, uploads: each user sees only their own) at one member's."""

    org: Organization
    site: Site
    victim: Membership
    invitation: Invitation
    # Per member (by user id): their own running and finished job, a token of theirs, and
    # (for members who may import) an upload of theirs, checked and ready to import.
    own: dict[int, dict[str, Any]] = field(default_factory=dict)
    user: Any = None
    progress: TaskProgress | None = None
    finished: TaskProgress | None = None
    own_token: ApiToken | None = None
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
    import_batch: ImportBatch | None = None
    # Goods: locations, item types, stock and documents (tests/core/goods_matrix/).
    goods: dict = field(default_factory=dict)
    # Aid: requests, rules, runs, reservations, days, bookings (tests/core/aid_matrix/).
    aid: dict = field(default_factory=dict)

    def for_user(self, user) -> World:
        return replace(self, user=user, **self.own[user.pk])


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


def build_world(org: Organization, members: dict[Role, Any]) -> World:
    """Everything the matrix's requests point at. People records and help requests are the
    referrer's (a referrer sees only their own; every other role sees them too); jobs,
    tokens and uploads are each member's own."""
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
    world = World(org, site, victim, invitation)
    for role, member in members.items():
        world.own[member.pk] = build_own(org, member, role)
    build_people(world, members[Role.REFERRER])
    build_contacts_and_consents(world, members[Role.REFERRER])
    build_privacy(world)
    build_goods(world, admin)
    build_aid(world, members[Role.REFERRER])
    return world


def build_own(org: Organization, member, role: Role) -> dict[str, Any]:
    with scope(organization=org):
        progress = tasks.start_job(org=org, name="Export", actor=member)
        finished = tasks.start_job(org=org, name="Export", actor=member)
        TaskProgress.objects.filter(pk=finished.pk).update(
            status=TaskProgress.Status.DONE, percent=100, task_id=f"matrix-{finished.pk}"
        )
        finished.refresh_from_db()
        result = tasks.result_path(finished, ".csv")
        result.parent.mkdir(parents=True, exist_ok=True)
        result.write_text("Time (UTC)\n", encoding="utf-8")
        own_token, _raw = services.create_api_token(org=org, user=member, name="own")
    own = {"progress": progress, "finished": finished, "own_token": own_token}
    if can(role, Action.IMPORT_PEOPLE):
        own["import_batch"] = build_import(org, member)
    return own


def build_privacy(world: World) -> None:
    org = world.org
    with scope(organization=org):
        world.legal_hold = privacy_services.place_legal_hold(
            org=org, person=world.joiner, reason="Matrix case", actor=admin_of(org)
        )


def build_import(org: Organization, owner) -> ImportBatch:
    with scope(organization=org):
        batch = imports.upload_import(
            org=org, actor=owner, name="matrix.csv", data=b"Given name\nEva\n"
        )
        batch = imports.start_check(org=org, batch=batch, mapping=["given_name"], actor=owner)
        # The check is queued for after commit, which a test's transaction never reaches.
        run_check(batch_id=batch.pk, progress_id=batch.progress_id, language="en")
        batch.refresh_from_db()
    return batch


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


def _family_page_data() -> dict:
    """A family of one, registered through the family form (no duplicate question)."""
    return {
        "lawful_basis": "legitimate_interest",
        "duplicates": "new",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-given_name": "Maja",
        "members-0-family_name": "Matrix",
        "members-0-relation": "head",
    }


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
    Endpoint("page", "people:family-new", "GET", Action.MANAGE_PEOPLE),
    Endpoint(
        "page",
        "people:family-new",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: _family_page_data(),
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
    Endpoint(
        "api",
        _HOUSEHOLDS + "/register",
        "POST",
        Action.MANAGE_PEOPLE,
        data=lambda w: {
            "lawful_basis": "legitimate_interest",
            "members": [{"given_name": "Maja", "family_name": "Matrix", "relation": "head"}],
        },
    ),
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


# What each allowed core, people and privacy write changes (goods and aid endpoints declare
# theirs where they are listed): the audit action it records and a probe of the change,
# false before the request and true after it. Keys are the endpoints' names (str(Endpoint)).


def _audit_about(action: str, obj_attr: str) -> Callable[[World], bool]:
    """An effect that is only an audit entry (revealing a number changes no record)."""
    return lambda w: AuditEntry.objects.filter(
        action=action, object_id=str(getattr(w, obj_attr).pk)
    ).exists()


def _dismissed(w: World) -> bool:
    pair = Q(person_a=w.person, person_b=w.joiner) | Q(person_a=w.joiner, person_b=w.person)
    return DuplicateDismissal.objects.filter(pair).exists()


def _new_job(w: World) -> bool:
    return TaskProgress.objects.filter(
        organization=w.org, created_by=w.user, name="Audit log export"
    ).exists()


def _contact_person_added(**person) -> Callable[[World], bool]:
    return lambda w: ContactPerson.objects.filter(
        contact=w.contact, job_title="Manager", **{f"person__{k}": v for k, v in person.items()}
    ).exists()


_SITE_CREATED = (
    "site.created",
    lambda w: Site.objects.filter(organization=w.org, name="Butikken", kind="shop").exists(),
)
_SITE_ARCHIVED = (
    "site.archived",
    lambda w: Site.objects.filter(pk=w.site.pk, archived=True).exists(),
)
_INVITED = (
    "invitation.sent",
    lambda w: Invitation.objects.filter(email="new@example.test", role=Role.VOLUNTEER).exists(),
)
_ROLE_CHANGED = (
    "member.role_changed",
    lambda w: Membership.objects.filter(pk=w.victim.pk, role=Role.REFERRER).exists(),
)
_REMOVED = ("member.removed", lambda w: not Membership.objects.filter(pk=w.victim.pk).exists())
_REVOKED = (
    "invitation.revoked",
    lambda w: Invitation.objects.filter(pk=w.invitation.pk, status="revoked").exists(),
)
_REVEALED = ("person.identity_revealed", _audit_about("person.identity_revealed", "person"))
_HOUSEHOLD_CREATED = (
    "household.created",
    lambda w: Household.objects.filter(label="Nielsen").exists(),
)
# A family of one registered through the family form or the API, with its lawful basis.
_FAMILY_REGISTERED = (
    "consent.recorded",
    lambda w: HouseholdMember.objects.filter(
        household__label="Matrix", person__given_name="Maja", relation="head"
    ).exists(),
)
_JOINED = (
    "household.member_added",
    lambda w: HouseholdMember.objects.filter(
        household=w.household, person=w.joiner, relation="child", left_on=None
    ).exists(),
)
_LEFT = (
    "household.member_left",
    lambda w: HouseholdMember.objects.filter(
        pk=w.household_member.pk, left_on__isnull=False
    ).exists(),
)
_MERGED = ("person.merged", lambda w: not Person.objects.filter(pk=w.person.pk).exists())
_CONTACT_CREATED = ("contact.created", lambda w: Contact.objects.filter(name="Bageriet").exists())
_MADE_MAIN = (
    "contact.person_updated",
    lambda w: ContactPerson.objects.filter(pk=w.contact_person.pk, is_primary=True).exists(),
)
_UNLINKED = (
    "contact.person_removed",
    lambda w: not ContactPerson.objects.filter(pk=w.contact_person.pk).exists(),
)
_CONSENTED = (
    "consent.recorded",
    lambda w: Consent.objects.filter(
        person=w.person, purpose=w.purpose, basis="consent", withdrawn_at=None
    ).exists(),
)
_WITHDRAWN = (
    "consent.withdrawn",
    lambda w: Consent.objects.filter(pk=w.consent.pk, withdrawn_at__isnull=False).exists(),
)
_RULE_SET = (
    "retention.rule_changed",
    lambda w: RetentionRule.objects.filter(organization=w.org, months=36, enabled=True).exists(),
)
_LIFTED = (
    "legal_hold.lifted",
    lambda w: LegalHold.objects.filter(pk=w.legal_hold.pk, lifted_at__isnull=False).exists(),
)
_ERASED = (
    "person.erased",
    lambda w: Person.objects.filter(pk=w.person.pk, anonymised_at__isnull=False).exists(),
)
_HELD = (
    "legal_hold.placed",
    lambda w: LegalHold.objects.filter(
        person=w.person, reason="Court case", lifted_at=None
    ).exists(),
)


def _batch(**values) -> Callable[[World], bool]:
    return lambda w: ImportBatch.objects.filter(pk=w.import_batch.pk, **values).exists()


EFFECTS: dict[str, tuple[str, Callable[[World], object]]] = {
    "page:POST:settings": (
        "organization.updated",
        lambda w: Organization.objects.filter(pk=w.org.pk, name="Renamed Charity").exists(),
    ),
    "page:POST:site-new": _SITE_CREATED,
    "page:POST:site-edit": (
        "site.updated",
        lambda w: Site.objects.filter(pk=w.site.pk, city="Ikast").exists(),
    ),
    "page:POST:site-archive": _SITE_ARCHIVED,
    "page:POST:member-invite": _INVITED,
    "page:POST:member-role": _ROLE_CHANGED,
    "page:POST:member-remove": _REMOVED,
    "page:POST:invitation-revoke": _REVOKED,
    "page:POST:audit-export": ("audit.exported", _new_job),
    "page:POST:tokens": (
        "api_token.created",
        lambda w: ApiToken.objects.filter(user=w.user, name="spreadsheet").exists(),
    ),
    "page:POST:token-revoke": (
        "api_token.revoked",
        lambda w: ApiToken.objects.filter(pk=w.own_token.pk, revoked_at__isnull=False).exists(),
    ),
    "page:POST:people:person-new": (
        "person.created",
        lambda w: Person.objects.filter(given_name="Carl", family_name="New").exists(),
    ),
    "page:POST:people:person-edit": (
        "person.updated",
        lambda w: Person.objects.filter(pk=w.person.pk, family_name="Renamed").exists(),
    ),
    "page:POST:people:person-reveal": _REVEALED,
    "page:POST:people:household-new": _HOUSEHOLD_CREATED,
    "page:POST:people:family-new": _FAMILY_REGISTERED,
    "page:POST:people:household-member-add": _JOINED,
    "page:POST:people:household-member-leave": _LEFT,
    "page:POST:people:duplicate-dismiss": ("person.duplicate_dismissed", _dismissed),
    "page:POST:people:person-merge": _MERGED,
    "page:POST:people:contact-new": _CONTACT_CREATED,
    "page:POST:people:contact-edit": (
        "contact.updated",
        lambda w: Contact.objects.filter(pk=w.contact.pk, city="Ikast").exists(),
    ),
    "page:POST:people:contact-archive": (
        "contact.archived",
        lambda w: Contact.objects.filter(pk=w.contact.pk, archived=True).exists(),
    ),
    "page:POST:people:contact-person-add": (
        "contact.person_added",
        _contact_person_added(given_name="Carl", family_name="Contact"),
    ),
    "page:POST:people:contact-person-main": _MADE_MAIN,
    "page:POST:people:contact-person-remove": _UNLINKED,
    "page:POST:people:consent-new": _CONSENTED,
    "page:POST:people:consent-withdraw": _WITHDRAWN,
    "page:POST:people:purpose-new": (
        "consent_purpose.created",
        lambda w: ConsentPurpose.objects.filter(name="Summer camp").exists(),
    ),
    "page:POST:people:purpose-edit": (
        "consent_purpose.updated",
        lambda w: ConsentPurpose.objects.filter(pk=w.purpose.pk, name="Weekly letter").exists(),
    ),
    "page:POST:people:purpose-archive": (
        "consent_purpose.archived",
        lambda w: ConsentPurpose.objects.filter(pk=w.purpose.pk, archived=True).exists(),
    ),
    "page:POST:privacy:overview": _RULE_SET,
    "page:POST:privacy:hold-lift": _LIFTED,
    "page:POST:privacy:person-erase": _ERASED,
    "page:POST:privacy:person-hold": _HELD,
    "page:POST:people:import": (
        "people.import_uploaded",
        lambda w: ImportBatch.objects.filter(created_by=w.user, file_name="new.csv").exists(),
    ),
    "page:POST:people:import-mapping": ("people.import_checked", _batch(status="checking")),
    "page:POST:people:import-run": (
        "people.import_started",
        _batch(status="importing", mode="valid_rows"),
    ),
    "page:POST:people:import-discard": ("people.import_discarded", _batch(status="discarded")),
    "api:PATCH:" + ORG_API_PREFIX: (
        "organization.updated",
        lambda w: Organization.objects.filter(pk=w.org.pk, name="New").exists(),
    ),
    "api:POST:" + ORG_API_PREFIX + "/sites": _SITE_CREATED,
    "api:PATCH:" + _SITE: _SITE_ARCHIVED,
    "api:PATCH:" + _MEMBER: _ROLE_CHANGED,
    "api:DELETE:" + _MEMBER: _REMOVED,
    "api:POST:" + ORG_API_PREFIX + "/invitations": _INVITED,
    "api:DELETE:" + ORG_API_PREFIX + "/invitations/{invitation_id}": _REVOKED,
    "api:POST:" + _PERSONS: (
        "person.created",
        lambda w: Person.objects.filter(given_name="Carl", family_name="").exists(),
    ),
    "api:PATCH:" + _PERSON: (
        "person.updated",
        lambda w: Person.objects.filter(pk=w.person.pk, city="Ikast").exists(),
    ),
    "api:POST:" + _PERSON + "/reveal-identity-number": _REVEALED,
    "api:POST:" + _HOUSEHOLDS: _HOUSEHOLD_CREATED,
    "api:POST:" + _HOUSEHOLDS + "/register": _FAMILY_REGISTERED,
    "api:POST:" + _HOUSEHOLD + "/members": _JOINED,
    "api:POST:" + _HOUSEHOLD + "/members/{member_id}/leave": _LEFT,
    "api:POST:" + ORG_API_PREFIX + "/duplicates/dismiss": (
        "person.duplicate_dismissed",
        _dismissed,
    ),
    "api:POST:" + _PERSONS + "/{person_id}/merge": _MERGED,
    "api:POST:" + _CONTACTS: _CONTACT_CREATED,
    "api:PATCH:" + _CONTACT: (
        "contact.archived",
        lambda w: Contact.objects.filter(pk=w.contact.pk, city="Ikast", archived=True).exists(),
    ),
    "api:POST:" + _CONTACT + "/people": (
        "contact.person_added",
        _contact_person_added(given_name="Carl"),
    ),
    "api:PATCH:" + _CONTACT + "/people/{link_id}": _MADE_MAIN,
    "api:DELETE:" + _CONTACT + "/people/{link_id}": _UNLINKED,
    "api:POST:" + _PERSON + "/consents": _CONSENTED,
    "api:POST:" + _PERSON + "/consents/{consent_id}/withdraw": _WITHDRAWN,
    "api:POST:" + _PERSON + "/erase": _ERASED,
    "api:POST:" + ORG_API_PREFIX + "/legal-holds": _HELD,
    "api:POST:" + ORG_API_PREFIX + "/legal-holds/{hold_id}/lift": _LIFTED,
    "api:PUT:" + ORG_API_PREFIX + "/retention-rule": _RULE_SET,
}


def _declared(endpoints: list[Endpoint]) -> list[Endpoint]:
    declared = []
    for endpoint in endpoints:
        if str(endpoint) in EFFECTS:
            audit, effect = EFFECTS[str(endpoint)]
            endpoint = replace(endpoint, audit=audit, effect=effect)
        declared.append(endpoint)
    return declared


PAGES = _declared(PAGES)
API = _declared(API)
ENDPOINTS = PAGES + API


@shared(readonly=True)
def matrix_world(personas) -> World:
    """The matrix's world, once per module (tests/shared.py); requests point at its ids."""
    members = {role: getattr(personas, role.value) for role in Role}
    return build_world(personas.org, members)


@shared(readonly=True)
def cast(personas) -> Personas:
    """The personas themselves, not a copy per test: the 2,054 cases only read them (a copy
    each was 3 % of the module's time)."""
    return personas


@shared(readonly=True)
def doors(personas) -> dict[int, Door]:
    """Each persona's two ways in, made once per module: a logged-in browser session and a
    personal API token of the organisation the persona belongs to."""
    users = [getattr(personas, role.value) for role in Role] + [personas.outsider]
    return {
        user.pk: Door.open(personas.other_org if user == personas.outsider else personas.org, user)
        for user in users
    }


def _sent(endpoint: Endpoint, door: Door, world, auth: str) -> Answer:
    """Send the endpoint's request through one door, recording what it wrote."""
    client, headers = door.client(auth)
    return answer(lambda: endpoint.send(client, world, **headers))


# Refusals: the permission decorator answers before the view runs or looks anything up, so
# these cases need no data (a GhostWorld names objects that do not exist) and are proven to
# change nothing by the absence of any INSERT, UPDATE or DELETE during the request.

DENIED = [(role, e) for role in Role for e in ENDPOINTS if not can(role, e.action)]


@pytest.mark.parametrize(("role", "endpoint"), DENIED, ids=[f"{r}-{e}" for r, e in DENIED])
def test_each_role_is_refused_what_the_permission_table_denies(role, endpoint, cast, doors):
    user = getattr(cast, role.value)
    auth = "session" if endpoint.kind == "page" else "token"

    sent = _sent(endpoint.refused(), doors[user.pk], GhostWorld(cast.org), auth)

    assert sent.response.status_code == 403, sent.response.content[:500]
    assert sent.writes == []
    if endpoint.kind == "api":
        assert sent.response.json()["errors"] == []


WITH_BODY = [e for e in API if e.data is not None]


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=[str(e) for e in WITH_BODY])
def test_the_refused_body_is_one_an_allowed_role_gets_a_422_for(endpoint, cast, doors):
    """403 before 422: the body every refusal above sends is invalid, and a role that may
    use the operation is told so (the ghost world's ids are never looked up)."""
    role = next(role for role in Role if can(role, endpoint.action))
    user = getattr(cast, role.value)

    sent = _sent(endpoint.refused(), doors[user.pk], GhostWorld(cast.org), "token")

    assert sent.response.status_code == 422, sent.response.content[:500]
    assert sent.writes == []


OUTSIDER_CASES = [(e, "session") for e in PAGES] + [
    (e, auth) for e in API for auth in ("token", "session")
]


@pytest.mark.parametrize(
    ("endpoint", "auth"), OUTSIDER_CASES, ids=[f"{e}-{a}" for e, a in OUTSIDER_CASES]
)
def test_outsider_gets_404_everywhere_and_changes_nothing(endpoint, auth, cast, doors):
    # The token is a perfectly valid one — of the outsider's own organisation.
    sent = _sent(endpoint.refused(), doors[cast.outsider.pk], GhostWorld(cast.org), auth)

    assert sent.response.status_code == 404, sent.response.content[:500]
    assert sent.writes == []


# What the table allows: the request succeeds on the real world; a read writes nothing (a
# read of a person's record writes exactly its access entry); a write makes the change its
# endpoint declares (`effect`, false before and true after) and records its audit entry.

ALLOWED = [(role, e) for role in Role for e in ENDPOINTS if can(role, e.action)]


@pytest.mark.parametrize(("role", "endpoint"), ALLOWED, ids=[f"{r}-{e}" for r, e in ALLOWED])
def test_each_role_gets_exactly_what_the_permission_table_allows(
    role, endpoint, cast, matrix_world, doors
):
    user = getattr(cast, role.value)
    world = matrix_world.for_user(user)
    auth = "session" if endpoint.kind == "page" else "token"
    audit_before = last_audit_pk()
    if not endpoint.safe:
        assert endpoint.effect is not None, f"{endpoint} declares no effect"
        with scope(organization=world.org):
            assert not endpoint.effect(world), f"{endpoint}: the effect holds before the request"

    sent = _sent(endpoint, doors[user.pk], world, auth)

    assert sent.response.status_code in {200, 201, 204, 302}, sent.response.content[:500]
    recorded = audit_actions_since(audit_before)
    if endpoint.safe:
        # Opening a person's record, or exporting, writes its one access entry; nothing else.
        assert len(recorded) == (1 if endpoint.logs_access else 0), recorded
        assert set(sent.writes) <= ({"INSERT core_auditentry"} if endpoint.logs_access else set())
    else:
        with scope(organization=world.org):
            assert endpoint.effect(world), f"{endpoint}: the declared effect did not happen"
        assert endpoint.audit in recorded, (endpoint.audit, recorded)


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
    role, endpoint, personas, matrix_world, doors
):
    user = getattr(personas, role.value)
    client, headers = doors[user.pk].client("token")

    response = endpoint.send(client, matrix_world.for_user(user), **headers)

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
def test_the_person_page_shows_contact_details_exactly_to_roles_allowed(
    role, org, personas, matrix_world, doors
):
    user = getattr(personas, role.value)
    world = matrix_world
    client, _headers = doors[user.pk].client("session")

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
