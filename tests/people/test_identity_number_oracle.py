"""A referrer cannot learn whether an identity number is registered: giving one of their own
persons a number registered for someone they cannot see is answered exactly as a number
nobody has (ADR 0023). The number is kept without its lookup index, the audit log tells
staff whose number it is, and a coordinator is still told it is taken."""

from __future__ import annotations

import pytest
from django_scopes import scope

from kindred.core.models import AuditEntry
from kindred.people import queries, services
from kindred.people.models import Person
from tests.api.test_api import Api
from tests.conftest import api_token

ORG = "/organizations/home"
TAKEN, FREE = "211062-5629", "211062-5601"  # the same birth date: the same derived fields


def dk(number: str) -> dict:
    return {"national_id": {"country": "DK", "number": number}}


def person(org, actor, given: str, number: str | None = None) -> Person:
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": given, "family_name": "Jensen"},
            actor=actor,
            national_id=("DK", number) if number else None,
        )


def api_as(org, user) -> Api:
    api = Api(api_token(org, user))
    assert api.get("/me").status_code == 200
    return api


def seen(response) -> tuple:
    """The answer as the referrer reads it, but for what differs by design (the record)."""
    body = dict(response.json())
    for key in ("id", "given_name", "full_name", "created_at", "updated_at"):
        body.pop(key, None)
    return response.status_code, body


@pytest.fixture
def registered(org, coordinator) -> Person:
    return person(org, coordinator, "Registered", TAKEN)


def test_a_referrer_changing_a_number_cannot_tell_a_taken_one_from_a_free_one(
    org, referrer, registered
):
    as_referrer = api_as(org, referrer)
    first, second = person(org, referrer, "First"), person(org, referrer, "Second")

    taken = as_referrer.patch(f"{ORG}/persons/{first.pk}", dk(TAKEN))
    free = as_referrer.patch(f"{ORG}/persons/{second.pk}", dk(FREE))

    assert seen(taken) == seen(free)
    assert taken.status_code == 200 and taken.json()["has_national_id"] is True
    with scope(organization=org):
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.has_national_id and first.national_id_index == ""
        assert second.national_id_index != ""
        held = AuditEntry.objects.get(action="person.identity_number_held")
        assert (held.object_id, held.changes) == (
            str(first.pk),
            {"registered_for": [None, registered.pk]},
        )
        # The registered person is still the one the number finds.
        assert queries.find_by_national_id(org, "DK", TAKEN) == registered


def test_a_referrer_registering_cannot_tell_either(org, referrer, registered):
    as_referrer = api_as(org, referrer)
    taken = as_referrer.post(f"{ORG}/persons", {"given_name": "One", **dk(TAKEN)})
    free = as_referrer.post(f"{ORG}/persons", {"given_name": "Two", **dk(FREE)})
    assert seen(taken) == seen(free)
    assert taken.status_code == 201


def test_staff_and_a_referrer_s_own_persons_are_still_told_the_number_is_taken(
    org, coordinator, referrer, registered
):
    own = person(org, referrer, "Own", FREE)
    other = person(org, referrer, "Other")
    refused = api_as(org, referrer).patch(f"{ORG}/persons/{other.pk}", dk(FREE))
    assert refused.status_code == 409  # a person the referrer sees has it: nothing to hide
    assert own.pk != other.pk
    staff = api_as(org, coordinator).patch(f"{ORG}/persons/{other.pk}", dk(TAKEN))
    assert staff.status_code == 409
    assert staff.json()["errors"][0]["field"] == "national_id"
