"""Duplicates in the registry: the warning before a near-identical person is saved, merging
(every reference moves, in one transaction, audited), "not the same person" remembered,
and the search box (any script, phone in any format, identity number, misspelt names)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry, Membership
from kindred.core.services import Conflict, Invalid
from kindred.people import queries, services
from kindred.people.models import (
    Consent,
    ConsentPurpose,
    Contact,
    ContactPerson,
    DuplicateDismissal,
    HouseholdMember,
    Person,
    PersonKey,
)
from tests.conftest import api_token, snapshot

CPR = "211062-5629"
OTHER_CPR = "070761-4285"


def url(name: str, org, *args) -> str:
    return reverse(f"people:{name}", args=[org.slug, *args])


def make(org, actor, given="Mohammad", family="Hassan", **values) -> Person:
    national_id = values.pop("national_id", None)
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": given, "family_name": family, **values},
            actor=actor,
            national_id=national_id,
        )


def search(org, user, text: str) -> list[str]:
    with scope(organization=org):
        membership = Membership.objects.get(organization=org, user=user)
        return [p.full_name for p in queries.persons(org, membership=membership, search=text)]


# The warning on the registration form ------------------------------------------------------

NEAR = {
    "given_name": "Mohamad",
    "family_name": "Hasan",
    "birth_date": "1984-03-12",
    "phone": "20 30 40 50",
}


def test_the_form_warns_before_saving_a_near_identical_person(org, coordinator, client_for):
    existing = make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    client = client_for(coordinator)
    response = client.post(url("person-new", org), NEAR)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This person may already be registered" in page
    assert existing.full_name in page
    assert url("person", org, existing.pk) in page
    with scopes_disabled():
        assert Person.objects.filter(organization=org).count() == 1  # nothing saved yet


def test_continue_registers_a_different_person(org, coordinator, client_for):
    make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    response = client_for(coordinator).post(url("person-new", org), {**NEAR, "duplicates": "new"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Person.objects.filter(organization=org).count() == 2


def test_merge_from_the_form_fills_the_existing_record(org, coordinator, client_for):
    existing = make(org, coordinator, birth_date=date(1984, 3, 12))
    response = client_for(coordinator).post(
        url("person-new", org),
        {**NEAR, "email": "m.hassan@example.org", "merge_into": existing.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == url("person", org, existing.pk)
    with scopes_disabled():
        assert Person.objects.filter(organization=org).count() == 1
        existing.refresh_from_db()
    assert existing.given_name == "Mohammad"  # the kept record's own values win
    assert existing.phone == "+4520304050" and existing.email == "m.hassan@example.org"


def test_a_different_person_in_the_same_family_gets_no_warning(org, coordinator, client_for):
    make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    response = client_for(coordinator).post(
        url("person-new", org),
        {"given_name": "Amira", "family_name": "Hassan", "birth_date": "2015-06-01"},
    )
    assert response.status_code == 302


def test_a_referrer_is_not_shown_persons_it_may_not_see(org, coordinator, referrer, client_for):
    make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    response = client_for(referrer).post(url("person-new", org), NEAR)
    assert response.status_code == 302  # no candidate it may see: saved
    assert "Mohammad" not in client_for(referrer).get(response["Location"]).content.decode()


def test_the_live_check_lists_candidates(org, coordinator, client_for):
    make(org, coordinator, birth_date=date(1984, 3, 12))
    response = client_for(coordinator).post(url("person-duplicate-check", org), NEAR)
    assert response.status_code == 200
    assert "Mohammad Hassan" in response.content.decode()
    empty = client_for(coordinator).post(url("person-duplicate-check", org), {"given_name": "Zoe"})
    assert "Mohammad" not in empty.content.decode()


# Merging -------------------------------------------------------------------------------------


@pytest.fixture
def pair(org, coordinator):
    keep = make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    other = make(
        org,
        coordinator,
        given="Mohamad",
        family="Hasan",
        birth_date=date(1984, 3, 12),
        email="mh@example.org",
        city="Herning",
        national_id=("DK", CPR),
    )
    with scope(organization=org):
        home = services.create_household(org=org, values={"label": "Hassan"}, actor=coordinator)
        services.add_to_household(
            org=org, household=home, person=other, relation="head", actor=coordinator
        )
        purpose = ConsentPurpose.objects.create(organization=org, key="news", name="Newsletter")
        Consent.objects.create(
            organization=org,
            person=other,
            purpose=purpose,
            basis="consent",
            given_at=timezone.now(),
        )
        company = Contact.objects.create(organization=org, name="Brugsen")
        ContactPerson.objects.create(organization=org, contact=company, person=other)
    return keep, other


def test_merge_moves_every_reference_and_fills_empty_fields(org, coordinator, pair):
    keep, other = pair
    with scope(organization=org):
        kept = services.merge_persons(org=org, keep=keep, other=other, actor=coordinator)
        assert not Person.objects.filter(pk=other.pk).exists()
        assert HouseholdMember.objects.get(left_on__isnull=True).person == kept
        assert Consent.objects.get().person == kept
        assert ContactPerson.objects.get().person == kept
        assert queries.find_by_national_id(org, "DK", CPR) == kept
    assert (kept.given_name, kept.family_name) == ("Mohammad", "Hassan")
    assert kept.email == "mh@example.org" and kept.city == "Herning"
    assert kept.phone == "+4520304050"
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="person.merged")
    assert entry.object_id == str(kept.pk)
    assert f"#{other.pk}" in entry.changes["merged"][0]


def test_merge_can_take_chosen_values_from_the_other_record(org, coordinator, pair):
    keep, other = pair
    with scope(organization=org):
        kept = services.merge_persons(
            org=org, keep=keep, other=other, actor=coordinator, take_from_other=("given_name",)
        )
    assert kept.given_name == "Mohamad" and kept.family_name == "Hassan"


def test_merge_walks_the_model_registry(org, coordinator, pair):
    """Every foreign key to Person, in any app, is moved: a field added later cannot be
    forgotten (the dismissal table re-pairs instead)."""
    keep, other = pair
    references = [
        (model, field)
        for model, field in services._person_references()
        if model is not DuplicateDismissal
    ]
    assert {m._meta.label for m, _f in references} >= {
        "people.HouseholdMember",
        "people.Consent",
        "people.ContactPerson",
    }
    with scope(organization=org):
        services.merge_persons(org=org, keep=keep, other=other, actor=coordinator)
        for model, field in references:
            assert not model._base_manager.filter(**{field.name: other.pk}).exists(), model


def test_two_current_households_keep_the_kept_persons(org, coordinator, pair):
    keep, other = pair
    with scope(organization=org):
        mine = services.create_household(org=org, values={"label": "Mine"}, actor=coordinator)
        services.add_to_household(
            org=org, household=mine, person=keep, relation="head", actor=coordinator
        )
        services.merge_persons(org=org, keep=keep, other=other, actor=coordinator)
        current = HouseholdMember.objects.get(person=keep, left_on__isnull=True)
        assert current.household == mine
        assert HouseholdMember.objects.filter(person=keep).count() == 2  # history kept


def test_different_identity_numbers_are_never_merged(org, coordinator, pair):
    keep, other = pair
    with scope(organization=org):
        services.update_person(
            org=org, person=keep, values={}, actor=coordinator, national_id=("DK", OTHER_CPR)
        )
        before = snapshot(org)
        with pytest.raises(Conflict):
            services.merge_persons(org=org, keep=keep, other=other, actor=coordinator)
    assert snapshot(org) == before


def test_merging_a_person_with_itself_is_refused(org, coordinator, pair):
    keep, _other = pair
    with scope(organization=org), pytest.raises(Invalid):
        services.merge_persons(org=org, keep=keep, other=keep, actor=coordinator)


def test_the_merge_page_compares_and_merges(org, coordinator, client_for, pair):
    keep, other = pair
    client = client_for(coordinator)
    page = client.get(url("person-merge", org, keep.pk, other.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Mohammad" in text and "Mohamad" in text
    response = client.post(
        url("person-merge", org, keep.pk, other.pk),
        {
            "keep": "second",
            "value_given_name": "first",
            "value_family_name": "second",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert not Person.objects.filter(pk=keep.pk).exists()
        other.refresh_from_db()
    assert (other.given_name, other.family_name) == ("Mohammad", "Hasan")
    assert other.phone == "+4520304050"


def test_the_merge_page_refuses_bad_input_and_saves_nothing(org, coordinator, client_for, pair):
    keep, other = pair
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("person-merge", org, keep.pk, other.pk), {"keep": "third"}
    )
    assert response.status_code == 400
    assert snapshot(org) == before


# Possible duplicates and "not the same person" -------------------------------------------


def test_the_duplicates_page_lists_pairs_until_dismissed(org, coordinator, client_for, pair):
    keep, other = pair
    client = client_for(coordinator)
    page = client.get(url("duplicates", org)).content.decode()
    assert url("person-merge", org, keep.pk, other.pk) in page
    response = client.post(url("duplicate-dismiss", org), {"a": other.pk, "b": keep.pk})
    assert response.status_code == 302
    page = client.get(url("duplicates", org)).content.decode()
    assert url("person-merge", org, keep.pk, other.pk) not in page
    assert "No possible duplicates" in page
    with scopes_disabled():
        assert DuplicateDismissal.objects.get().person_a_id == min(keep.pk, other.pk)
    with scope(organization=org), pytest.raises(Conflict):
        services.dismiss_duplicate(org=org, person=keep, other=other, actor=coordinator)


def test_keys_follow_the_record(org, coordinator):
    person = make(org, coordinator)
    with scope(organization=org):
        assert PersonKey.objects.filter(person=person, key="p:hassan").exists()
        services.update_person(
            org=org, person=person, values={"family_name": "Nielsen"}, actor=coordinator
        )
        keys = set(PersonKey.objects.filter(person=person).values_list("key", flat=True))
    assert "p:nielsen" in keys and "p:hassan" not in keys


# Search --------------------------------------------------------------------------------------


def test_search_finds_names_across_scripts_and_accents(org, admin):
    make(org, admin, given="Ivan", family="Petrov")
    make(org, admin, given="Søren", family="Kierkegaard")
    make(org, admin, given="Олена", family="Коваленко")
    assert search(org, admin, "Иван Петров") == ["Ivan Petrov"]
    assert search(org, admin, "soren kierk") == ["Søren Kierkegaard"]
    assert search(org, admin, "olena koval") == ["Олена Коваленко"]
    assert search(org, admin, "PETR") == ["Ivan Petrov"]


def test_search_finds_a_misspelt_name(org, admin):
    make(org, admin, given="Mohammad", family="Nielsen")
    make(org, admin, given="Anna", family="Berg")
    assert search(org, admin, "Mohamad Nilsen") == ["Mohammad Nielsen"]


def test_search_by_phone_in_any_format_email_identity_and_household(org, admin):
    person = make(
        org, admin, phone="+45 20 30 40 50", email="mh@example.org", national_id=("DK", CPR)
    )
    make(org, admin, given="Anna", family="Berg")
    for text in ("20304050", "+45 20 30 40 50", "0045-2030-4050", "MH@example.org", CPR):
        assert search(org, admin, text) == [person.full_name], text
    with scope(organization=org):
        home = services.create_household(org=org, values={"label": "Familien Ø"}, actor=admin)
        services.add_to_household(
            org=org, household=home, person=person, relation="head", actor=admin
        )
    assert search(org, admin, "Familien Ø") == [person.full_name]


def test_the_list_page_says_when_it_shows_sound_alike_names(org, admin, client_for):
    make(org, admin, given="Mohammad", family="Nielsen")
    page = client_for(admin).get(url("persons", org), {"q": "Mohamad Nilsen"}).content.decode()
    assert "These names sound alike" in page and "Mohammad Nielsen" in page


# API -----------------------------------------------------------------------------------------


def api(client, method, path, token, **kwargs):
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


def test_api_duplicate_check_merge_and_dismiss(org, coordinator, client, pair):
    keep, other = pair
    token = api_token(org, coordinator)
    base = f"/organizations/{org.slug}"
    response = api(
        client,
        "post",
        f"{base}/persons/duplicate-check",
        token,
        data={"given_name": "Mohamed", "family_name": "Hassan", "phone": "20304050"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert keep.pk in [c["person"]["id"] for c in response.json()]
    pairs = api(client, "get", f"{base}/duplicates", token).json()
    assert {pairs["items"][0]["person_a"]["id"], pairs["items"][0]["person_b"]["id"]} == {
        keep.pk,
        other.pk,
    }
    bad = api(
        client,
        "post",
        f"{base}/persons/{keep.pk}/merge",
        token,
        data={"other": other.pk, "take_from_other": ["colour"]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "colour"
    merged = api(
        client,
        "post",
        f"{base}/persons/{keep.pk}/merge",
        token,
        data={"other": other.pk},
        content_type="application/json",
    )
    assert merged.status_code == 200 and merged.json()["email"] == "mh@example.org"
    with scopes_disabled():
        assert not Person.objects.filter(pk=other.pk).exists()


def test_a_record_under_legal_hold_is_not_merged_away(org, admin, pair):
    from kindred.privacy import services as privacy

    keep, other = pair
    with scope(organization=org):
        privacy.place_legal_hold(org=org, person=other, reason="Court case", actor=admin)
        before = snapshot(org)
        with pytest.raises(Conflict):
            services.merge_persons(org=org, keep=keep, other=other, actor=admin)
        assert snapshot(org) == before
        # The held record can be the one kept.
        services.merge_persons(org=org, keep=other, other=keep, actor=admin)


def test_an_erased_person_cannot_be_changed(org, admin, pair):
    from kindred.privacy import services as privacy

    keep, _other = pair
    with scope(organization=org):
        privacy.erase_person(org=org, person=keep, reason="Asked to be forgotten", actor=admin)
        keep.refresh_from_db()
        with pytest.raises(Conflict):
            services.update_person(org=org, person=keep, values={"city": "Ikast"}, actor=admin)
    assert search(org, admin, "Mohammad") == []


def test_merging_a_typed_record_with_the_same_identity_number(org, coordinator, client_for):
    existing = make(org, coordinator, birth_date=date(1962, 10, 21), national_id=("DK", CPR))
    response = client_for(coordinator).post(
        url("person-new", org),
        {
            **NEAR,
            "birth_date": "1962-10-21",
            "national_id_country": "DK",
            "national_id": CPR,
            "merge_into": existing.pk,
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        assert Person.objects.filter(organization=org).count() == 1
        assert queries.find_by_national_id(org, "DK", CPR) == existing


def test_an_import_dry_run_warns_about_registered_persons(org, coordinator):
    from kindred.people.imports.checking import check_rows

    existing = make(org, coordinator, birth_date=date(1984, 3, 12), phone="+4520304050")
    headers = ["Fornavn", "Efternavn", "Fødselsdato", "Telefon"]
    mapping = ["given_name", "family_name", "birth_date", "phone"]
    rows = [
        (2, ["Mohamad", "Hasan", "1984-03-12", "20 30 40 50"]),
        (3, ["Amira", "Hassan", "2015-06-01", ""]),
    ]
    with scope(organization=org):
        _checker, checks, _units = check_rows(org, headers, mapping, rows)
    first, second = checks
    assert first.ok and second.ok  # a warning never stops a row
    assert [w["field"] for w in first.warnings] == ["given_name"]
    assert existing.full_name in first.warnings[0]["message"]
    assert f"no. {existing.pk}" in first.warnings[0]["message"]
    assert second.warnings == []


@pytest.mark.parametrize(
    "data", [{"a": "x", "b": "1"}, {"a": "1"}, "same"], ids=["not-a-number", "one", "same"]
)
def test_a_bad_dismissal_changes_nothing(org, coordinator, client_for, pair, data):
    keep, _other = pair
    if data == "same":
        data = {"a": keep.pk, "b": keep.pk}
    before = snapshot(org)
    response = client_for(coordinator).post(url("duplicate-dismiss", org), data)
    assert response.status_code in (302, 400)
    assert snapshot(org) == before


def test_merging_a_record_with_itself_on_the_page_is_not_found(org, coordinator, client_for, pair):
    keep, _other = pair
    before = snapshot(org)
    response = client_for(coordinator).post(
        url("person-merge", org, keep.pk, keep.pk), {"keep": "first"}
    )
    assert response.status_code == 404
    assert snapshot(org) == before


def test_a_referrer_cannot_merge_away_a_record_of_someone_else(
    org, coordinator, referrer, client_for, pair
):
    keep, other = pair  # registered by the coordinator
    before = snapshot(org)
    response = client_for(referrer).post(
        url("person-merge", org, keep.pk, other.pk), {"keep": "first"}
    )
    assert response.status_code == 403
    assert snapshot(org) == before


def test_the_duplicates_page_searches_by_name(org, coordinator, client_for, pair):
    keep, other = pair
    client = client_for(coordinator)
    merge = url("person-merge", org, keep.pk, other.pk)
    assert merge in client.get(url("duplicates", org), {"q": "hasan"}).content.decode()
    page = client.get(url("duplicates", org), {"q": "Berg"}).content.decode()
    assert merge not in page and "No pair matches this search." in page


def test_a_merge_from_a_role_without_the_right_is_refused_not_ignored(
    org, coordinator, referrer, client_for
):
    """A referrer may register persons but not merge them: asking to merge from the form is
    a 403 that writes nothing, never a second record registered as if nothing was asked."""
    existing = make(org, coordinator, birth_date=date(1984, 3, 12))
    before = snapshot(org)
    response = client_for(referrer).post(
        url("person-new", org), {**NEAR, "merge_into": existing.pk}
    )
    assert response.status_code == 403
    assert snapshot(org) == before


def test_a_file_check_finds_the_same_look_alikes_as_the_form(org, admin):
    """The spreadsheet check looks for all its rows at once (duplicate_candidates_many, a
    few queries instead of one per row): each row gets exactly the candidates, scores and
    reasons the registration form's one-record check gives."""
    make(org, admin, birth_date=date(1984, 3, 12), phone="20304050")
    make(org, admin, "Mette", "Nielsen", birth_date=date(1990, 5, 1), national_id=("DK", CPR))
    make(org, admin, "Mette", "Nilsen", birth_date=date(1990, 5, 1))
    records = [
        ({"given_name": "Mohamad", "family_name": "Hasan", "birth_date": date(1984, 3, 12)}, None),
        ({"given_name": "Mete", "family_name": "Nielsen", "birth_date": date(1990, 5, 1)}, None),
        ({"given_name": "Mette", "family_name": "Nielsen"}, ("DK", CPR)),  # with the number
        ({"given_name": "Nobody", "family_name": "Alike"}, None),
    ]
    with scope(organization=org):
        many = queries.duplicate_candidates_many(org, records, limit=3)
        one = [
            queries.duplicate_candidates(org, values, national_id=number, limit=3)
            for values, number in records
        ]

    def seen(rows):
        return [[(c.person.pk, c.score, c.reasons) for c in row] for row in rows]

    assert seen(many) == seen(one)
    assert [len(row) for row in many] == [1, 2, 1, 0]
