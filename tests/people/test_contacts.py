"""Contacts (companies, associations, public bodies) and their contact persons: registration
numbers checked per country with translated messages naming the field, unique per
organisation, at most one main contact, pages and API with the same rules, tenant isolation
and roles (volunteers and referrers do not see contacts)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kindred.core.audit import action_label
from kindred.core.models import AuditEntry
from kindred.core.services import Conflict, Invalid
from kindred.people import services
from kindred.people.models import Contact, ContactPerson, Person
from tests.api.test_api import assert_audited, field_errors
from tests.conftest import snapshot
from tests.people.test_api import api_as

ORG = "/organizations/home"


def contact(org, actor, name="Bageriet Herning ApS", **values) -> Contact:
    with scope(organization=org):
        return services.create_contact(org=org, values={"name": name, **values}, actor=actor)


def person(org, actor, given="Lene", family="Holm", **values) -> Person:
    with scope(organization=org):
        return services.create_person(
            org=org, values={"given_name": given, "family_name": family, **values}, actor=actor
        )


def link(org, actor, company, who, **kwargs) -> ContactPerson:
    with scope(organization=org):
        return services.add_contact_person(
            org=org, contact=company, person=who, actor=actor, **kwargs
        )


def url(name: str, org, *args) -> str:
    return reverse(f"people:{name}", args=[org.slug, *args])


def text(response) -> str:
    return response.content.decode()


def main_contacts(company) -> list[str]:
    with scopes_disabled():
        return [
            cp.person.full_name
            for cp in ContactPerson.objects.filter(contact=company, is_primary=True)
        ]


def actions(org) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=org)
            .order_by("id")
            .values_list("action", flat=True)
        )


# Registration numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "written", "stored"),
    [
        ("DK", "DK 13 58 56 28", "13585628"),  # CVR
        ("SE", "556036-0793", "5560360793"),  # organisationsnummer
        ("FI", "2077474-0", "20774740"),  # Y-tunnus
        ("BG", "BG 175 074 752", "175074752"),  # EIK of a legal entity
        ("BG", "1213961230342", "1213961230342"),  # 13-digit BULSTAT of a branch
        ("NO", "  923 609 016 ", "923 609 016"),  # not checked: kept as written, trimmed
    ],
)
def test_registration_numbers_are_checked_per_country_and_stored_compact(
    org, coordinator, country, written, stored
):
    company = contact(org, coordinator, registration_country=country, registration_number=written)
    assert company.registration_number == stored


BAD_NUMBERS = [
    ("DK", "13585627", "checksum"),
    ("DK", "1358562", "length"),
    ("DK", "1358562X", "format"),
    ("SE", "5560360794", "checksum"),
    ("SE", "55603607", "length"),
    ("FI", "2077474-1", "checksum"),
    ("BG", "175074751", "checksum"),
    ("BG", "1213961230343", "checksum"),
    ("BG", "17507475", "length"),
]


@pytest.mark.parametrize(("country", "number", "reason"), BAD_NUMBERS)
def test_a_bad_registration_number_is_refused_in_the_readers_language_naming_the_field(
    org, coordinator, country, number, reason
):
    before = snapshot(org)
    with translation.override("da"), pytest.raises(Invalid) as caught:
        contact(org, coordinator, registration_country=country, registration_number=number)
    assert caught.value.field == "registration_number"
    with translation.override("da"):
        assert caught.value.message == services.registration_message(reason, country)
    assert snapshot(org) == before


def test_the_messages_say_what_is_wrong_and_what_the_country_expects(db):
    with translation.override("en"):
        assert "check digit" in services.registration_message("checksum", "DK")
        length = services.registration_message("length", "DK")
        assert "wrong number of digits" in length and "CVR number has 8 digits" in length
        assert "EIK (BULSTAT) has 9 or 13" in services.registration_message("length", "BG")
        assert services.registration_message("format", "NO").startswith("The registration number")


def test_a_bad_number_on_the_page_shows_the_danish_message_under_the_field(
    org, coordinator, client_for
):
    coordinator.language = "da"
    coordinator.save(update_fields=["language"])
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("contact-new", org),
        {
            "kind": "company",
            "name": "Bageriet",
            "registration_country": "DK",
            "registration_number": "13585627",
        },
    )
    assert response.status_code == 400
    with translation.override("da"):
        expected = services.registration_message("checksum", "DK")
    error = re.search(
        r'<p class="error" id="id_registration_number_error">(.*?)</p>', text(response)
    )
    assert error and error.group(1).replace("&#x27;", "'") == expected
    assert snapshot(org) == before


def test_a_number_without_its_country_is_refused_naming_the_country_field(org, coordinator):
    with scope(organization=org), pytest.raises(Invalid) as caught:
        services.create_contact(
            org=org, values={"name": "X", "registration_number": "13585628"}, actor=coordinator
        )
    assert caught.value.field == "registration_country"


def test_a_registration_number_is_unique_in_the_organisation_and_country(
    org, other_org, coordinator, outsider
):
    first = contact(org, coordinator, registration_country="DK", registration_number="13585628")
    before = snapshot(org)
    with pytest.raises(Conflict) as caught:
        contact(
            org, coordinator, "Copy", registration_country="DK", registration_number="DK13585628"
        )
    assert caught.value.field == "registration_number"
    assert first.name in caught.value.message
    assert snapshot(org) == before
    # The same digits in another country, or in another organisation, are someone else.
    contact(org, coordinator, "Norsk", registration_country="NO", registration_number="13585628")
    contact(other_org, outsider, registration_country="DK", registration_number="13585628")
    # Changing another contact to the same number is refused too.
    second = contact(org, coordinator, "Second")
    with scope(organization=org), pytest.raises(Conflict):
        services.update_contact(
            org=org,
            contact=second,
            values={"registration_country": "DK", "registration_number": "13 58 56 28"},
            actor=coordinator,
        )


def test_changing_only_the_country_checks_the_kept_number_for_the_new_country(org, coordinator):
    company = contact(org, coordinator, registration_country="NO", registration_number="12345")
    with scope(organization=org), pytest.raises(Invalid) as caught:
        services.update_contact(
            org=org, contact=company, values={"registration_country": "DK"}, actor=coordinator
        )
    assert caught.value.field == "registration_number"


def test_contact_changes_are_audited_with_labelled_actions(org, coordinator):
    company = contact(org, coordinator, phone="97 12 34 56", email=" Info@Bageriet.DK ")
    assert (company.phone, company.email) == ("+4597123456", "info@bageriet.dk")
    lene = person(org, coordinator)
    with scope(organization=org):
        services.update_contact(
            org=org, contact=company, values={"city": "Ikast"}, actor=coordinator
        )
        services.update_contact(  # nothing changed: nothing audited
            org=org, contact=company, values={"city": "Ikast"}, actor=coordinator
        )
        cp = services.add_contact_person(org=org, contact=company, person=lene, actor=coordinator)
        services.update_contact_person(
            org=org, contact_person=cp, job_title="Manager", actor=coordinator
        )
        services.remove_contact_person(org=org, contact_person=cp, actor=coordinator)
        services.set_contact_archived(org=org, contact=company, archived=True, actor=coordinator)
        services.set_contact_archived(org=org, contact=company, archived=False, actor=coordinator)
    written = [a for a in actions(org) if a.startswith("contact.")]
    assert written == [
        "contact.created",
        "contact.updated",
        "contact.person_added",
        "contact.person_updated",
        "contact.person_removed",
        "contact.archived",
        "contact.restored",
    ]
    with translation.override("en"):
        assert all(action_label(a) != a for a in written)


# Contact persons -----------------------------------------------------------------------------


def test_at_most_one_main_contact_setting_one_clears_the_other(org, coordinator):
    company = contact(org, coordinator)
    lene, per = person(org, coordinator), person(org, coordinator, "Per", "Dam")
    first = link(org, coordinator, company, lene, is_primary=True)
    assert main_contacts(company) == ["Lene Holm"]
    link(org, coordinator, company, per, is_primary=True)
    assert main_contacts(company) == ["Per Dam"]
    with scope(organization=org):
        services.update_contact_person(
            org=org, contact_person=first, is_primary=True, actor=coordinator
        )
    assert main_contacts(company) == ["Lene Holm"]
    with scope(organization=org):
        services.update_contact_person(
            org=org, contact_person=first, is_primary=False, actor=coordinator
        )
    assert main_contacts(company) == []


def test_a_new_contact_person_is_registered_in_the_person_registry(org, fundraiser):
    company = contact(org, fundraiser)
    with scope(organization=org):
        cp = services.add_contact_person(
            org=org,
            contact=company,
            person_values={"given_name": "Lene", "family_name": "Holm", "phone": "20 30 40 50"},
            job_title="  Owner ",
            actor=fundraiser,
        )
        lene = Person.objects.get(pk=cp.person_id)
    assert (lene.full_name, lene.phone, lene.created_by) == ("Lene Holm", "+4520304050", fundraiser)
    assert cp.job_title == "Owner"
    assert "person.created" in actions(org)


def test_a_contact_person_is_added_once_and_a_bad_phone_saves_nothing(org, coordinator):
    company = contact(org, coordinator)
    lene = person(org, coordinator)
    link(org, coordinator, company, lene)
    before = snapshot(org)
    with scope(organization=org):
        with pytest.raises(Conflict) as again:
            services.add_contact_person(org=org, contact=company, person=lene, actor=coordinator)
        with pytest.raises(Invalid) as neither:
            services.add_contact_person(org=org, contact=company, actor=coordinator)
        with pytest.raises(Invalid) as phone:
            services.add_contact_person(
                org=org,
                contact=company,
                person_values={"given_name": "Per", "phone": "12"},
                is_primary=True,
                actor=coordinator,
            )
    assert (again.value.field, neither.value.field, phone.value.field) == (
        "person",
        "person",
        "phone",
    )
    assert snapshot(org) == before


def test_removing_a_contact_person_keeps_their_person_record(org, coordinator):
    company = contact(org, coordinator)
    cp = link(org, coordinator, company, person(org, coordinator))
    with scope(organization=org):
        services.remove_contact_person(org=org, contact_person=cp, actor=coordinator)
        assert not ContactPerson.objects.filter(contact=company).exists()
        assert Person.objects.filter(pk=cp.person_id).exists()


# Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def companies(org, coordinator):
    bakery = contact(
        org,
        coordinator,
        "Bageriet Ærø",
        kind="company",
        registration_country="DK",
        registration_number="13585628",
        city="Herning",
    )
    club = contact(org, coordinator, "Herning Lions Club", kind="association", city="Herning")
    council = contact(org, coordinator, "Ikast-Brande Kommune", kind="public_body", city="Ikast")
    old = contact(org, coordinator, "Gamle Købmand", city="Herning")
    with scope(organization=org):
        services.set_contact_archived(org=org, contact=old, archived=True, actor=coordinator)
    link(org, coordinator, bakery, person(org, coordinator), is_primary=True)
    return {"bakery": bakery, "club": club, "council": council, "old": old}


def names_on(response) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong></a>", text(response))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Bageriet Ærø", "Herning Lions Club", "Ikast-Brande Kommune"]),
        ({"q": "baeriet aero"}, []),
        ({"q": "bageriet aero"}, ["Bageriet Ærø"]),  # any accents
        ({"q": "DK 13 58 56 28"}, ["Bageriet Ærø"]),  # the number with separators
        ({"q": "ikast"}, ["Ikast-Brande Kommune"]),  # the city
        ({"kind": "association"}, ["Herning Lions Club"]),
        ({"show": "archived"}, ["Gamle Købmand"]),
        ({"show": "all", "q": "herning"}, ["Bageriet Ærø", "Gamle Købmand", "Herning Lions Club"]),
        ({"sort": "city"}, ["Bageriet Ærø", "Herning Lions Club", "Ikast-Brande Kommune"]),
        ({"sort": "newest"}, ["Ikast-Brande Kommune", "Herning Lions Club", "Bageriet Ærø"]),
    ],
)
def test_the_contact_list_searches_filters_and_sorts(
    org, coordinator, companies, client_for, params, expected
):
    response = client_for(coordinator).get(url("contacts", org), params)
    assert response.status_code == 200
    assert names_on(response) == expected


def test_the_contact_list_shows_the_main_contact_and_says_when_it_is_empty(
    org, admin, coordinator, companies, client_for
):
    body = text(client_for(coordinator).get(url("contacts", org)))
    assert "Lene Holm" in body and "3 contacts" in body
    assert "No contact matches these filters." in text(
        client_for(coordinator).get(url("contacts", org), {"q": "nobody"})
    )
    with scopes_disabled():
        Contact.objects.all().delete()
    assert "No contacts yet." in text(client_for(admin).get(url("contacts", org)))


def test_the_contact_list_pages_and_costs_the_same_queries_for_30_contacts_as_for_3(
    org, coordinator, client_for
):
    client = client_for(coordinator)
    client.get(url("contacts", org))  # the first visit writes the session; not measured

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("contacts", org)).status_code == 200
        return len(queries)

    for i in range(3):
        company = contact(org, coordinator, f"Firma {i:02}")
        link(org, coordinator, company, person(org, coordinator, f"P{i}"), is_primary=True)
    few = count()
    for i in range(3, 30):
        company = contact(org, coordinator, f"Firma {i:02}")
        link(org, coordinator, company, person(org, coordinator, f"P{i}"), is_primary=True)
    assert count() == few
    page2 = client.get(url("contacts", org), {"page": 2})
    assert names_on(page2) == [f"Firma {i:02}" for i in range(25, 30)]


def test_adding_and_editing_a_contact_through_the_pages(org, coordinator, client_for):
    client = client_for(coordinator)
    form = text(client.get(url("contact-new", org)))
    assert '<option value="DK" selected>' in form  # the organisation's country first
    response = client.post(
        url("contact-new", org),
        {
            "kind": "company",
            "name": "Bageriet",
            "registration_country": "DK",
            "registration_number": "13 58 56 28",
            "phone": "97 12 34 56",
            "website": "bageriet.dk",
        },
    )
    with scope(organization=org):
        company = Contact.objects.get(name="Bageriet")
    assert response.status_code == 302 and response.url == url("contact", org, company.pk)
    assert (company.registration_number, company.phone) == ("13585628", "+4597123456")
    assert company.website == "https://bageriet.dk"
    response = client.post(
        url("contact-edit", org, company.pk),
        {
            "kind": "association",
            "name": "Bageriet",
            "registration_country": "DK",
            "registration_number": "13585628",
            "city": "Ikast",
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.kind, company.city) == ("association", "Ikast")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
        (
            {"registration_country": "SE", "registration_number": "5560360794"},
            "registration_number",
        ),
        ({"registration_country": "", "registration_number": "5560360793"}, "registration_country"),
    ],
)
def test_bad_contact_input_answers_400_on_the_field_and_saves_nothing(
    org, coordinator, client_for, values, field
):
    before = snapshot(org)
    data = {"kind": "company", "name": "Bageriet", **values}
    response = client_for(coordinator).post(url("contact-new", org), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)
    assert snapshot(org) == before


def test_a_clashing_number_on_the_page_answers_400_naming_the_other_contact(
    org, coordinator, companies, client_for
):
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("contact-new", org),
        {
            "kind": "company",
            "name": "Copy",
            "registration_country": "DK",
            "registration_number": "13585628",
        },
    )
    assert response.status_code == 400
    assert 'id="id_registration_number_error"' in text(response)
    assert "Bageriet Ærø" in text(response)
    assert snapshot(org) == before


def test_the_contact_page_lists_persons_main_first_and_sets_the_main_contact(
    org, coordinator, companies, client_for
):
    bakery = companies["bakery"]
    per = person(org, coordinator, "Per", "Dam", email="per@bageriet.dk")
    cp = link(org, coordinator, bakery, per, job_title="Baker")
    client = client_for(coordinator)
    body = text(client.get(url("contact", org, bakery.pk)))
    assert body.index("Lene Holm") < body.index("Per Dam")
    assert "Baker" in body and "per@bageriet.dk" in body
    response = client.post(url("contact-person-main", org, bakery.pk, cp.pk))
    assert response.status_code == 302
    assert main_contacts(bakery) == ["Per Dam"]
    response = client.post(url("contact-person-remove", org, bakery.pk, cp.pk))
    assert response.status_code == 302
    with scope(organization=org):
        assert list(bakery.people.values_list("person__given_name", flat=True)) == ["Lene"]


def test_a_coordinator_can_link_an_existing_person_a_fundraiser_only_a_new_one(
    org, coordinator, fundraiser, companies, client_for
):
    bakery = companies["club"]
    anna = person(org, coordinator, "Anna", "Berg")
    form = text(client_for(coordinator).get(url("contact-person-add", org, bakery.pk)))
    assert 'name="person"' in form and "Anna Berg" in form
    response = client_for(coordinator).post(
        url("contact-person-add", org, bakery.pk), {"person": anna.pk, "is_primary": "on"}
    )
    assert response.status_code == 302
    assert main_contacts(bakery) == ["Anna Berg"]

    form = text(client_for(fundraiser).get(url("contact-person-add", org, bakery.pk)))
    assert 'name="person"' not in form and "Anna Berg" not in form
    response = client_for(fundraiser).post(
        url("contact-person-add", org, bakery.pk),
        {"given_name": "Ole", "family_name": "Sponsor", "job_title": "Chair", "is_primary": "on"},
    )
    assert response.status_code == 302
    assert main_contacts(bakery) == ["Ole Sponsor"]


def test_a_contact_person_form_with_both_or_neither_answers_400(
    org, coordinator, companies, client_for
):
    anna = person(org, coordinator, "Anna", "Berg")
    before = snapshot(org)
    client = client_for(coordinator)
    target = url("contact-person-add", org, companies["club"].pk)
    both = client.post(target, {"person": anna.pk, "given_name": "Ole"})
    neither = client.post(target, {"job_title": "Chair"})
    assert both.status_code == neither.status_code == 400
    assert 'id="id_given_name_error"' in text(both) and 'id="id_given_name_error"' in text(neither)
    assert snapshot(org) == before


def test_archiving_a_contact_hides_it_from_the_list_until_restored(
    org, coordinator, companies, client_for
):
    club = companies["club"]
    client = client_for(coordinator)
    assert client.post(url("contact-archive", org, club.pk), {"archived": "1"}).status_code == 302
    assert "Herning Lions Club" not in names_on(client.get(url("contacts", org)))
    assert client.post(url("contact-archive", org, club.pk), {"archived": "0"}).status_code == 302
    assert "Herning Lions Club" in names_on(client.get(url("contacts", org)))


@pytest.mark.parametrize("role", ["admin", "coordinator", "fundraiser", "volunteer", "referrer"])
def test_the_contacts_menu_item_is_shown_to_roles_that_may_see_contacts(
    org, request, client_for, role
):
    user = request.getfixturevalue(role)
    body = text(client_for(user).get(reverse("core:dashboard", args=[org.slug])))
    assert (url("contacts", org) in body) == (role in {"admin", "coordinator", "fundraiser"})


def test_an_outsider_gets_404_for_every_contact_page_and_changes_nothing(
    org, coordinator, outsider, companies, client_for
):
    bakery = companies["bakery"]
    with scopes_disabled():
        cp = bakery.people.get()
    before = snapshot(org)
    client = client_for(outsider)
    for target, data in [
        (url("contact", org, bakery.pk), None),
        (url("contact-edit", org, bakery.pk), {"kind": "company", "name": "Stolen"}),
        (url("contact-archive", org, bakery.pk), {"archived": "1"}),
        (url("contact-person-add", org, bakery.pk), {"given_name": "Eve"}),
        (url("contact-person-remove", org, bakery.pk, cp.pk), {}),
    ]:
        response = client.get(target) if data is None else client.post(target, data)
        assert response.status_code == 404, target
    assert snapshot(org) == before


def test_a_contact_of_another_organisation_is_404_inside_ones_own(
    org, other_org, coordinator, outsider, client_for
):
    theirs = contact(other_org, outsider, "Their Partner AB")
    response = client_for(coordinator).get(url("contact", org, theirs.pk))
    assert response.status_code == 404


# API -----------------------------------------------------------------------------------------


@pytest.fixture
def as_coordinator(org, coordinator):
    return api_as(org, coordinator)


def test_contacts_through_the_api_create_read_change_archive(org, as_coordinator):
    response = as_coordinator.post(
        f"{ORG}/contacts",
        {
            "name": "Bageriet",
            "registration_country": "DK",
            "registration_number": "DK 13 58 56 28",
            "phone": "97 12 34 56",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["registration_number"], body["phone"], body["people"]) == (
        "13585628",
        "+4597123456",
        [],
    )
    assert_audited(org, "contact.created")
    contact_id = body["id"]
    found = as_coordinator.get(f"{ORG}/contacts", {"q": "13585628"}).json()
    assert [c["name"] for c in found["items"]] == ["Bageriet"]
    response = as_coordinator.patch(
        f"{ORG}/contacts/{contact_id}", {"city": "Ikast", "archived": True}
    )
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["archived"]) == ("Ikast", True)
    assert as_coordinator.get(f"{ORG}/contacts").json()["count"] == 0
    archived = as_coordinator.get(f"{ORG}/contacts", {"show": "archived"}).json()
    assert [c["id"] for c in archived["items"]] == [contact_id]


def test_api_bad_number_is_422_with_a_translated_message_naming_the_field(org, as_coordinator):
    before = snapshot(org)
    response = as_coordinator.post(
        f"{ORG}/contacts",
        {"name": "X", "registration_country": "SE", "registration_number": "5560360794"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 422
    with translation.override("sv"):
        expected = services.registration_message("checksum", "SE")
    assert field_errors(response) == {"registration_number": expected}
    assert snapshot(org) == before


def test_api_clashing_number_is_409_and_saves_nothing(org, coordinator, as_coordinator, companies):
    before = snapshot(org)
    response = as_coordinator.post(
        f"{ORG}/contacts",
        {"name": "Copy", "registration_country": "DK", "registration_number": "13585628"},
    )
    assert response.status_code == 409
    assert "registration_number" in field_errors(response)
    assert snapshot(org) == before


def test_api_contact_persons_add_main_contact_and_remove(
    org, coordinator, as_coordinator, companies
):
    bakery = companies["bakery"]
    anna = person(org, coordinator, "Anna", "Berg")
    base = f"{ORG}/contacts/{bakery.pk}/people"
    response = as_coordinator.post(base, {"person_id": anna.pk, "is_primary": True})
    assert response.status_code == 201, response.content
    added = response.json()
    assert (added["person_name"], added["is_primary"]) == ("Anna Berg", True)
    assert main_contacts(bakery) == ["Anna Berg"]
    new = as_coordinator.post(base, {"person": {"given_name": "Ole"}, "job_title": "Chair"})
    assert new.status_code == 201
    listed = as_coordinator.get(base).json()["items"]
    assert [p["person_name"] for p in listed] == ["Anna Berg", "Lene Holm", "Ole"]
    response = as_coordinator.patch(f"{base}/{new.json()['id']}", {"is_primary": True})
    assert response.status_code == 200 and main_contacts(bakery) == ["Ole"]
    assert as_coordinator.delete(f"{base}/{added['id']}").status_code == 204
    detail = as_coordinator.get(f"{ORG}/contacts/{bakery.pk}").json()
    assert [p["person_name"] for p in detail["people"]] == ["Ole", "Lene Holm"]
    assert detail["main_contact_name"] == "Ole"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({}, 422, "person"),  # neither an existing nor a new person
        ({"person_id": 10**9}, 404, "person_id"),
        ({"person": {"given_name": ""}}, 422, "person.given_name"),
        ({"person": {"given_name": "Ole"}, "job_title": "x" * 101}, 422, "job_title"),
    ],
)
def test_api_bad_contact_person_input_is_refused_and_saves_nothing(
    org, as_coordinator, companies, payload, status, field
):
    before = snapshot(org)
    response = as_coordinator.post(f"{ORG}/contacts/{companies['club'].pk}/people", payload)
    assert response.status_code == status
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_api_a_fundraiser_may_not_pick_an_existing_person(org, coordinator, fundraiser, companies):
    anna = person(org, coordinator, "Anna", "Berg")
    client = api_as(org, fundraiser)
    before = snapshot(org)
    response = client.post(f"{ORG}/contacts/{companies['club'].pk}/people", {"person_id": anna.pk})
    assert response.status_code == 403
    assert snapshot(org) == before


def test_api_outsider_gets_404_for_contacts_and_changes_nothing(
    org, other_org, outsider, companies
):
    bakery = companies["bakery"]
    with scopes_disabled():
        cp = bakery.people.get()
    before = snapshot(org)
    theirs = api_as(other_org, outsider)
    for method, path, data in [
        ("get", f"{ORG}/contacts", None),
        ("get", f"{ORG}/contacts/{bakery.pk}", None),
        ("patch", f"{ORG}/contacts/{bakery.pk}", {"name": "Stolen"}),
        ("post", f"{ORG}/contacts/{bakery.pk}/people", {"person": {"given_name": "Eve"}}),
        ("delete", f"{ORG}/contacts/{bakery.pk}/people/{cp.pk}", None),
    ]:
        args = (path,) if data is None else (path, data)
        assert getattr(theirs, method)(*args).status_code == 404, path
    # Inside their own organisation, our contact's id is simply not there.
    other = "/organizations/other"
    assert theirs.get(f"{other}/contacts/{bakery.pk}").status_code == 404
    assert theirs.patch(f"{other}/contacts/{bakery.pk}", {"name": "Stolen"}).status_code == 404
    assert snapshot(org) == before


@pytest.mark.parametrize("role", ["volunteer", "referrer"])
def test_api_roles_without_contacts_get_403_and_change_nothing(org, request, companies, role):
    client = api_as(org, request.getfixturevalue(role))
    before = snapshot(org)
    assert client.get(f"{ORG}/contacts").status_code == 403
    assert client.post(f"{ORG}/contacts", {"name": "X"}).status_code == 403
    assert snapshot(org) == before


# Demo ----------------------------------------------------------------------------------------
