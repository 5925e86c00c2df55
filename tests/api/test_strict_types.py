"""The API holds every value to the JSON type its OpenAPI document gives (kindred.api.contract):
pydantic's lax reading took "yes" for true, 0.5 and "0" for moments, an array for an object
— and checks a role's permission before it reads the input (403 before 422)."""

from __future__ import annotations

import pytest
from django_scopes import scope

from kindred.aid.models import HelpRequest
from kindred.core.models import Site
from tests.aid.builders import family, help_request
from tests.conftest import api_caller
from tests.writes import answer

ORG = "/api/v1/organizations/home"


def errors(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


@pytest.fixture
def call(org, admin):
    return api_caller(org, admin, ORG)


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("/goods/movements?until=0.5", "until", "Enter a date and time in ISO 8601"),
        ("/goods/movements?since=1700000000", "since", "Enter a date and time in ISO 8601"),
        ("/aid/requests?date_to=0", "date_to", "Enter a date in ISO 8601"),
        ("/goods/receipts?date_from=20260101", "date_from", "Enter a date in ISO 8601"),
        ("/sites?page=1.0", "page", "Enter a whole number."),
    ],
)
def test_a_number_in_a_query_is_no_date_nor_moment(call, path, field, message):
    response = call("get", path)
    assert response.status_code == 422, response.json()
    assert errors(response)[field].startswith(message)


def test_dates_and_moments_in_iso_8601_are_read(call):
    assert call("get", "/goods/movements?until=2026-05-31T18:00:00Z").status_code == 200
    assert call("get", "/goods/movements?since=2026-05-31T18:00:00%2B02:00").status_code == 200
    assert call("get", "/aid/requests?date_to=2026-05-31").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"archived": "yes"}, {"archived": 1}, {"archived": "true"}, {"name": 7}],
    ids=["yes", "one", "the string true", "a number for a name"],
)
def test_a_site_is_archived_by_true_alone(org, site, call, body):
    sent = answer(lambda: call("patch", f"/sites/{site.pk}", body))
    assert sent.response.status_code == 422, sent.response.json()
    assert list(errors(sent.response)) == list(body)
    assert sent.writes == []
    with scope(organization=org):
        assert not Site.objects.get(pk=site.pk).archived
    archived = call("patch", f"/sites/{site.pk}", {"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        (["reason"], "body"),
        ('"closed"', "body"),  # a JSON string
        ({"reason": ["a", "list"]}, "reason"),
    ],
)
def test_a_request_is_closed_by_an_object_only(org, call, body, field):
    request = help_request(org, family(org))
    sent = answer(lambda: call("post", f"/aid/requests/{request.pk}/close", body))
    assert sent.response.status_code == 422, sent.response.json()
    assert field in errors(sent.response)
    assert sent.writes == []
    with scope(organization=org):
        assert HelpRequest.objects.get(pk=request.pk).status == HelpRequest.Status.APPROVED


@pytest.mark.parametrize("capacity", ["5", 5.5, True])
def test_a_whole_number_is_a_json_integer(org, site, call, capacity):
    """As JSON Schema has it: 5 or 5.0, not "5", 5.5 or true."""
    day = {"site_id": site.pk, "date": "2031-01-15", "starts_at": "10:00", "ends_at": "11:00"}
    response = call("post", "/aid/days", {**day, "capacity": capacity})
    assert response.status_code == 422
    assert errors(response) == {"capacity": "Enter a whole number."}


def test_every_wrong_field_is_named_in_one_answer(call):
    response = call("post", "/sites", {"name": "", "kind": "shop", "street": 5})
    assert response.status_code == 422
    assert set(errors(response)) == {"name", "street"}


def test_a_volunteer_is_refused_before_the_input_is_read(org, volunteer, site):
    """403 before 422: whatever a role that may not use an operation sends (tests/core/
    test_permissions.py sends such a body to every write operation, as every role refused)."""
    call = api_caller(org, volunteer, ORG)
    for method, path, body in [
        ("post", "/sites", [1, 2]),
        ("patch", f"/sites/{site.pk}", {"archived": "yes"}),
        ("post", "/aid/days", {"capacity": "many"}),
    ]:
        sent = answer(lambda method=method, path=path, body=body: call(method, path, body))
        assert sent.response.status_code == 403, (path, sent.response.json())
        assert sent.response.json()["errors"] == []
        assert sent.writes == []
