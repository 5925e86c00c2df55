"""The access log: opening a person's page is recorded; administrators see who did."""

from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import queries, services


def _person(org, admin):
    with scope(organization=org):
        return services.create_person(
            org=org, values={"given_name": "Karin", "family_name": "Berg"}, actor=admin
        )


def _views(person):
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(action="person.viewed", object_id=str(person.pk)).values_list(
                "actor_label", flat=True
            )
        )


def test_opening_a_person_page_is_logged_once_per_visit(org, admin, coordinator, client_for):
    person = _person(org, admin)
    url = reverse("people:person", args=[org.slug, person.pk])
    client = client_for(coordinator)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a reload within minutes is the same visit
    assert _views(person) == [coordinator.email]


def test_administrators_see_who_opened_a_record_and_others_do_not(
    org, admin, coordinator, client_for
):
    person = _person(org, admin)
    url = reverse("people:person", args=[org.slug, person.pk])
    client_for(coordinator).get(url)
    with translation.override("en"):
        heading = "Who opened this record"
    as_admin = client_for(admin).get(url).content.decode()
    assert heading in as_admin and coordinator.email in as_admin
    as_coordinator = client_for(coordinator).get(url).content.decode()
    assert heading not in as_coordinator


def test_a_denied_or_foreign_request_logs_nothing(org, admin, fundraiser, outsider, client_for):
    person = _person(org, admin)
    url = reverse("people:person", args=[org.slug, person.pk])
    assert client_for(fundraiser).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404
    assert _views(person) == []


def test_reading_a_person_through_the_api_is_in_the_access_log(org, admin, coordinator, client):
    from tests.conftest import api_token

    with scope(organization=org):
        person = services.create_person(
            org=org, values={"given_name": "Api", "family_name": "Reader"}, actor=admin
        )
    token = api_token(org, coordinator)
    response = client.get(
        f"/api/v1/organizations/{org.slug}/persons/{person.pk}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    with scope(organization=org):
        entries = queries.person_access_log(org, person)
    assert [(e.action, e.actor_id, e.via) for e in entries] == [
        ("person.viewed", coordinator.pk, "api")
    ]
