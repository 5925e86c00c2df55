"""The help request API: list with filters, create, detail, decisions, need lines; referrers
see only their own (404 for others'), errors name the field."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scope

from kindred.aid.models import EligibilityOverride, EligibilityRule, HelpRequest, NeedLine
from kindred.core.models import ApiToken
from tests.aid.builders import cap, family, help_request
from tests.conftest import api_caller, api_token, audit_count, item_type, snapshot

Status = HelpRequest.Status


def state(org) -> dict:
    """What the organisation owns, but the API token's last use."""
    return {k: v for k, v in snapshot(org).items() if k != ApiToken._meta.label}


@pytest.fixture
def call_as(org):
    def make(user):
        return api_caller(org, user, f"/api/v1/organizations/{org.slug}/aid")

    return make


def test_list_filters_and_paginates(org, coordinator, call_as):
    petrov = family(org, "Petrov")
    ivanov = family(org, "Ivanov")
    help_request(org, petrov, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    help_request(org, ivanov, [("child-winter-jacket", ["110"], 1, 3)], status=Status.APPROVED)
    call = call_as(coordinator)
    body = call("get", "/requests").json()
    assert body["count"] == 2
    assert body["items"][0]["household_label"] == "Ivanov household"
    assert call("get", "/requests?status=submitted").json()["count"] == 1
    assert call("get", "/requests?q=petrov").json()["items"][0]["household_label"] == (
        "Petrov household"
    )
    assert call("get", "/requests?urgency=3").json()["count"] == 1
    assert call("get", "/requests?page_size=1&page=2").json()["page"] == 2
    assert call("get", "/requests?status=nonsense").status_code == 422


def test_create_request_and_read_it(org, coordinator, call_as):
    household = family(org)
    item_type(org, "toy")
    call = call_as(coordinator)
    response = call(
        "post",
        "/requests",
        {
            "household_id": household.pk,
            "lines": [
                {"item_type": "child-winter-jacket", "sizes": ["110", "116"], "quantity": 2},
                {"item_type": item_type(org, "toy").pk, "quantity": 1, "urgency": 3},
            ],
            "note": "From the school",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "H-1"
    assert body["status"] == "submitted" and body["source"] == "staff"
    assert [line["open"] for line in body["lines"]] == [2, 1]
    detail = call("get", f"/requests/{body['id']}").json()
    assert detail["note"] == "From the school"


def test_a_bad_size_is_a_422_naming_the_line_field(org, coordinator, call_as):
    household = family(org)
    item_type(org, "toy")
    call = call_as(coordinator)
    before = state(org)
    response = call(
        "post",
        "/requests",
        {
            "household_id": household.pk,
            "lines": [{"item_type": "child-winter-jacket", "sizes": ["XL"], "quantity": 1}],
        },
    )
    assert response.status_code == 422
    assert "lines.0.sizes" in response.content.decode()
    assert state(org) == before


def test_decisions_through_the_api(org, coordinator, call_as):
    household = family(org)
    first = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    second = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    call = call_as(coordinator)
    assert call("post", f"/requests/{first.pk}/review").json()["status"] == "in_review"
    assert call("post", f"/requests/{first.pk}/approve", {}).json()["status"] == "approved"
    response = call("post", f"/requests/{first.pk}/approve", {})
    assert response.status_code == 409
    assert call("post", f"/requests/{second.pk}/reject", {"reason": ""}).status_code == 422
    assert call("post", f"/requests/{second.pk}/reject", {"reason": "No"}).json()["status"] == (
        "rejected"
    )
    closed = call("post", f"/requests/{first.pk}/close", {"reason": "Done"})
    assert closed.json()["status"] == "closed"


def test_approval_with_a_failing_rule_needs_an_override_reason(org, coordinator, call_as):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    call = call_as(coordinator)
    refused = call("post", f"/requests/{request.pk}/approve", {})
    assert refused.status_code == 409
    approved = call("post", f"/requests/{request.pk}/approve", {"override_reason": "Fire"})
    assert approved.status_code == 200
    assert approved.json()["eligibility"][0]["passed"] is False


def test_add_and_change_lines(org, coordinator, call_as):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=Status.APPROVED)
    call = call_as(coordinator)
    added = call(
        "post",
        f"/requests/{request.pk}/lines",
        {"item_type": "child-winter-jacket", "sizes": ["110"], "quantity": 2},
    )
    assert added.status_code == 201, added.content
    line_id = added.json()["id"]
    changed = call("patch", f"/requests/{request.pk}/lines/{line_id}", {"quantity": 3})
    assert changed.json()["quantity"] == 3
    assert changed.json()["sizes"] == ["110"]
    cancelled = call("patch", f"/requests/{request.pk}/lines/{line_id}", {"cancelled": True})
    assert cancelled.json()["cancelled"] is True and cancelled.json()["open"] == 0
    lines = call("get", f"/requests/{request.pk}/lines").json()
    assert len(lines) == 2
    assert call("patch", f"/requests/{request.pk}/lines/999999", {"quantity": 1}).status_code == 404


def test_referrers_see_and_change_only_their_own(org, referrer, coordinator, call_as):
    own_household = family(org, "Own")
    with scope(organization=org):
        own_household.created_by = referrer
        own_household.save()
    other_household = family(org, "Other")
    mine = help_request(org, own_household, [("toy", [], 1, 1)], created_by=referrer)
    theirs = help_request(org, other_household, [("toy", [], 1, 1)], created_by=coordinator)
    call = call_as(referrer)
    body = call("get", "/requests").json()
    assert [item["id"] for item in body["items"]] == [mine.pk]
    assert call("get", f"/requests/{theirs.pk}").status_code == 404
    before = state(org)
    assert (
        call(
            "post", f"/requests/{theirs.pk}/lines", {"item_type": "toy", "quantity": 1}
        ).status_code
        == 404
    )
    refused = call(
        "post",
        "/requests",
        {"household_id": other_household.pk, "lines": [{"item_type": "toy", "quantity": 1}]},
    )
    assert refused.status_code == 404
    assert state(org) == before
    created = call(
        "post",
        "/requests",
        {"household_id": own_household.pk, "lines": [{"item_type": "toy", "quantity": 1}]},
    )
    assert created.json()["source"] == "referrer"
    with scope(organization=org):
        assert NeedLine.objects.filter(request_id=created.json()["id"]).count() == 1
    assert call("post", f"/requests/{mine.pk}/approve", {}).status_code == 403


def test_approving_an_ineligible_households_request_through_the_api_is_409_and_changes_nothing(
    org, coordinator, call_as
):
    request = help_request(
        org, family(org), [("child-winter-jacket", ["110"], 2, 3)], status=Status.IN_REVIEW
    )
    cap(org, "child-winter-jacket", 1)
    call = call_as(coordinator)
    token = api_token(org, coordinator)
    before, audits = state(org), audit_count(org)
    refused = call("post", f"/requests/{request.pk}/approve", {})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("At most 1 unit of Children")
    swedish = Client().post(
        f"/api/v1/organizations/{org.slug}/aid/requests/{request.pk}/approve",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert swedish.status_code == 409
    assert swedish.json()["detail"] != refused.json()["detail"]
    assert "At most" not in swedish.json()["detail"]
    with scope(organization=org):
        request.refresh_from_db()
        assert not EligibilityOverride.objects.exists()
    assert request.status == Status.IN_REVIEW
    assert audit_count(org) == audits
    assert state(org) == before
