"""The privacy API: same services, same rules as the pages."""

from __future__ import annotations

import time_machine
from django.test import Client
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import services as people
from kindred.people.models import Person
from kindred.privacy import services as privacy
from kindred.privacy.models import LegalHold, RetentionRule
from tests.conftest import api_token

from .conftest import CPR, GIVEN, aware, privacy_snapshot

BASE = "/api/v1/organizations"


def token_client(org, user) -> tuple[Client, dict]:
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {api_token(org, user)}"}
    # Used once, so its "last used" time is not what a later snapshot sees change.
    assert client.get("/api/v1/me", **auth).status_code == 200
    return client, auth


def _person(org, actor, given="Anna", family="Hansen") -> Person:
    with scope(organization=org):
        return people.create_person(
            org=org, values={"given_name": given, "family_name": family}, actor=actor
        )


def test_export_returns_everything_as_json_and_is_audited(org, admin, subject):
    client, auth = token_client(org, admin)

    response = client.get(f"{BASE}/home/persons/{subject.person.pk}/export", **auth)

    assert response.status_code == 200
    data = response.json()
    assert data["format"] == "kindred.person-export" and data["version"] == 1
    assert data["person"]["given_name"] == GIVEN
    assert data["person"]["national_id"] == CPR.replace("-", "")
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="person.exported").get()
    assert entry.via == "api" and entry.changes == {"format": "json"}


def test_erase_through_the_api(org, admin, subject):
    client, auth = token_client(org, admin)

    response = client.post(
        f"{BASE}/home/persons/{subject.person.pk}/erase",
        {"reason": "Asked by letter"},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["person_id"] == subject.person.pk and body["audit_entries_redacted"] > 0
    with scopes_disabled():
        assert Person.objects.get(pk=subject.person.pk).given_name == "Anonymised"


def test_erase_refuses_a_missing_reason_with_422_naming_the_field(org, admin, subject):
    client, auth = token_client(org, admin)
    before = privacy_snapshot(org)

    for payload in ({}, {"reason": ""}, {"reason": "x" * 1001}):
        response = client.post(
            f"{BASE}/home/persons/{subject.person.pk}/erase",
            payload,
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 422, payload
        assert response.json()["errors"][0]["field"] == "reason"

    assert privacy_snapshot(org) == before


def test_erase_under_a_legal_hold_is_409_and_changes_nothing(org, admin):
    person = _person(org, admin)
    client, auth = token_client(org, admin)
    response = client.post(
        f"{BASE}/home/legal-holds",
        {"person_id": person.pk, "reason": "Court case"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201
    before = privacy_snapshot(org)

    response = client.post(
        f"{BASE}/home/persons/{person.pk}/erase",
        {"reason": "Asked"},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 409
    assert "legal hold" in response.json()["detail"]
    assert privacy_snapshot(org) == before


def test_legal_holds_list_place_and_lift(org, admin):
    person = _person(org, admin)
    client, auth = token_client(org, admin)

    placed = client.post(
        f"{BASE}/home/legal-holds",
        {"person_id": person.pk, "reason": "Police request 42"},
        content_type="application/json",
        **auth,
    ).json()
    assert placed["person_name"] == "Anna Hansen" and placed["active"] is True
    assert placed["placed_by"] == admin.display_name

    listed = client.get(f"{BASE}/home/legal-holds", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == placed["id"]

    lifted = client.post(f"{BASE}/home/legal-holds/{placed['id']}/lift", **auth)
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    again = client.post(f"{BASE}/home/legal-holds/{placed['id']}/lift", **auth)
    assert again.status_code == 409

    assert client.get(f"{BASE}/home/legal-holds", **auth).json()["count"] == 0
    everything = client.get(f"{BASE}/home/legal-holds", {"status": "all"}, **auth).json()
    assert everything["count"] == 1


def test_placing_a_hold_on_an_unknown_person_is_404_naming_the_field(org, admin):
    client, auth = token_client(org, admin)

    response = client.post(
        f"{BASE}/home/legal-holds",
        {"person_id": 999999, "reason": "x"},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "person_id", "message": "There is no such person."}
    ]


def test_retention_rule_get_put_and_validation(org, admin):
    client, auth = token_client(org, admin)

    assert client.get(f"{BASE}/home/retention-rule", **auth).json() == {
        "months": 24,
        "enabled": True,
        "is_default": True,
        "updated_at": None,
    }
    saved = client.put(
        f"{BASE}/home/retention-rule",
        {"months": 36, "enabled": False},
        content_type="application/json",
        **auth,
    ).json()
    assert (saved["months"], saved["enabled"], saved["is_default"]) == (36, False, False)
    for bad in ({"months": 0, "enabled": True}, {"months": 601, "enabled": True}, {"months": 12}):
        response = client.put(
            f"{BASE}/home/retention-rule", bad, content_type="application/json", **auth
        )
        assert response.status_code == 422, bad
    with scopes_disabled():
        rule = RetentionRule.objects.get(organization=org)
    assert (rule.months, rule.enabled) == (36, False)


def test_purge_preview_lists_who_and_why(org, admin):
    with time_machine.travel(aware(2020, 1, 10, 12, 0), tick=False):
        ida = _person(org, admin, "Ida", "Olsen")
        lis = _person(org, admin, "Lis", "Olsen")
        with scope(organization=org):
            privacy.place_legal_hold(org=org, person=lis, reason="Court", actor=admin)
    _person(org, admin, "New")
    client, auth = token_client(org, admin)

    with time_machine.travel(aware(2022, 6, 1, 9, 0), tick=False):
        body = client.get(f"{BASE}/home/retention-rule/preview", **auth).json()
        held = client.get(
            f"{BASE}/home/retention-rule/preview", {"outcome": "kept_legal_hold"}, **auth
        ).json()

    assert body["count"] == 2
    by_id = {item["person_id"]: item for item in body["items"]}
    assert by_id[ida.pk]["outcome"] == "anonymise"
    assert by_id[ida.pk]["last_activity"] == "2020-01-10"
    assert "rule: 24 months" in by_id[ida.pk]["reason"]
    assert by_id[lis.pk]["outcome"] == "kept_legal_hold"
    assert [i["person_id"] for i in held["items"]] == [lis.pk]


def test_a_coordinators_token_gets_403_everywhere_and_changes_nothing(
    org, admin, coordinator, subject
):
    with scopes_disabled():
        hold = LegalHold.objects.get(person=subject.person)
    client, auth = token_client(org, coordinator)
    before = privacy_snapshot(org)

    for method, path, data, _by_id in _requests(subject.person.pk, hold.pk):
        response = _send(client, method, f"{BASE}/home{path}", data, auth)
        assert response.status_code == 403, path
        assert response.json()["errors"] == []

    assert privacy_snapshot(org) == before


def test_another_organisation_gets_404_everywhere_and_changes_nothing(
    org, admin, other_org, outsider, subject
):
    with scopes_disabled():
        hold = LegalHold.objects.get(person=subject.person)
    client, auth = token_client(other_org, outsider)
    before = privacy_snapshot(org)

    for method, path, data, by_id in _requests(subject.person.pk, hold.pk):
        response = _send(client, method, f"{BASE}/home{path}", data, auth)
        assert response.status_code == 404, path
        if by_id:  # their own organisation's endpoint with our record's id
            response = _send(client, method, f"{BASE}/other{path}", data, auth)
            assert response.status_code == 404, path

    assert privacy_snapshot(org) == before


def _requests(person_id: int, hold_id: int) -> list[tuple[str, str, dict | None, bool]]:
    """(method, path, body, whether it names one of our records)."""
    return [
        ("get", f"/persons/{person_id}/export", None, True),
        ("post", f"/persons/{person_id}/erase", {"reason": "Asked"}, True),
        ("get", "/legal-holds", None, False),
        ("post", "/legal-holds", {"person_id": person_id, "reason": "x"}, True),
        ("post", f"/legal-holds/{hold_id}/lift", None, True),
        ("get", "/retention-rule", None, False),
        ("put", "/retention-rule", {"months": 12, "enabled": True}, False),
        ("get", "/retention-rule/preview", None, False),
    ]


def _send(client, method, path, data, auth):
    if data is None:
        return getattr(client, method)(path, **auth)
    return getattr(client, method)(path, data, content_type="application/json", **auth)
