"""Registering a family in one form (issue 14 item 3): the household, its members, the
lawful basis for every member and the head's consents, all or nothing — through the
service, the page (with rows added without the script, the live duplicate check per row,
errors on the row they are about) and the API; another organisation sees none of it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.services import Conflict, Invalid
from kindred.people import services
from kindred.people.models import Consent, Household, HouseholdMember, Person
from kindred.people.services import FamilyMember, RegisterFamily
from tests.conftest import api_caller, shared, snapshot
from tests.writes import answer

CPR_MOTHER = "020488-1236"
CPR_BAD_DATE = "321385-1234"  # no 32nd of anything: the check refuses it


@shared
def existing(personas):
    """A person already registered, for the duplicate check."""
    org = personas.org
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": "Amal", "family_name": "Hassan", "birth_date": date(1984, 2, 9)},
            actor=None,
        )


def membership(org, user):
    return user.memberships.get(organization=org)


def purpose_ids(org) -> dict[str, int]:
    with scope(organization=org):
        return {p.key: p.pk for p in services.ensure_default_purposes(org)}


def mother_and_two(org, **extra) -> RegisterFamily:
    values = {
        "household": {"label": "", "city": "Herning"},
        "members": [
            FamilyMember(
                values={"given_name": "Mette", "family_name": "Jensen", "phone": "20304050"},
                relation="head",
                national_id=("DK", CPR_MOTHER),
            ),
            FamilyMember(values={"given_name": "Emil", "family_name": "Jensen"}, relation="child"),
            FamilyMember(
                values={
                    "given_name": "Ida",
                    "family_name": "Jensen",
                    "birth_date": date(2019, 1, 30),
                },
                relation="child",
            ),
        ],
        "lawful_basis": "consent",
        "consent_purpose_ids": [purpose_ids(org)["newsletter"]],
    }
    values.update(extra)
    return RegisterFamily(**values)


def register(org, user, command):
    with scope(organization=org):
        return services.register_family(org=org, membership=membership(org, user), command=command)


# The service ----------------------------------------------------------------------------


def test_a_family_is_registered_with_its_members_basis_and_consents(org, coordinator):
    household = register(org, coordinator, mother_and_two(org))
    with scope(organization=org):
        members = list(HouseholdMember.objects.filter(household=household).select_related("person"))
        consents = list(Consent.objects.filter(person__in=[m.person for m in members]))
    assert household.label == "Jensen" and household.city == "Herning"
    assert sorted((m.person.given_name, m.relation) for m in members) == [
        ("Emil", "child"),
        ("Ida", "child"),
        ("Mette", "head"),
    ]
    mother = next(m.person for m in members if m.relation == "head")
    assert mother.has_national_id and mother.birth_date == date(1988, 4, 2)
    assert mother.phone == "+4520304050"
    help_records = [c for c in consents if c.purpose.key == "help-records"]
    assert len(help_records) == 3 and {c.basis for c in help_records} == {"consent"}
    assert all(c.wording for c in help_records)  # the wording shown is kept
    newsletter = [c for c in consents if c.purpose.key == "newsletter"]
    assert [c.person_id for c in newsletter] == [mother.pk]


def test_a_bad_child_row_saves_nothing(org, coordinator):
    with scope(organization=org):
        services.create_person(
            org=org,
            values={"given_name": "Someone"},
            national_id=("DK", "0101851234"),
            actor=None,
        )
    command = mother_and_two(org)
    child = FamilyMember(
        values={"given_name": "Ida"}, relation="child", national_id=("DK", "0101851234")
    )
    command = RegisterFamily(
        household=command.household,
        members=[*command.members[:2], child],
        lawful_basis="consent",
    )
    before = snapshot(org)
    with pytest.raises(Conflict) as error:
        register(org, coordinator, command)
    assert error.value.field == "members.2.national_id"
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lawful_basis": ""}, "lawful_basis"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"members": []}, "members"),
        (
            {"members": [FamilyMember(values={"given_name": "Ida"}, relation="child")]},
            "members.0.relation",
        ),
        (
            {
                "members": [
                    FamilyMember(values={"given_name": "A"}, relation="head"),
                    FamilyMember(values={"given_name": "B"}, relation="head"),
                ]
            },
            "members.1.relation",
        ),
        (
            {
                "members": [
                    FamilyMember(
                        values={"given_name": "A"}, relation="head", national_id=("DK", "1")
                    )
                ]
            },
            "members.0.national_id",
        ),
        ({"members": [FamilyMember(values={}, relation="head")]}, "members.0.given_name"),
        ({"consent_purpose_ids": [999999]}, "consent_purpose_ids"),
    ],
)
def test_a_refused_family_names_the_field_and_writes_nothing(org, coordinator, change, field):
    command = mother_and_two(org, **change)
    before = snapshot(org)
    with pytest.raises(Invalid if field != "consent_purpose_ids" else Exception) as error:
        register(org, coordinator, command)
    assert error.value.field == field
    assert error.value.message
    assert snapshot(org) == before


def test_another_organisations_purpose_is_not_found(org, other_org, coordinator):
    command = mother_and_two(org, consent_purpose_ids=[purpose_ids(other_org)["newsletter"]])
    with pytest.raises(Exception) as error:
        register(org, coordinator, command)
    assert getattr(error.value, "status", None) == 404


def test_a_role_that_may_not_record_consent_is_refused(org, volunteer):
    with pytest.raises(PermissionDenied):
        register(org, volunteer, mother_and_two(org))


def test_another_organisation_cannot_see_the_family(org, coordinator, outsider, client):
    household = register(org, coordinator, mother_and_two(org))
    client.force_login(outsider)
    page = reverse("people:household", kwargs={"org_slug": org.slug, "household_id": household.pk})
    assert client.get(page).status_code == 404
    with scopes_disabled():
        person = Person.objects.get(organization=org, given_name="Ida")
    person_page = reverse("people:person", kwargs={"org_slug": org.slug, "person_id": person.pk})
    assert client.get(person_page).status_code == 404
    api = api_caller(other_org_of(outsider), outsider, "/api/v1/organizations")
    assert api("get", f"/{org.slug}/households/{household.pk}").status_code in (403, 404)


def other_org_of(user):
    with scopes_disabled():
        return user.memberships.get().organization


# The page -------------------------------------------------------------------------------


def page_data(org, rows: list[dict], **extra) -> dict:
    data = {
        "label": "",
        "street": "",
        "postcode": "",
        "city": "Herning",
        "lawful_basis": "consent",
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for name in ("given_name", "family_name", "birth_date", "phone", "relation"):
            data[f"members-{i}-{name}"] = row.get(name, "")
        data[f"members-{i}-national_id"] = row.get("national_id", "")
    data.update(extra)
    return data


MOTHER = {
    "given_name": "Mette",
    "family_name": "Jensen",
    "birth_date": "1988-04-02",
    "relation": "head",
    "phone": "20 30 40 50",
}
EMIL = {
    "given_name": "Emil",
    "family_name": "Jensen",
    "birth_date": "2015-09-14",
    "relation": "child",
}
IDA = {
    "given_name": "Ida",
    "family_name": "Jensen",
    "birth_date": "2019-01-30",
    "relation": "child",
}


def family_url(org) -> str:
    return reverse("people:family-new", kwargs={"org_slug": org.slug})


def test_the_form_offers_a_head_and_a_child_row_with_labelled_fields(client, org, coordinator):
    client.force_login(coordinator)
    html = client.get(family_url(org)).content.decode()
    for row in (0, 1):
        for name in ("given_name", "family_name", "birth_date", "phone", "relation", "national_id"):
            assert f'for="id_members-{row}-{name}"' in html, name
    assert 'type="date"' in html
    assert 'value="head" selected' in html.replace('selected=""', "selected")
    # Every lawful basis with its explanation, the purposes' wording.
    assert "legitimate_interest" in html and "The usual basis for help records" in html
    assert "newsletter" in html.lower()


def test_the_page_registers_the_family_and_goes_on_to_its_request(client, org, coordinator):
    client.force_login(coordinator)
    blank = {"relation": "child"}  # a row added and left empty is not a member
    data = page_data(org, [MOTHER, EMIL, IDA, blank], duplicates="new")
    response = client.post(family_url(org), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        household = Household.objects.filter(organization=org).latest("pk")
        assert household.members.count() == 3
    assert response["Location"] == (
        reverse("aid:request-new", kwargs={"org_slug": org.slug}) + f"?household={household.pk}"
    )
    form = client.get(response["Location"]).content.decode()
    assert f'<option value="{household.pk}" selected>' in form


def test_a_wrong_cpr_number_is_shown_on_its_row_and_saves_nothing(client, org, coordinator):
    client.force_login(coordinator)
    client.get(family_url(org))  # the session is written once, at the first request
    data = page_data(org, [MOTHER, {**EMIL, "national_id": CPR_BAD_DATE}], duplicates="new")
    sent = answer(lambda: client.post(family_url(org), data))
    assert sent.response.status_code == 422
    assert sent.writes == []
    html = sent.response.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_members-1-national_id"' in html
    assert "does not contain a valid birth date" in html
    assert 'value="Emil"' in html  # kept as typed


def test_the_lawful_basis_is_required(client, org, coordinator):
    client.force_login(coordinator)
    client.get(family_url(org))
    data = page_data(org, [MOTHER], lawful_basis="", duplicates="new")
    sent = answer(lambda: client.post(family_url(org), data))
    assert sent.response.status_code == 422 and sent.writes == []
    assert 'href="#id_lawful_basis"' in sent.response.content.decode()


def test_without_the_script_a_row_is_added_by_submitting(client, org, coordinator):
    client.force_login(coordinator)
    client.get(family_url(org))
    data = page_data(org, [MOTHER], lawful_basis="", add="child")
    sent = answer(lambda: client.post(family_url(org), data))
    html = sent.response.content.decode()
    assert sent.response.status_code == 200 and sent.writes == []
    assert 'value="Mette"' in html and 'id="id_members-1-given_name"' in html
    assert "data-error-summary" not in html  # adding a row is not a mistake


def test_a_possible_duplicate_is_shown_on_its_row_before_saving(client, org, coordinator, existing):
    client.force_login(coordinator)
    client.get(family_url(org))
    amal = {
        "given_name": "Amal",
        "family_name": "Hasan",
        "birth_date": "1984-02-09",
        "relation": "head",
    }
    sent = answer(lambda: client.post(family_url(org), page_data(org, [amal, EMIL])))
    html = sent.response.content.decode()
    assert sent.response.status_code == 200 and sent.writes == []
    assert 'id="members-0-duplicates"' in html and "Amal Hassan" in html
    assert 'name="duplicates" value="new"' in html


def test_the_live_duplicate_check_reads_one_row(client, org, coordinator, existing):
    client.force_login(coordinator)
    url = reverse("people:person-duplicate-check", kwargs={"org_slug": org.slug})
    data = {
        "members-1-given_name": "Amal",
        "members-1-family_name": "Hasan",
        "members-1-birth_date": "1984-02-09",
        "members-0-given_name": "Mette",
    }
    html = client.post(url + "?prefix=members-1", data).content.decode()
    assert "Amal Hassan" in html and 'id="members-1-duplicates"' in html
    assert "Amal Hassan" not in client.post(url + "?prefix=members-0", data).content.decode()


# The API ---------------------------------------------------------------------------------


def test_the_api_registers_a_family_and_names_the_member_of_an_error(org, coordinator):
    api = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}")
    body = {
        "city": "Herning",
        "lawful_basis": "legitimate_interest",
        "members": [
            {
                "given_name": "Mette",
                "family_name": "Jensen",
                "relation": "head",
                "national_id": {"country": "DK", "number": CPR_MOTHER},
            },
            {"given_name": "Ida", "relation": "child", "birth_date": "2019-01-30"},
        ],
    }
    response = api("post", "/households/register", body)
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "Jensen"
    assert [m["relation"] for m in response.json()["members"]] == ["head", "child"]
    body["members"][1]["national_id"] = {"country": "DK", "number": CPR_BAD_DATE}
    before = snapshot(org)
    refused = api("post", "/households/register", body)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["members.1.national_id"]
    assert snapshot(org) == before


def test_each_members_leaving_date_has_a_visible_label(client, org, coordinator):
    household = register(org, coordinator, mother_and_two(org))
    client.force_login(coordinator)
    page = reverse("people:household", kwargs={"org_slug": org.slug, "household_id": household.pk})
    html = client.get(page).content.decode()
    labels = re.findall(r'<label for="left_on-\d+"( class="[^"]*")?>', html)
    assert len(labels) == 3 and not any("visually-hidden" in extra for extra in labels)
    assert html.count('aria-describedby="left_on-') == 3
