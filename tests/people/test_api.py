"""The people API: persons and households over token auth — identity numbers validated,
unique, never in ordinary output, revealed only with an audit entry; output that follows
the role; referrers kept to their own records; household history; every change audited
as made through the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from kindred.people import services
from kindred.people.models import HouseholdMember, Person
from tests.api.test_api import Api, assert_audited, field_errors, last_entry
from tests.conftest import api_token, audit_count, snapshot

ORG = "/organizations/home"
CPR = "211062-5629"
DETAIL_KEYS = {
    "birth_date",
    "phone",
    "email",
    "street",
    "postcode",
    "city",
    "country",
    "notes",
    "has_national_id",
    "national_id_country",
}


def api_as(org, user) -> Api:
    api = Api(api_token(org, user))
    # Use the token once so its "last used" time does not change the snapshots below.
    assert api.get("/me").status_code == 200
    return api


@pytest.fixture
def as_admin(org, admin) -> Api:
    return api_as(org, admin)


@pytest.fixture
def as_coordinator(org, coordinator) -> Api:
    return api_as(org, coordinator)


@pytest.fixture
def as_volunteer(org, volunteer) -> Api:
    return api_as(org, volunteer)


@pytest.fixture
def as_referrer(org, referrer) -> Api:
    return api_as(org, referrer)


def make_person(org, actor, given="Anna", national_id=None, **values) -> Person:
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": given, "family_name": "Jensen", **values},
            actor=actor,
            national_id=national_id,
        )


def make_household(org, actor, label="Jensen") -> object:
    with scope(organization=org):
        return services.create_household(org=org, values={"label": label}, actor=actor)


def anna_at_home(org, admin, person):
    """A household with `person` as its head since 1 January 2024: (household, member)."""
    household = make_household(org, admin)
    with scope(organization=org):
        member = services.add_to_household(
            org=org,
            household=household,
            person=person,
            relation="head",
            actor=admin,
            joined_on=date(2024, 1, 1),
        )
    return household, member


@pytest.fixture
def anna(org, admin) -> Person:
    return make_person(
        org,
        admin,
        national_id=("DK", CPR),
        phone="21 43 65 87",
        email="anna@example.test",
        street="Vestergade 1",
        city="Herning",
        notes="Allergic to nuts",
    )


# Persons -----------------------------------------------------------------------------------


def test_admin_registers_a_person_with_an_identity_number_that_is_never_shown(org, as_admin):
    response = as_admin.post(
        f"{ORG}/persons",
        {
            "given_name": "Bo",
            "family_name": "Hansen",
            "phone": "21 43 65 87",
            "national_id": {"country": "DK", "number": CPR},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+4521436587"
    assert body["has_national_id"] is True and body["national_id_country"] == "DK"
    assert body["birth_date"] == "1862-10-21"  # taken from the number (CPR century rules)
    assert "national_id" not in body
    assert "5629" not in response.content.decode()
    assert_audited(org, "person.created")
    assert "5629" not in str(last_entry(org).changes)


@pytest.mark.parametrize(
    ("national_id", "field"),
    [
        ({"country": "DK", "number": "511062-5629"}, "national_id"),  # no 51st day
        ({"country": "NO", "number": "01010112345"}, "national_id"),  # not supported
        ({"country": "DK"}, "national_id.number"),  # missing
        ({"country": "FI", "number": "010110+1230"}, "national_id"),  # born 1810: a typo
    ],
)
def test_invalid_identity_number_is_refused_naming_the_field_and_nothing_is_saved(
    org, as_admin, national_id, field
):
    before = snapshot(org)
    response = as_admin.post(f"{ORG}/persons", {"given_name": "Bo", "national_id": national_id})
    assert response.status_code == 422
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_the_same_identity_number_twice_is_a_conflict(org, as_admin, anna):
    before = snapshot(org)
    response = as_admin.post(
        f"{ORG}/persons",
        {"given_name": "Other", "national_id": {"country": "DK", "number": "2110625629"}},
    )
    assert response.status_code == 409
    assert "national_id" in field_errors(response)
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"given_name": "Bo", "email": "not-an-address"}, "email"),
        ({"given_name": "Bo", "phone": "12"}, "phone"),
        ({"given_name": "Bo", "birth_year": 1200}, "birth_year"),
        ({"given_name": "Bo", "birth_date": "0001-01-01"}, "birth_date"),
        ({"given_name": "Bo", "gender": "dragon"}, "gender"),
        ({"given_name": "Bo", "country": "ZZ"}, "country"),
    ],
)
def test_bad_person_input_is_422_naming_the_field(org, as_admin, payload, field):
    before = snapshot(org)
    response = as_admin.post(f"{ORG}/persons", payload)
    assert response.status_code == 422, response.content
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_changing_a_person_is_audited_through_the_api(org, as_admin, anna):
    response = as_admin.patch(f"{ORG}/persons/{anna.pk}", {"city": "Ikast", "notes": "New"})
    assert response.status_code == 200
    assert response.json()["city"] == "Ikast"
    assert_audited(org, "person.updated")
    assert last_entry(org).changes["notes"] == ["•••", "•••"]


def test_replacing_the_identity_number_checks_it_and_audits_it_masked(org, as_admin, anna):
    response = as_admin.patch(
        f"{ORG}/persons/{anna.pk}",
        {"national_id": {"country": "SE", "number": "880320-0016"}},
    )
    assert response.status_code == 200
    assert response.json()["national_id_country"] == "SE"
    assert_audited(org, "person.updated")
    assert "0016" not in str(last_entry(org).changes)


def test_null_for_a_required_field_names_it(org, as_admin, anna):
    before = snapshot(org)
    response = as_admin.patch(f"{ORG}/persons/{anna.pk}", {"given_name": None})
    assert response.status_code == 422
    assert "given_name" in field_errors(response)
    assert snapshot(org) == before


def test_person_list_searches_filters_by_household_and_sorts(org, admin, as_admin, anna):
    bo = make_person(org, admin, "Bo", family_name="Ærø")
    make_person(org, admin, "Carl", family_name="Berg")
    household = make_household(org, admin)
    with scope(organization=org):
        services.add_to_household(
            org=org, household=household, person=bo, relation="head", actor=admin
        )

    def names(**params):
        response = as_admin.get(f"{ORG}/persons", params)
        assert response.status_code == 200, response.content
        return [p["given_name"] for p in response.json()["items"]]

    assert names() == ["Carl", "Anna", "Bo"]
    assert names(sort="-name") == ["Bo", "Anna", "Carl"]
    assert names(q="aero") == ["Bo"]
    assert names(household=household.pk) == ["Bo"]
    assert as_admin.get(f"{ORG}/persons", {"page_size": 2}).json()["pages"] == 2


def test_volunteer_sees_names_but_no_contact_details_notes_or_identity(org, as_volunteer, anna):
    detail = as_volunteer.get(f"{ORG}/persons/{anna.pk}")
    assert detail.status_code == 200
    listed = as_volunteer.get(f"{ORG}/persons").json()["items"][0]
    for body in (detail.json(), listed):
        assert body["given_name"] == "Anna" and body["birth_year"] == 1862
        assert not DETAIL_KEYS & set(body), "a volunteer must not receive these fields"
    text = detail.content.decode() + str(listed)
    assert "Allergic" not in text and "4521436587" not in text and "Vestergade" not in text


def test_coordinator_sees_details_but_not_the_number(as_coordinator, anna):
    body = as_coordinator.get(f"{ORG}/persons/{anna.pk}").json()
    assert set(body) >= DETAIL_KEYS
    assert body["notes"] == "Allergic to nuts" and body["has_national_id"] is True
    assert "5629" not in str(body)


def test_reveal_gives_the_number_and_is_audited(org, as_coordinator, anna):
    response = as_coordinator.post(f"{ORG}/persons/{anna.pk}/reveal-identity-number")
    assert response.status_code == 200
    assert response.json() == {"national_id": "2110625629", "country": "DK"}
    assert_audited(org, "person.identity_revealed")
    assert last_entry(org).object_id == str(anna.pk)


@pytest.mark.parametrize("persona", ["as_volunteer", "as_referrer"])
def test_reveal_is_forbidden_without_the_right_and_changes_nothing(org, request, anna, persona):
    api = request.getfixturevalue(persona)
    before = snapshot(org)
    response = api.post(f"{ORG}/persons/{anna.pk}/reveal-identity-number")
    assert response.status_code == 403
    assert "5629" not in response.content.decode()
    assert snapshot(org) == before


def test_reveal_without_a_recorded_number_is_404(org, admin, as_admin):
    person = make_person(org, admin, "NoNumber")
    before = audit_count(org)
    assert as_admin.post(f"{ORG}/persons/{person.pk}/reveal-identity-number").status_code == 404
    assert audit_count(org) == before


def test_lookup_finds_the_person_without_returning_the_number(org, as_admin, anna):
    response = as_admin.get(f"{ORG}/persons/lookup", {"country": "DK", "number": "2110625629"})
    assert response.status_code == 200
    assert response.json()["id"] == anna.pk
    assert "5629" not in response.content.decode()


def test_lookup_answers_404_for_an_unknown_number_and_422_for_an_invalid_one(as_admin, anna):
    unknown = as_admin.get(f"{ORG}/persons/lookup", {"country": "SE", "number": "880320-0016"})
    assert unknown.status_code == 404
    invalid = as_admin.get(f"{ORG}/persons/lookup", {"country": "DK", "number": "511062-5629"})
    assert invalid.status_code == 422
    assert "number" in field_errors(invalid)
    unsupported = as_admin.get(f"{ORG}/persons/lookup", {"country": "NO", "number": "1"})
    assert "country" in field_errors(unsupported)


@pytest.mark.parametrize("persona", ["as_volunteer", "as_referrer"])
def test_lookup_needs_the_right_to_reveal_identity_numbers(request, anna, persona):
    api = request.getfixturevalue(persona)
    response = api.get(f"{ORG}/persons/lookup", {"country": "DK", "number": CPR})
    assert response.status_code == 403
    assert str(anna.pk) not in str(response.json())


def test_referrer_sees_and_changes_only_their_own_records(org, admin, referrer, as_referrer, anna):
    own = make_person(org, referrer, "Own")
    others_household = make_household(org, admin, "Theirs")
    assert [p["id"] for p in as_referrer.get(f"{ORG}/persons").json()["items"]] == [own.pk]
    assert as_referrer.get(f"{ORG}/households").json()["items"] == []
    before = snapshot(org)
    assert as_referrer.get(f"{ORG}/persons/{anna.pk}").status_code == 404
    assert as_referrer.patch(f"{ORG}/persons/{anna.pk}", {"city": "X"}).status_code == 404
    assert as_referrer.get(f"{ORG}/households/{others_household.pk}").status_code == 404
    response = as_referrer.post(
        f"{ORG}/households/{others_household.pk}/members",
        {"person_id": own.pk, "relation": "head"},
    )
    assert response.status_code == 404
    assert snapshot(org) == before
    # Their own person, in a household of their own: visible, with details.
    mine = as_referrer.post(f"{ORG}/households", {"label": "Mine"}).json()
    # Someone else's person cannot be added to it either.
    response = as_referrer.post(
        f"{ORG}/households/{mine['id']}/members", {"person_id": anna.pk, "relation": "child"}
    )
    assert response.status_code == 404
    assert "person_id" in field_errors(response)
    assert as_referrer.get(f"{ORG}/persons/{own.pk}").json()["notes"] == ""


def test_referrer_creates_a_person_and_sees_it(org, referrer, as_referrer):
    response = as_referrer.post(f"{ORG}/persons", {"given_name": "Mine", "notes": "Private"})
    assert response.status_code == 201
    assert_audited(org, "person.created")
    person_id = response.json()["id"]
    assert as_referrer.get(f"{ORG}/persons/{person_id}").json()["notes"] == "Private"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/persons", None),
        ("post", "/persons", {"given_name": "X"}),
        ("get", "/persons/{person}", None),
        ("patch", "/persons/{person}", {"city": "X"}),
        ("post", "/persons/{person}/reveal-identity-number", None),
        ("get", "/persons/lookup?country=DK&number=2110625629", None),
        ("get", "/households", None),
        ("post", "/households", {"label": "X"}),
        ("get", "/households/{household}", None),
        ("post", "/households/{household}/members", {"person_id": 1, "relation": "head"}),
    ],
)
def test_outsider_gets_404_and_changes_nothing(
    org, other_org, outsider, admin, anna, method, path, data
):
    household = make_household(org, admin)
    api = api_as(other_org, outsider)
    before = snapshot(org)
    url = ORG + path.format(person=anna.pk, household=household.pk)
    response = getattr(api, method)(url) if data is None else getattr(api, method)(url, data)
    assert response.status_code == 404
    assert snapshot(org) == before


# Households --------------------------------------------------------------------------------


def test_household_members_join_leave_and_keep_their_history(org, admin, as_admin, anna):
    first = as_admin.post(f"{ORG}/households", {"label": "Jensen", "city": "Herning"})
    assert first.status_code == 201
    assert first.json()["size"] == 0 and first.json()["members"] == []
    assert_audited(org, "household.created")
    first_id = first.json()["id"]

    joined = as_admin.post(
        f"{ORG}/households/{first_id}/members",
        {"person_id": anna.pk, "relation": "head", "joined_on": "2024-01-01"},
    )
    assert joined.status_code == 201, joined.content
    assert joined.json()["person_name"] == "Anna Jensen"
    assert_audited(org, "household.member_added")

    again = as_admin.post(
        f"{ORG}/households/{first_id}/members", {"person_id": anna.pk, "relation": "head"}
    )
    assert again.status_code == 409

    second_id = as_admin.post(f"{ORG}/households", {"label": "New home"}).json()["id"]
    moved = as_admin.post(
        f"{ORG}/households/{second_id}/members",
        {"person_id": anna.pk, "relation": "partner", "joined_on": "2025-06-01"},
    )
    assert moved.status_code == 201

    old = as_admin.get(f"{ORG}/households/{first_id}").json()
    assert old["size"] == 0 and old["members"] == []
    assert [(m["person_id"], m["joined_on"], m["left_on"]) for m in old["history"]] == [
        (anna.pk, "2024-01-01", "2025-06-01")
    ]
    new = as_admin.get(f"{ORG}/households/{second_id}").json()
    assert new["size"] == 1 and [m["relation"] for m in new["members"]] == ["partner"]

    member_id = new["members"][0]["id"]
    left = as_admin.post(
        f"{ORG}/households/{second_id}/members/{member_id}/leave", {"left_on": "2025-07-01"}
    )
    assert left.status_code == 200
    assert left.json()["left_on"] == "2025-07-01"
    assert_audited(org, "household.member_left")
    with scopes_disabled():
        assert not HouseholdMember.objects.filter(person=anna, left_on=None).exists()

    before = snapshot(org)
    twice = as_admin.post(f"{ORG}/households/{second_id}/members/{member_id}/leave", {})
    assert twice.status_code == 409
    assert snapshot(org) == before


def test_leaving_without_a_body_leaves_today(org, admin, as_admin, anna):
    household, member = anna_at_home(org, admin, anna)
    url = f"/api/v1{ORG}/households/{household.pk}/members/{member.pk}/leave"
    response = as_admin.client.generic("POST", url, b"", **as_admin.headers)  # like curl -X POST
    assert response.status_code == 200, response.content
    assert response.json()["left_on"] is not None
    assert_audited(org, "household.member_left")


def test_leaving_before_joining_is_422_naming_left_on(org, admin, as_admin, anna):
    household, member = anna_at_home(org, admin, anna)
    before = snapshot(org)
    response = as_admin.post(
        f"{ORG}/households/{household.pk}/members/{member.pk}/leave", {"left_on": "2023-01-01"}
    )
    assert response.status_code == 422
    assert "left_on" in field_errors(response)
    assert snapshot(org) == before


def test_member_of_another_household_is_404(org, admin, as_admin, anna):
    household = make_household(org, admin)
    other = make_household(org, admin, "Other")
    with scope(organization=org):
        member = services.add_to_household(
            org=org, household=household, person=anna, relation="head", actor=admin
        )
    response = as_admin.post(f"{ORG}/households/{other.pk}/members/{member.pk}/leave", {})
    assert response.status_code == 404


def test_volunteer_sees_households_without_addresses_and_cannot_change_them(
    org, admin, as_volunteer, anna
):
    household = make_household(org, admin)
    with scope(organization=org):
        services.add_to_household(
            org=org, household=household, person=anna, relation="head", actor=admin
        )
    body = as_volunteer.get(f"{ORG}/households/{household.pk}").json()
    assert body["size"] == 1 and body["members"][0]["person_name"] == "Anna Jensen"
    assert not {"street", "postcode", "city", "country"} & set(body)
    listed = as_volunteer.get(f"{ORG}/households").json()["items"]
    assert [h["label"] for h in listed] == ["Jensen"] and "street" not in listed[0]
    before = snapshot(org)
    assert as_volunteer.post(f"{ORG}/households", {"label": "X"}).status_code == 403
    assert as_volunteer.post(f"{ORG}/persons", {"given_name": "X"}).status_code == 403
    assert snapshot(org) == before


def test_household_list_searches_and_sorts(org, admin, as_admin):
    make_household(org, admin, "Berg")
    make_household(org, admin, "Andersen")
    labels = [h["label"] for h in as_admin.get(f"{ORG}/households").json()["items"]]
    assert labels == ["Andersen", "Berg"]
    reverse = as_admin.get(f"{ORG}/households", {"sort": "-label"}).json()["items"]
    assert [h["label"] for h in reverse] == ["Berg", "Andersen"]
    found = as_admin.get(f"{ORG}/households", {"q": "ber"}).json()["items"]
    assert [h["label"] for h in found] == ["Berg"]


@pytest.mark.parametrize("path", ["/persons", "/households"])
def test_lists_cost_the_same_queries_for_any_number_of_rows(org, admin, as_admin, path):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_admin.get(f"{ORG}{path}").status_code == 200
        return len(captured)

    make_person(org, admin, "First")
    make_household(org, admin, "First")
    few = queries_for_list()
    for n in range(6):
        make_person(org, admin, f"P{n}")
        make_household(org, admin, f"H{n}")
    assert queries_for_list() == few
