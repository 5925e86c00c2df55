"""Privacy pages: the person page's privacy section, erasure, legal holds, the
organisation's privacy page; roles and tenant isolation (a denied request changes nothing)."""

from __future__ import annotations

import time_machine
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import services as people
from kindred.people.models import Person
from kindred.privacy import services as privacy
from kindred.privacy.models import LegalHold, RetentionRule

from .conftest import aware, privacy_snapshot


def url(name: str, org, *args) -> str:
    return reverse(f"privacy:{name}", args=[org.slug, *args])


def person_page(client, org, person) -> str:
    return client.get(reverse("people:person", args=[org.slug, person.pk])).content.decode()


def _person(org, actor, given="Anna", family="Hansen") -> Person:
    with scope(organization=org):
        return people.create_person(
            org=org,
            values={"given_name": given, "family_name": family, "phone": "21436587"},
            actor=actor,
        )


# The person page ---------------------------------------------------------------------------


def test_the_person_page_has_a_privacy_section_for_administrators_only(
    org, admin, coordinator, volunteer, client_for
):
    person = _person(org, admin)

    assert "Erase this person" in person_page(client_for(admin), org, person)
    for user in (coordinator, volunteer):
        body = person_page(client_for(user), org, person)
        assert "Erase this person" not in body
        assert url("person-export-json", org, person.pk) not in body


def test_the_privacy_section_shows_an_active_hold_and_a_lift_button(org, admin, client_for):
    person = _person(org, admin)
    with scope(organization=org):
        hold = privacy.place_legal_hold(
            org=org, person=person, reason="Court case 2025-114", actor=admin
        )

    body = person_page(client_for(admin), org, person)

    assert "A legal hold applies since" in body and "Court case 2025-114" in body
    assert url("hold-lift", org, hold.pk) in body


# Erasure -----------------------------------------------------------------------------------


def test_the_erase_page_explains_what_is_kept(org, admin, client_for):
    person = _person(org, admin)

    body = client_for(admin).get(url("person-erase", org, person.pk)).content.decode()

    assert "What is kept, for statistics" in body and "Postcode area" in body
    assert 'name="reason"' in body


def test_erasing_from_the_page_anonymises_and_returns_to_the_person(org, admin, client_for):
    person = _person(org, admin)
    client = client_for(admin)

    response = client.post(url("person-erase", org, person.pk), {"reason": "Asked on 3 May"})

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[org.slug, person.pk])
    body = client.get(response["Location"]).content.decode()
    assert (
        "Anonymised on" in body
        and "Hansen" not in body
        and "The person&#x27;s data was erased." in body
    )


def test_erasing_without_a_reason_names_the_field_and_saves_nothing(org, admin, client_for):
    person = _person(org, admin)
    before = privacy_snapshot(org)

    response = client_for(admin).post(url("person-erase", org, person.pk), {"reason": " "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert privacy_snapshot(org) == before


def test_erasing_under_a_legal_hold_is_refused_with_409_and_changes_nothing(org, admin, client_for):
    person = _person(org, admin)
    with scope(organization=org):
        privacy.place_legal_hold(org=org, person=person, reason="Court case", actor=admin)
    client = client_for(admin)
    page = client.get(url("person-erase", org, person.pk)).content.decode()
    assert "cannot be erased" in page and 'name="reason"' not in page
    before = privacy_snapshot(org)

    response = client.post(url("person-erase", org, person.pk), {"reason": "Asked"})

    assert response.status_code == 409
    assert "legal hold" in response.content.decode()
    assert privacy_snapshot(org) == before


# Legal holds -------------------------------------------------------------------------------


def test_placing_and_lifting_a_legal_hold_from_the_person_page(org, admin, client_for):
    person = _person(org, admin)
    client = client_for(admin)

    response = client.post(url("person-hold", org, person.pk), {"reason": "Police request 42"})
    assert response.status_code == 302
    with scopes_disabled():
        hold = LegalHold.objects.get(person=person)
    assert hold.active and hold.placed_by == admin and hold.reason == "Police request 42"

    response = client.post(url("hold-lift", org, hold.pk))
    assert response.status_code == 302
    hold.refresh_from_db()
    assert not hold.active and hold.lifted_by == admin
    with scopes_disabled():
        actions = set(AuditEntry.objects.filter(organization=org).values_list("action", flat=True))
    assert {"legal_hold.placed", "legal_hold.lifted"} <= actions


def test_a_second_hold_on_the_same_person_is_refused(org, admin, client_for):
    person = _person(org, admin)
    client = client_for(admin)
    client.post(url("person-hold", org, person.pk), {"reason": "First"})
    before = privacy_snapshot(org)

    response = client.post(url("person-hold", org, person.pk), {"reason": "Second"})

    assert response.status_code == 409
    assert "already applies" in response.content.decode()
    assert privacy_snapshot(org) == before
    with scopes_disabled():
        assert LegalHold.objects.count() == 1


def test_a_hold_without_a_reason_is_refused(org, admin, client_for):
    person = _person(org, admin)

    response = client_for(admin).post(url("person-hold", org, person.pk), {"reason": ""})

    assert response.status_code == 400
    with scopes_disabled():
        assert not LegalHold.objects.exists()


def test_the_legal_hold_list_searches_filters_and_sorts(org, admin, client_for):
    with scope(organization=org):
        for given, reason in (("Anna", "Court case"), ("Bo", "Insurance claim")):
            person = _person(org, admin, given)
            hold = privacy.place_legal_hold(org=org, person=person, reason=reason, actor=admin)
        privacy.lift_legal_hold(org=org, hold=hold, actor=admin)  # Bo's
    client = client_for(admin)

    active = client.get(url("holds", org)).content.decode()
    assert "Anna Hansen" in active and "Bo Hansen" not in active
    lifted = client.get(url("holds", org), {"status": "lifted"}).content.decode()
    assert "Bo Hansen" in lifted and "Anna Hansen" not in lifted
    found = client.get(url("holds", org), {"status": "all", "q": "insurance"}).content.decode()
    assert "Bo Hansen" in found and "Anna Hansen" not in found
    none = client.get(url("holds", org), {"q": "nobody"}).content.decode()
    assert "No legal hold matches these filters." in none
    rows = client.get(url("holds", org), {"status": "all", "sort": "name"}, HTTP_HX_REQUEST="true")
    assert "<html" not in rows.content.decode() and "Anna Hansen" in rows.content.decode()


# The organisation's privacy page -----------------------------------------------------------


def test_the_privacy_page_shows_the_rule_the_preview_and_the_holds(org, admin, client_for):
    with time_machine.travel(aware(2020, 1, 10, 12, 0), tick=False):
        old = _person(org, admin, "Ida", "Olsen")
        held = _person(org, admin, "Lis", "Olsen")
        with scope(organization=org):
            privacy.place_legal_hold(org=org, person=held, reason="Court case", actor=admin)
    _person(org, admin, "New", "Person")

    with time_machine.travel(aware(2022, 6, 1, 9, 0), tick=False):
        body = client_for(admin).get(url("overview", org)).content.decode()

    assert 'name="months" value="24"' in body
    assert "Ida Olsen" in body and "Will be anonymised" in body
    assert "Lis Olsen" in body and "Kept: legal hold" in body
    assert "New Person" not in body
    assert "1 active legal hold" in body
    assert reverse("people:person", args=[org.slug, old.pk]) in body


def test_the_preview_is_empty_when_everyone_is_active(org, admin, client_for):
    _person(org, admin)

    body = client_for(admin).get(url("overview", org)).content.decode()

    assert "Nobody: every person has had activity within the retention period." in body


def test_the_preview_paginates(org, admin, client_for):
    with time_machine.travel(aware(2019, 1, 10, 12, 0), tick=False):
        for i in range(30):
            _person(org, admin, f"P{i:02d}", "Old")
    client = client_for(admin)

    first = client.get(url("overview", org)).content.decode()
    second = client.get(url("overview", org), {"page": 2}).content.decode()

    assert "30 persons" in first and "Page 1 of 2" in first
    assert first.count("Old</strong>") == 25 and second.count("Old</strong>") == 5


def test_saving_the_retention_rule(org, admin, client_for):
    client = client_for(admin)

    response = client.post(url("overview", org), {"months": "36", "enabled": "on"})

    assert response.status_code == 302
    with scopes_disabled():
        rule = RetentionRule.objects.get(organization=org)
    assert (rule.months, rule.enabled) == (36, True)
    client.post(url("overview", org), {"months": "36"})  # the box unticked: purge off
    rule.refresh_from_db()
    assert rule.enabled is False
    assert "Automatic purge is off" in client.get(url("overview", org)).content.decode()


def test_a_bad_number_of_months_names_the_field_and_saves_nothing(org, admin, client_for):
    before = privacy_snapshot(org)

    for months in ("0", "601", "twelve", ""):
        response = client_for(admin).post(url("overview", org), {"months": months})
        assert response.status_code == 400, months
        assert 'class="field has-error"' in response.content.decode()

    assert privacy_snapshot(org) == before
    with scopes_disabled():
        assert not RetentionRule.objects.exists()


# Roles and tenant isolation ----------------------------------------------------------------


def _all_requests(org, person, hold):
    return [
        ("get", url("overview", org), None),
        ("post", url("overview", org), {"months": "12", "enabled": "on"}),
        ("get", url("holds", org), None),
        ("post", url("hold-lift", org, hold.pk), {}),
        ("get", url("person-export", org, person.pk), None),
        ("get", url("person-export-json", org, person.pk), None),
        ("get", url("person-export-pdf", org, person.pk), None),
        ("get", url("person-erase", org, person.pk), None),
        ("post", url("person-erase", org, person.pk), {"reason": "Asked"}),
        ("get", url("person-hold", org, person.pk), None),
        ("post", url("person-hold", org, person.pk), {"reason": "Court"}),
    ]


def _world(org, admin):
    person = _person(org, admin)
    held = _person(org, admin, "Lis")
    with scope(organization=org):
        hold = privacy.place_legal_hold(org=org, person=held, reason="Court", actor=admin)
    return person, hold


def test_a_coordinator_gets_403_on_every_privacy_page_and_changes_nothing(
    org, admin, coordinator, client_for
):
    person, hold = _world(org, admin)
    client = client_for(coordinator)
    before = privacy_snapshot(org)

    for method, address, data in _all_requests(org, person, hold):
        response = getattr(client, method)(address, data or {})
        assert response.status_code == 403, address

    assert privacy_snapshot(org) == before


def test_another_organisations_admin_gets_404_everywhere_and_changes_nothing(
    org, admin, outsider, client_for
):
    person, hold = _world(org, admin)
    client = client_for(outsider)
    before = privacy_snapshot(org)

    for method, address, data in _all_requests(org, person, hold):
        response = getattr(client, method)(address, data or {})
        assert response.status_code == 404, address
    # Their own organisation's pages with our ids: 404 too.
    for name, pk in (("person-export-json", person.pk), ("hold-lift", hold.pk)):
        method = "post" if name == "hold-lift" else "get"
        response = getattr(client, method)(reverse(f"privacy:{name}", args=["other", pk]))
        assert response.status_code == 404

    assert privacy_snapshot(org) == before
    with scopes_disabled():
        assert LegalHold.objects.get(pk=hold.pk).active


def _queries_for(client, address) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as run:
        assert client.get(address).status_code == 200
    return len(run)


def test_the_privacy_page_and_hold_list_cost_the_same_for_more_rows(org, admin, client_for):
    client = client_for(admin)
    client.get(url("overview", org))  # the first page of a visit also writes the session

    def add(n: int) -> None:
        with time_machine.travel(aware(2019, 1, 10, 12, 0), tick=False):
            for i in range(n):
                person = _person(org, admin, f"Q{i}", f"Many{n}")
                with scope(organization=org):
                    privacy.place_legal_hold(org=org, person=person, reason="Case", actor=admin)

    add(2)
    few = (_queries_for(client, url("overview", org)), _queries_for(client, url("holds", org)))
    add(20)
    many = (_queries_for(client, url("overview", org)), _queries_for(client, url("holds", org)))
    assert many == few
