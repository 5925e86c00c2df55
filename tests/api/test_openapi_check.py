"""The check every API call of the suite goes through (tests/api/openapi_check.py) finds what
does not match the OpenAPI document."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.http import HttpResponse

from tests.aid.builders import family, help_request
from tests.aid.test_distribution_helpers import make_day
from tests.api import openapi_check
from tests.api.openapi_check import OpenApiMismatch
from tests.conftest import api_caller
from tests.people.test_api import make_person


def operation(method: str, template: str) -> openapi_check.Operation:
    return next(
        op for op in openapi_check.operations() if (op.method, op.template) == (method, template)
    )


def test_an_accepted_request_with_an_undocumented_parameter_fails_the_test(org, admin):
    call = api_caller(org, admin, f"/api/v1/organizations/{org.slug}")
    assert call("get", "/sites?show=all").status_code == 200
    with pytest.raises(OpenApiMismatch, match="query parameter 'colour' is not documented"):
        call("get", "/sites?colour=red")


def test_a_refused_request_is_not_compared_but_its_answer_is(org, admin):
    call = api_caller(org, admin, f"/api/v1/organizations/{org.slug}")
    assert call("post", "/sites", {"name": 5}).status_code == 422  # checked: the Error shape


def test_an_answer_unlike_the_documented_one_is_named_with_the_value_at_fault(db):
    sites = operation("GET", "/api/v1/organizations/{slug}/sites/{site_id}")
    wrong = HttpResponse(
        json.dumps({"id": "seven", "name": "Depot"}), content_type="application/json"
    )
    problems = openapi_check.response_problems(sites, wrong)
    assert "response body['id']: 'seven' is not of type 'integer'" in problems
    assert any("'kind' is a required property" in problem for problem in problems)
    teapot = HttpResponse(status=418)
    assert openapi_check.response_problems(sites, teapot) == [
        "status 418 is not documented (documented: 200, 400, 401, 403, 404, 409, 422)"
    ]


def test_a_time_without_its_offset_is_not_an_rfc_3339_time(db):
    assert openapi_check.problems_with({"type": "string", "format": "time"}, "10:00:00", "t")
    assert not openapi_check.problems_with({"type": "string", "format": "time"}, "10:00:00Z", "t")


def test_stock_quantities_are_documented_decimals_and_aid_counts_integers(db):
    schemas = openapi_check.document()["components"]["schemas"]
    balance = schemas["BalanceOut"]["properties"]["quantity"]
    assert (balance["type"], balance["format"]) == ("string", "decimal")
    assert "answered as a string" in balance["description"]
    sent = schemas["DonationLineIn"]["properties"]["quantity"]["anyOf"]
    assert {b["type"] for b in sent} == {"number", "string"}
    for name in ("NeedLineOut", "ProposalLineOut", "ReservationLineOut", "HandOutLineIn"):
        assert schemas[name]["properties"]["quantity"]["type"] == "integer", name


def test_every_operation_documents_its_refusals_with_the_error_shape(db):
    error = {"$ref": "#/components/schemas/Error"}
    for operation in openapi_check.operations():
        responses = operation.spec["responses"]
        for status in ("400", "401", "403", "404", "409", "422"):
            documented = responses.get(status, {}).get("content", {}).get("application/json")
            assert documented == {"schema": error}, (operation.method, operation.template, status)


def test_the_answers_once_documented_with_another_schema_match_their_own(org, coordinator, site):
    """The duplicate check, a booking made and cancelled: each answer is checked against
    its operation's documented schema by the call itself."""
    make_person(org, coordinator, "Anna", birth_date=date(1990, 5, 1))
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}")
    check = call(
        "post",
        "/persons/duplicate-check",
        {"given_name": "Anna", "family_name": "Jensen", "birth_date": "1990-05-01"},
    )
    assert check.status_code == 200 and check.json()[0]["person"]["given_name"] == "Anna"
    day = make_day(org, site)
    request = help_request(org, family(org))
    slot = call("get", f"/aid/days/{day.pk}/slots").json()[0]["start"]
    booked = call(
        "post",
        "/aid/bookings",
        {"request_id": request.pk, "day_id": day.pk, "slot_start": slot, "notify": False},
    )
    assert booked.status_code == 201, booked.json()
    cancelled = call("post", f"/aid/bookings/{booked.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_stock_at_a_date_long_ago_is_answered_as_an_rfc_3339_moment(org, admin):
    """The end of 1 October 726 in Copenhagen was at +00:50:20 (local mean time), which RFC
    3339 cannot write: the fuzzing found it once the query's pattern was documented."""
    call = api_caller(org, admin, f"/api/v1/organizations/{org.slug}")
    response = call("get", "/goods/stock-at?at=0726-10-01")
    assert response.status_code == 200
    assert response.json()["at"] == "0726-10-01T23:09:39.999Z"
