"""Person and household pages: what each role sees, what each form changes, and that a
refused form saves nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import identity, services
from kindred.people.models import Household, HouseholdMember, Person
from tests.conftest import make_member, snapshot

CPR = "211062-5629"


def url(name: str, org, *args) -> str:
    return reverse(f"people:{name}", args=[org.slug, *args])


def text(response) -> str:
    return response.content.decode()


def person(org, actor, given="Anna", family="Hansen", **values) -> Person:
    national_id = values.pop("national_id", None)
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": given, "family_name": family, **values},
            actor=actor,
            national_id=national_id,
        )


def household(org, actor, label="Hansen", members=(), **values) -> Household:
    """A household with `members`: (person, relation, joined_on) triples."""
    with scope(organization=org):
        home = services.create_household(org=org, values={"label": label, **values}, actor=actor)
        for member, relation, joined_on in members:
            services.add_to_household(
                org=org,
                household=home,
                person=member,
                relation=relation,
                joined_on=joined_on,
                actor=actor,
            )
    return home


def audit_actions(org) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=org)
            .order_by("id")
            .values_list("action", flat=True)
        )


# Registering and editing -------------------------------------------------------------------


def test_registering_a_person_stores_the_phone_as_e164_and_the_number_encrypted(
    org, coordinator, client_for
):
    response = client_for(coordinator).post(
        url("person-new", org),
        {
            "given_name": "Mette",
            "family_name": "Jensen",
            "phone": "21 43 65 87",
            "languages": ["da", "uk"],
            "national_id_country": "DK",
            "national_id": CPR,
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        mette = Person.objects.get(given_name="Mette")
    assert response.url == url("person", org, mette.pk)
    assert mette.phone == "+4521436587"
    assert mette.languages == ["da", "uk"]
    assert mette.has_national_id and "5629" not in mette.national_id_ciphertext
    assert mette.birth_date == identity.birth_date("DK", CPR)  # taken from the number
    assert mette.created_by == coordinator
    assert "person.created" in audit_actions(org)


def test_a_bad_identity_number_is_refused_on_that_field_and_saves_nothing(
    org, coordinator, client_for
):
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("person-new", org),
        {
            "given_name": "Mette",
            "national_id_country": "DK",
            "national_id": "511062-5629",  # day 51
        },
    )
    assert response.status_code == 400  # the form checks the number with the other fields
    body = text(response)
    assert 'id="id_national_id_error"' in body
    assert "valid birth date" in body
    assert snapshot(org) == before


def test_a_number_registered_to_someone_else_is_refused_on_edit(org, admin, client_for):
    person(org, admin, "First", national_id=("DK", CPR))
    second = person(org, admin, "Second")
    before = snapshot(org)
    response = client_for(admin).post(
        url("person-edit", org, second.pk),
        {"given_name": "Second", "national_id_country": "DK", "national_id": "2110625629"},
    )
    assert response.status_code == 409
    assert 'id="id_national_id_error"' in text(response)
    assert snapshot(org) == before


def test_a_number_without_its_country_is_refused_by_the_form(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(
        url("person-new", org), {"given_name": "X", "national_id": CPR}
    )
    assert response.status_code == 400
    assert 'id="id_national_id_country_error"' in text(response)
    assert snapshot(org) == before


def test_an_impossible_phone_number_answers_422_on_the_phone_field(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(url("person-new", org), {"given_name": "X", "phone": "12"})
    assert response.status_code == 422
    assert 'id="id_phone_error"' in text(response)
    assert snapshot(org) == before


def test_editing_keeps_the_recorded_number_when_the_field_is_left_empty(org, admin, client_for):
    anna = person(org, admin, national_id=("DK", CPR))
    form = client_for(admin).get(url("person-edit", org, anna.pk))
    assert form.status_code == 200
    assert CPR not in text(form) and "2110625629" not in text(form)
    response = client_for(admin).post(
        url("person-edit", org, anna.pk),
        {"given_name": "Anna", "family_name": "Holm", "national_id_country": "DK"},
    )
    assert response.status_code == 302
    with scope(organization=org):
        anna.refresh_from_db()
    assert anna.family_name == "Holm"
    assert anna.has_national_id


def test_a_person_can_join_a_household_when_registered(org, referrer, client_for):
    home = household(org, referrer, "Petrov")
    response = client_for(referrer).post(
        url("person-new", org),
        {"given_name": "Ivan", "family_name": "Petrov", "household": home.pk, "relation": "head"},
    )
    assert response.status_code == 302
    with scope(organization=org):
        member = HouseholdMember.objects.get(household=home)
    assert member.person.given_name == "Ivan" and member.relation == "head"


def test_a_household_the_referrer_did_not_register_cannot_be_chosen(
    org, admin, referrer, client_for
):
    theirs = household(org, admin, "Not yours")
    before = snapshot(org)
    response = client_for(referrer).post(
        url("person-new", org),
        {"given_name": "Ivan", "household": theirs.pk, "relation": "head"},
    )
    assert response.status_code == 404  # as the API answers: not one of theirs
    assert 'id="id_household_error"' in text(response)
    assert snapshot(org) == before


# Persons list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "search"),
    [
        (("Ivan", "Petrov"), "Иван Петров"),
        (("Jørgen", "Løkke"), "Jorgen"),
        (("Jørgen", "Løkke"), "LØKKE jørgen"),
        (("Иван", "Петров"), "ivan"),
    ],
)
def test_search_ignores_accents_case_and_script(org, admin, client_for, registered, search):
    person(org, admin, *registered)
    person(org, admin, "Someone", "Else")
    body = text(client_for(admin).get(url("persons", org), {"q": search}))
    assert f"{registered[0]} {registered[1]}" in body
    assert "Someone Else" not in body


def test_the_list_filters_by_household_and_sorts_newest_first(org, admin, client_for):
    alone = person(org, admin, "Alone", "Aalto")
    housed = person(org, admin, "Housed", "Berg")
    household(org, admin, "Berg", [(housed, "head", date(2024, 1, 1))])
    client = client_for(admin)

    only_housed = text(client.get(url("persons", org), {"household": "yes"}))
    assert "Housed Berg" in only_housed and "Alone Aalto" not in only_housed
    only_alone = text(client.get(url("persons", org), {"household": "no"}))
    assert "Alone Aalto" in only_alone and "Housed Berg" not in only_alone
    newest = text(client.get(url("persons", org), {"sort": "newest"}))
    assert newest.index("Housed Berg") < newest.index("Alone Aalto")
    by_name = text(client.get(url("persons", org)))
    assert by_name.index("Alone Aalto") < by_name.index("Housed Berg")
    assert alone.pk


def test_a_filter_change_answers_with_the_rows_only(org, admin, client_for):
    person(org, admin)
    response = client_for(admin).get(url("persons", org), {"q": "anna"}, HTTP_HX_REQUEST="true")
    body = text(response)
    assert "Anna Hansen" in body
    assert "<html" not in body


def test_the_empty_list_says_so(org, admin, client_for):
    assert "No persons registered yet." in text(client_for(admin).get(url("persons", org)))
    assert "No person matches these filters." in text(
        client_for(admin).get(url("persons", org), {"q": "nobody"})
    )


def test_the_persons_list_costs_the_same_queries_for_30_persons_as_for_3(org, admin, client_for):
    client = client_for(admin)
    client.get(url("persons", org))  # the first visit writes the session; not measured
    homes = [household(org, admin, f"Home {i}") for i in range(3)]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("persons", org))
        assert response.status_code == 200
        return len(queries)

    for i in range(3):
        p = person(org, admin, f"Given{i}", f"Family{i}", phone="21436587")
        household(org, admin, f"Home of {i}", [(p, "head", date(2024, 1, 1))])
    few = count_queries()
    for i in range(3, 30):
        p = person(org, admin, f"Given{i}", f"Family{i}", phone="21436587")
        with scope(organization=org):
            services.add_to_household(
                org=org, household=homes[i % 3], person=p, relation="child", actor=admin
            )
    many = count_queries()
    assert many == few
    assert many <= 10


# Who sees what -----------------------------------------------------------------------------


def test_a_volunteer_sees_names_birth_year_and_household_but_no_contact_details(
    org, admin, volunteer, client_for
):
    anna = person(
        org,
        admin,
        phone="21436587",
        email="anna@example.test",
        street="Secret Street 1",
        notes="Allergic to nuts",
        birth_date=date(1980, 5, 17),
        national_id=("DK", CPR),
    )
    household(org, admin, "Hansen family", [(anna, "head", date(2024, 1, 1))])
    client = client_for(volunteer)
    listing = text(client.get(url("persons", org)))
    detail = text(client.get(url("person", org, anna.pk)))
    for body in (listing, detail):
        assert "Anna Hansen" in body
        assert "Hansen family" in body
        assert "+4521436587" not in body
        assert "anna@example.test" not in body
        assert "Secret Street" not in body
        assert "Allergic" not in body
        assert "Recorded, DK" not in body
    assert "1980" in detail and "17" not in detail.split("<main", 1)[1].split("</dl>")[0]
    assert url("person-edit", org, anna.pk) not in detail
    assert url("person-new", org) not in listing


def test_a_coordinator_sees_contact_details_and_only_a_masked_identity_number(
    org, admin, coordinator, client_for
):
    anna = person(org, admin, phone="21436587", notes="Allergic to nuts", national_id=("DK", CPR))
    body = text(client_for(coordinator).get(url("person", org, anna.pk)))
    assert "+4521436587" in body and "Allergic to nuts" in body
    assert "Recorded, DK" in body
    assert CPR not in body and "2110625629" not in body
    assert url("person-reveal", org, anna.pk) in body


def test_a_referrer_sees_only_what_they_registered(org, admin, referrer, client_for):
    mine = person(org, referrer, "Mine", "Own")
    theirs = person(org, admin, "Theirs", "Other")
    my_home = household(org, referrer, "My household")
    their_home = household(org, admin, "Their household")
    client = client_for(referrer)

    listing = text(client.get(url("persons", org)))
    assert "Mine Own" in listing and "Theirs Other" not in listing
    households = text(client.get(url("households", org)))
    assert "My household" in households and "Their household" not in households
    assert client.get(url("person", org, mine.pk)).status_code == 200
    assert client.get(url("household", org, my_home.pk)).status_code == 200
    before = snapshot(org)
    assert client.get(url("person", org, theirs.pk)).status_code == 404
    assert client.get(url("person-edit", org, theirs.pk)).status_code == 404
    assert client.post(url("person-edit", org, theirs.pk), {"given_name": "X"}).status_code == 404
    assert client.get(url("household", org, their_home.pk)).status_code == 404
    response = client.post(
        url("household-member-add", org, their_home.pk), {"person": mine.pk, "relation": "head"}
    )
    assert response.status_code == 404
    assert snapshot(org) == before


def test_a_referrer_cannot_add_someone_elses_person_to_their_household(
    org, admin, referrer, client_for
):
    theirs = person(org, admin, "Theirs", "Other")
    my_home = household(org, referrer, "My household")
    before = snapshot(org)
    response = client_for(referrer).post(
        url("household-member-add", org, my_home.pk), {"person": theirs.pk, "relation": "head"}
    )
    assert response.status_code == 400
    assert 'id="id_person_error"' in text(response)
    assert snapshot(org) == before


# Revealing an identity number --------------------------------------------------------------


def test_revealing_shows_the_number_once_and_writes_an_audit_entry(
    org, admin, coordinator, client_for
):
    anna = person(org, admin, national_id=("DK", CPR))
    client = client_for(coordinator)
    response = client.post(url("person-reveal", org, anna.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "2110625629" in text(response)
    assert "no-store" in response["Cache-Control"]
    assert audit_actions(org)[-1] == "person.identity_revealed"
    with scopes_disabled():
        entry = AuditEntry.objects.filter(organization=org).order_by("-id").first()
    assert entry.actor_id == coordinator.pk
    assert "2110625629" not in str(entry.changes)
    # The page itself still shows it masked.
    assert "2110625629" not in text(client.get(url("person", org, anna.pk)))


def test_revealing_without_htmx_shows_the_person_page_with_the_number(org, admin, client_for):
    anna = person(org, admin, national_id=("DK", CPR))
    response = client_for(admin).post(url("person-reveal", org, anna.pk))
    assert response.status_code == 200
    body = text(response)
    assert "2110625629" in body and "Anna Hansen" in body


def test_revealing_a_person_without_a_number_answers_404_and_logs_nothing(org, admin, client_for):
    anna = person(org, admin)
    before = snapshot(org)
    response = client_for(admin).post(url("person-reveal", org, anna.pk))
    assert response.status_code == 404
    assert snapshot(org) == before


@pytest.mark.parametrize("role", ["volunteer", "referrer"])
def test_a_role_without_the_right_gets_403_on_reveal_and_nothing_changes(
    org, admin, request, client_for, role
):
    user = request.getfixturevalue(role)
    anna = person(org, user, national_id=("DK", CPR))
    before = snapshot(org)
    response = client_for(user).post(url("person-reveal", org, anna.pk))
    assert response.status_code == 403
    assert "2110625629" not in text(response)
    assert snapshot(org) == before


# Households --------------------------------------------------------------------------------


def test_household_history_is_shown_on_the_person_and_both_households(org, admin, client_for):
    anna = person(org, admin, birth_date=date(1990, 3, 1))
    child = person(org, admin, "Lily", birth_date=date(2015, 6, 1))
    first = household(
        org,
        admin,
        "First home",
        [(anna, "head", date(2020, 1, 1)), (child, "child", date(2020, 1, 1))],
    )
    second = household(org, admin, "Second home", [(anna, "head", date(2024, 6, 1))])
    client = client_for(admin)

    detail = text(client.get(url("person", org, anna.pk)))
    assert "First home" in detail and "Second home" in detail
    assert detail.index("Second home") < detail.index("First home")  # the current one first

    first_page = text(client.get(url("household", org, first.pk)))
    current, former = first_page.split("Former members", 1)
    assert "Lily Hansen" in current and "Anna Hansen" not in current
    assert "Anna Hansen" in former
    with scope(organization=org):
        lily_age = Person.objects.get(pk=child.pk).age
    assert f">{lily_age}<" in current
    assert "Anna Hansen" in text(client.get(url("household", org, second.pk)))


def test_the_households_list_shows_the_current_size_and_searches_label_and_city(
    org, admin, client_for
):
    anna = person(org, admin)
    bo = person(org, admin, "Bo")
    household(
        org,
        admin,
        "Hansen",
        [(anna, "head", date(2024, 1, 1)), (bo, "child", date(2024, 1, 1))],
        city="Herning",
    )
    household(org, admin, "Petrov", city="Ikast")
    client = client_for(admin)
    body = text(client.get(url("households", org)))
    assert "Hansen" in body and "Petrov" in body
    assert '<td data-label="Members" class="num">2</td>' in body
    by_city = text(client.get(url("households", org), {"q": "herning"}))
    assert "Hansen" in by_city and "Petrov" not in by_city
    by_label = text(client.get(url("households", org), {"q": "petr"}, HTTP_HX_REQUEST="true"))
    assert "Petrov" in by_label and "Hansen" not in by_label and "<html" not in by_label
    empty = text(client.get(url("households", org), {"q": "nowhere"}))
    assert "No household matches this search." in empty


def test_creating_a_household_and_adding_and_removing_a_member(org, coordinator, client_for):
    client = client_for(coordinator)
    response = client.post(url("household-new", org), {"label": "Nielsen", "city": "Aarhus"})
    assert response.status_code == 302
    with scope(organization=org):
        home = Household.objects.get(label="Nielsen")
    assert response.url == url("household", org, home.pk)

    bo = person(org, coordinator, "Bo", "Nielsen")
    response = client.post(
        url("household-member-add", org, home.pk),
        {"person": bo.pk, "relation": "child", "joined_on": "2024-02-01"},
    )
    assert response.status_code == 302
    with scope(organization=org):
        member = HouseholdMember.objects.get(household=home, person=bo)
    assert member.joined_on == date(2024, 2, 1) and member.left_on is None

    again = client.post(
        url("household-member-add", org, home.pk), {"person": bo.pk, "relation": "child"}
    )
    assert again.status_code == 400
    assert 'id="id_person_error"' in text(again)

    response = client.post(
        url("household-member-leave", org, home.pk, member.pk), {"left_on": "2025-03-01"}
    )
    assert response.status_code == 302
    with scope(organization=org):
        member.refresh_from_db()
    assert member.left_on == date(2025, 3, 1)
    assert audit_actions(org)[-1] == "household.member_left"


def test_leaving_before_joining_is_refused_with_a_message_and_nothing_changes(
    org, admin, client_for
):
    anna = person(org, admin)
    home = household(org, admin, "Hansen", [(anna, "head", date(2024, 1, 1))])
    with scope(organization=org):
        member = HouseholdMember.objects.get(household=home)
    before = snapshot(org)
    response = client_for(admin).post(
        url("household-member-leave", org, home.pk, member.pk),
        {"left_on": "2023-01-01"},
        follow=True,
    )
    assert "on or after the day they joined" in text(response)
    assert snapshot(org) == before


def test_a_household_form_without_a_label_answers_400(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(url("household-new", org), {"city": "Ikast"})
    assert response.status_code == 400
    assert 'id="id_label_error"' in text(response)
    assert snapshot(org) == before


def test_the_menu_shows_persons_and_households_to_roles_that_may_see_them(
    org, volunteer, fundraiser, client_for
):
    dashboard = reverse("core:dashboard", args=[org.slug])
    assert url("persons", org) in text(client_for(volunteer).get(dashboard))
    assert url("households", org) in text(client_for(volunteer).get(dashboard))
    assert url("persons", org) not in text(client_for(fundraiser).get(dashboard))


def test_another_referrers_records_stay_hidden(org, referrer, client_for):
    colleague = make_member(org, "referrer", "colleague@home.test")
    theirs = person(org, colleague, "Colleague's", "Client")
    assert client_for(referrer).get(url("person", org, theirs.pk)).status_code == 404


def test_phone_numbers_are_shown_the_way_people_of_the_country_write_them(org, admin, client_for):
    dane = person(org, admin, "Mette", phone="+45 20 30 40 50")
    visitor = person(org, admin, "Olena", phone="+380 50 123 4567")
    client = client_for(admin)
    detail = client.get(url("person", org, dane.pk)).content.decode()
    assert 'href="tel:+4520304050">20 30 40 50</a>' in detail  # Danish: national format
    listing = client.get(url("persons", org)).content.decode()
    assert "20 30 40 50" in listing and "+4520304050" not in listing
    assert "+380 50 123 4567" in listing  # another country's number: international
    assert visitor.phone == "+380501234567"  # stored as E.164, only shown differently
