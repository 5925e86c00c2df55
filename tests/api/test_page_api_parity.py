"""A page and the API are one operation: for each write workflow, the same input sent
through the page's form and through the API writes the same rows and audit entries, or is
refused with the same status and writes nothing (issue 13, item 3).

Each case runs twice in one test, page first, each inside a savepoint that is rolled back,
so both start from the same database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.aid.models import HelpRequest
from kindred.core.models import AuditEntry
from kindred.people import services as people
from tests.aid.builders import family
from tests.conftest import api_caller, item_type, make_location, make_site, shared, snapshot


@dataclass(frozen=True)
class Outcome:
    """What a request did: success or the refusal's status, how many rows each table
    gained or changed, and the audit actions written (in order)."""

    status: str
    added: dict
    changed: dict
    actions: tuple

    def __str__(self) -> str:
        return f"{self.status} +{self.added} ~{self.changed} {self.actions}"


def _rows(table: list[tuple]) -> dict:
    return {row[0]: row for row in table}


def outcome(org, send) -> tuple[Outcome, object]:
    """Run `send()` in a savepoint that is rolled back; what it did, and its response."""
    with scopes_disabled():
        last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = snapshot(org)
    with transaction.atomic():
        response = send()
        after = snapshot(org)
        with scopes_disabled():
            actions = tuple(
                AuditEntry.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("action", flat=True)
            )
        transaction.set_rollback(True)
    added, changed = Counter(), Counter()
    for table, rows in after.items():
        if table in ("org", "audit"):
            continue
        old, new = _rows(before[table]), _rows(rows)
        added[table] = len(new.keys() - old.keys())
        changed[table] = sum(1 for pk in new.keys() & old.keys() if new[pk] != old[pk])
    status = "ok" if response.status_code < 400 else str(response.status_code)
    result = Outcome(
        status=status,
        added={t: n for t, n in added.items() if n},
        changed={t: n for t, n in changed.items() if n},
        actions=actions,
    )
    return result, response


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_same(org, page, api) -> Outcome:
    by_page, page_response = outcome(org, page)
    by_api, api_response = outcome(org, api)
    assert by_page == by_api, f"page: {by_page}\n api: {by_api}"
    if by_page.status == "ok":
        assert page_response.status_code == 302, page_response.content[:300]
        assert api_response.status_code in (200, 201)
    return by_page


# Shared data: a site with a shelf, registered donors, households ------------------------


@shared
def world(personas):
    org, other = personas.org, personas.other_org
    site = make_site(org, "Intake hall")
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    with scope(organization=org):
        donor = people.create_person(
            org=org, values={"given_name": "Karen", "family_name": "Holm"}, actor=None
        )
        bakery = people.create_contact(
            org=org, values={"kind": "company", "name": "Bageriet ApS"}, actor=None
        )
        existing = people.create_person(
            org=org,
            values={"given_name": "Amal", "family_name": "Hassan", "phone": "+4520304050"},
            actor=None,
        )
    household = family(org, "Petrov", adults=2, children=[2016])
    with scope(organization=other):
        stranger = people.create_person(
            org=other, values={"given_name": "Sven", "family_name": "Berg"}, actor=None
        )
    other_household = family(other, "Lind")
    return {
        "site": site.pk,
        "shelf": shelf.pk,
        "donor": donor.pk,
        "bakery": bakery.pk,
        "existing": existing.pk,
        "household": household.pk,
        "stranger": stranger.pk,
        "other_household": other_household.pk,
    }


# Intake: who gave ------------------------------------------------------------------------

DONORS = {
    # name: (page fields, API fields, expected status)
    "anonymous": ({"donor_kind": "", "donor": ""}, {"donor_kind": "anonymous"}, "ok"),
    "named": (
        {"donor_kind": "", "donor": "Mrs Holm"},
        {"donor_kind": "named", "donor_name": "Mrs Holm"},
        "ok",
    ),
    "registered person": (
        {"donor_kind": "person", "donor_person": "{donor}", "donor": "Karen Holm"},
        {"donor_kind": "person", "donor_person_id": "{donor}"},
        "ok",
    ),
    "registered company": (
        {"donor_kind": "contact", "donor_contact": "{bakery}", "donor": "Bageriet ApS"},
        {"donor_kind": "contact", "donor_contact_id": "{bakery}"},
        "ok",
    ),
    "another organisation's person": (
        {"donor_kind": "person", "donor_person": "{stranger}", "donor": "Sven Berg"},
        {"donor_kind": "person", "donor_person_id": "{stranger}"},
        "404",
    ),
    "a company that is not there": (
        {"donor_kind": "contact", "donor_contact": "999999", "donor": "Gone ApS"},
        {"donor_kind": "contact", "donor_contact_id": 999999},
        "404",
    ),
}


def _fill(values: dict, world: dict) -> dict:
    filled = {}
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("{"):
            value = world[value.strip("{}")]
        filled[key] = value
    return filled


@pytest.mark.parametrize("case", DONORS)
def test_intake_records_the_same_donor_through_the_page_and_the_api(case, org, world, volunteer):
    page_donor, api_donor, expected = DONORS[case]
    jacket = item_type(org, "child-winter-jacket")
    page_data = {
        "site": world["site"],
        "received_on": "2025-02-03",
        "channel": "drop_off",
        "idempotency_key": f"page-{case}",
        "lines-0-item_type": jacket.pk,
        "lines-0-size": "110",
        "lines-0-quantity": "3",
        "lines-0-grade": "good",
        "lines-0-location": world["shelf"],
        **_fill(page_donor, world),
    }
    api_data = {
        "site_id": world["site"],
        "received_on": "2025-02-03",
        "channel": "drop_off",
        "idempotency_key": f"api-{case}",
        "lines": [
            {
                "item_type_id": jacket.pk,
                "size": "110",
                "quantity": "3",
                "grade": "good",
                "location_id": world["shelf"],
            }
        ],
        **_fill(api_donor, world),
    }
    page = page_client(volunteer)
    api = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/goods")
    result = assert_same(
        org,
        lambda: page.post(reverse("goods:intake", kwargs={"org_slug": org.slug}), page_data),
        lambda: api("post", "/receipts", api_data),
    )
    assert result.status == expected
    if expected == "ok":
        assert result.added["goods.DonationReceipt"] == 1
        assert "receipt.recorded" in result.actions
    else:
        assert result.added == {} and result.changed == {} and result.actions == ()


# Help requests: the source by role, and a new household with its request -------------------


def _request_page_data(org, lines=True, **extra) -> dict:
    data = {
        "household": "",
        "given_name": "",
        "family_name": "",
        "phone": "",
        "email": "",
        "note": "",
        "referrer_organisation": "",
        "language": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **extra,
    }
    if lines:
        data.update(
            {
                "lines-0-item_type": item_type(org, "child-winter-jacket").pk,
                "lines-0-sizes": "110",
                "lines-0-quantity": "2",
                "lines-0-urgency": "2",
                "lines-0-note": "",
            }
        )
    return data


API_LINES = [{"item_type": "child-winter-jacket", "sizes": ["110"], "quantity": 2, "urgency": 2}]

REQUESTS = {
    # name: (role, page fields, API fields, expected status, expected source)
    "staff, existing household": (
        "coordinator",
        {"household": "{household}"},
        {"household_id": "{household}"},
        "ok",
        "staff",
    ),
    "staff, new household": (
        "coordinator",
        {"given_name": "Olena", "family_name": "Koval", "phone": "+4520304051"},
        {"household": {"given_name": "Olena", "family_name": "Koval", "phone": "+4520304051"}},
        "ok",
        "staff",
    ),
    "referrer, new household": (
        "referrer",
        {"given_name": "Olena", "family_name": "Koval"},
        {"household": {"given_name": "Olena", "family_name": "Koval"}},
        "ok",
        "referrer",
    ),
    "referrer, a household they did not register": (
        "referrer",
        {"household": "{household}"},
        {"household_id": "{household}"},
        "404",
        None,
    ),
    "another organisation's household": (
        "coordinator",
        {"household": "{other_household}"},
        {"household_id": "{other_household}"},
        "404",
        None,
    ),
    "neither a household nor a new one": ("coordinator", {}, {}, "422", None),
}


@pytest.mark.parametrize("case", REQUESTS)
def test_a_help_request_is_registered_alike_through_the_page_and_the_api(
    case, org, world, personas
):
    role, page_fields, api_fields, expected, source = REQUESTS[case]
    user = getattr(personas, role)
    page_data = _request_page_data(org, **_fill(page_fields, world))
    api_data = {"lines": API_LINES, **_fill(api_fields, world)}
    page = page_client(user)
    api = api_caller(org, user, f"/api/v1/organizations/{org.slug}/aid")
    page_url = reverse("aid:request-new", kwargs={"org_slug": org.slug})

    def by_page():
        response = page.post(page_url, page_data)
        by_page.source = _last_source(org)
        return response

    def by_api():
        response = api("post", "/requests", api_data)
        by_api.source = _last_source(org)
        return response

    result = assert_same(org, by_page, by_api)
    assert result.status == expected
    if expected == "ok":
        assert result.added["aid.HelpRequest"] == 1
        assert by_page.source == by_api.source == source
        new_household = "household" not in page_fields
        assert result.added.get("people.Household", 0) == (1 if new_household else 0)
    else:
        assert result.added == {} and result.actions == ()


def _last_source(org) -> str | None:
    with scopes_disabled():
        last = HelpRequest.objects.filter(organization=org).order_by("-pk").first()
    return last.source if last else None


# Registering a person: into a household, or merged into an existing record ---------------

PERSONS = {
    # name: (role, page extra, API extra, expected status)
    "a new person": ("coordinator", {}, {}, "ok"),
    "into a household": (
        "coordinator",
        {"household": "{household}", "relation": "child"},
        {"household_id": "{household}", "relation": "child"},
        "ok",
    ),
    "merged into an existing person": (
        "coordinator",
        {"merge_into": "{existing}"},
        {"merge_into_id": "{existing}"},
        "ok",
    ),
    "merged by a role without the right": (
        "referrer",
        {"merge_into": "{existing}"},
        {"merge_into_id": "{existing}"},
        "403",
    ),
    "merged into another organisation's person": (
        "admin",
        {"merge_into": "{stranger}"},
        {"merge_into_id": "{stranger}"},
        "404",
    ),
}


@pytest.mark.parametrize("case", PERSONS)
def test_a_person_is_registered_or_merged_alike_through_the_page_and_the_api(
    case, org, world, personas
):
    role, page_extra, api_extra, expected = PERSONS[case]
    user = getattr(personas, role)
    details = {"given_name": "Amal", "family_name": "Hassan", "email": "amal@example.org"}
    page_data = {**details, "duplicates": "new", **_fill(page_extra, world)}
    api_data = {**details, **_fill(api_extra, world)}
    page = page_client(user)
    api = api_caller(org, user, f"/api/v1/organizations/{org.slug}")
    page_url = reverse("people:person-new", kwargs={"org_slug": org.slug})
    result = assert_same(
        org, lambda: page.post(page_url, page_data), lambda: api("post", "/persons", api_data)
    )
    assert result.status == expected
    if case == "merged into an existing person":
        # What was typed went into the existing record: it changed, no second one remains.
        assert "people.Person" not in result.added
        assert result.changed == {"people.Person": 1}
        assert result.actions == ("person.created", "person.merged")
    if expected != "ok":
        assert result.added == {} and result.changed == {} and result.actions == ()


# Registering a family: the household, its members, lawful basis and consents (issue 14) ----

_FAMILY_PAGE = {
    "label": "",
    "street": "",
    "postcode": "",
    "city": "Herning",
    "duplicates": "new",
    "members-TOTAL_FORMS": "3",
    "members-INITIAL_FORMS": "0",
    "members-0-given_name": "Mette",
    "members-0-family_name": "Jensen",
    "members-0-birth_date": "1988-04-02",
    "members-0-phone": "20304050",
    "members-0-relation": "head",
    "members-0-national_id": "020488-1236",
    "members-1-given_name": "Emil",
    "members-1-family_name": "Jensen",
    "members-1-birth_date": "2015-09-14",
    "members-1-relation": "child",
    "members-2-given_name": "Ida",
    "members-2-family_name": "Jensen",
    "members-2-birth_date": "2019-01-30",
    "members-2-relation": "child",
}
_FAMILY_API = {
    "city": "Herning",
    "members": [
        {
            "given_name": "Mette",
            "family_name": "Jensen",
            "birth_date": "1988-04-02",
            "phone": "20304050",
            "relation": "head",
            "national_id": {"country": "DK", "number": "020488-1236"},
        },
        {
            "given_name": "Emil",
            "family_name": "Jensen",
            "birth_date": "2015-09-14",
            "relation": "child",
        },
        {
            "given_name": "Ida",
            "family_name": "Jensen",
            "birth_date": "2019-01-30",
            "relation": "child",
        },
    ],
}

FAMILIES = {
    # name: (role, page changes, API changes, expected status)
    "mother and two children with consent": (
        "coordinator",
        {"lawful_basis": "consent", "consents": "{newsletter}"},
        {"lawful_basis": "consent", "consent_purpose_ids": "{newsletter}"},
        "ok",
    ),
    "by a referrer, on legitimate interest": (
        "referrer",
        {"lawful_basis": "legitimate_interest"},
        {"lawful_basis": "legitimate_interest"},
        "ok",
    ),
    "another organisation's purpose": (
        "coordinator",
        {"lawful_basis": "consent", "consents": "{other_newsletter}"},
        {"lawful_basis": "consent", "consent_purpose_ids": "{other_newsletter}"},
        "404",
    ),
    "two heads": (
        "coordinator",
        {"lawful_basis": "consent", "members-2-relation": "head"},
        {"lawful_basis": "consent", "members.2.relation": "head"},
        "422",
    ),
    "a child's number is already registered": (
        "coordinator",
        {"lawful_basis": "consent", "members-1-national_id": "{taken_cpr}"},
        {"lawful_basis": "consent", "members.1.national_id": "{taken_cpr}"},
        "409",
    ),
}


def _family_api(changes: dict) -> dict:
    body = {**_FAMILY_API, "members": [dict(m) for m in _FAMILY_API["members"]]}
    for key, value in changes.items():
        if key.startswith("members."):
            _members, number, name = key.split(".")
            member = body["members"][int(number)]
            member[name] = {"country": "DK", "number": value} if name == "national_id" else value
        elif key == "consent_purpose_ids":
            body[key] = [value]
        else:
            body[key] = value
    return body


@pytest.mark.parametrize("case", FAMILIES)
def test_a_family_is_registered_alike_through_the_page_and_the_api(case, org, world, personas):
    role, page_changes, api_changes, expected = FAMILIES[case]
    user = getattr(personas, role)
    with scope(organization=org):
        purposes = {p.key: p.pk for p in people.ensure_default_purposes(org)}
        people.create_person(
            org=org, values={"given_name": "Taken"}, national_id=("DK", "0101851234"), actor=None
        )
    with scope(organization=personas.other_org):
        other = {p.key: p.pk for p in people.ensure_default_purposes(personas.other_org)}
    values = {
        **world,
        "newsletter": purposes["newsletter"],
        "other_newsletter": other["newsletter"],
        "taken_cpr": "010185-1234",
    }
    page_data = {**_FAMILY_PAGE, **_fill(page_changes, values)}
    api_data = _family_api(_fill(api_changes, values))
    page = page_client(user)
    api = api_caller(org, user, f"/api/v1/organizations/{org.slug}")
    page_url = reverse("people:family-new", kwargs={"org_slug": org.slug})
    result = assert_same(
        org,
        lambda: page.post(page_url, page_data),
        lambda: api("post", "/households/register", api_data),
    )
    assert result.status == expected
    if expected == "ok":
        assert result.added["people.Household"] == 1
        assert result.added["people.Person"] == 3
        assert result.added["people.HouseholdMember"] == 3
        consents = 4 if "consents" in page_changes else 3
        assert result.added["people.Consent"] == consents
    else:
        assert result.added == {} and result.actions == ()
