"""The eligibility rules and aid settings API: listing with filters, adding and changing
rules (422 naming the field a kind needs), and reading and changing the settings."""

from __future__ import annotations

import pytest
from django_scopes import scope

from kindred.aid.models import AidSettings, EligibilityRule
from kindred.goods.models import Category
from kindred.people.models import ConsentPurpose
from tests.api.test_api import Api, assert_audited, field_errors
from tests.conftest import api_token, item_type, snapshot

pytestmark = pytest.mark.django_db

ORG = "/organizations/home/aid"


@pytest.fixture
def as_coordinator(org, coordinator) -> Api:
    api = Api(api_token(org, coordinator))
    assert api.get("/me").status_code == 200  # its "last used" time is now set
    return api


def clothing(org) -> Category:
    item_type(org, "toy")
    with scope(organization=org):
        return Category.objects.get(organization=org, code="children-clothing")


def test_add_list_and_change_rules(org, as_coordinator):
    category = clothing(org)
    response = as_coordinator.post(
        ORG + "/eligibility-rules",
        {
            "kind": "category_cap",
            "name": "Jackets",
            "max_count": 1,
            "period_days": 180,
            "category_id": category.pk,
            "scale": "child",
            "consent_purpose_id": None,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["description"] == "At most 1 unit of Children's clothing per child in 180 days"
    assert (body["category_id"], body["scale"], body["active"]) == (category.pk, "child", True)
    assert_audited(org, "eligibility.rule_created")
    as_coordinator.post(
        ORG + "/eligibility-rules", {"kind": "visit_frequency", "max_count": 2, "period_days": 30}
    )
    listed = as_coordinator.get(ORG + "/eligibility-rules").json()
    assert listed["count"] == 2
    assert [r["kind"] for r in listed["items"]] == ["category_cap", "visit_frequency"]
    only = as_coordinator.get(ORG + "/eligibility-rules", {"kind": "visit_frequency"}).json()
    assert [r["kind"] for r in only["items"]] == ["visit_frequency"]
    patched = as_coordinator.patch(
        ORG + f"/eligibility-rules/{body['id']}", {"active": False, "max_count": 2}
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["active"], patched.json()["max_count"]) == (False, 2)
    assert_audited(org, "eligibility.rule_changed")
    inactive = as_coordinator.get(ORG + "/eligibility-rules", {"active": "false"}).json()
    assert [r["id"] for r in inactive["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "visit_frequency", "period_days": 30}, "max_count"),
        ({"kind": "category_cap", "max_count": 1, "period_days": 30}, "category_id"),
        (
            {"kind": "category_cap", "max_count": 1, "period_days": 30, "category_id": 999999},
            "category_id",
        ),
        ({"kind": "required_consent"}, "consent_purpose_id"),
    ],
)
def test_a_rule_without_its_kinds_fields_is_refused(org, as_coordinator, payload, field):
    before = snapshot(org)
    response = as_coordinator.post(ORG + "/eligibility-rules", payload)
    assert response.status_code == 422
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_patching_the_kind_needs_that_kinds_fields(org, as_coordinator):
    with scope(organization=org):
        purpose = ConsentPurpose.objects.create(organization=org, key="records", name="Records")
        rule = EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=1, period_days=30
        )
    path = ORG + f"/eligibility-rules/{rule.pk}"
    response = as_coordinator.patch(path, {"kind": "required_consent"})
    assert response.status_code == 422
    assert "consent_purpose_id" in field_errors(response)
    response = as_coordinator.patch(
        path, {"kind": "required_consent", "consent_purpose_id": purpose.pk}
    )
    assert response.status_code == 200
    assert (response.json()["max_count"], response.json()["period_days"]) == (None, None)
    assert as_coordinator.patch(ORG + "/eligibility-rules/999999", {}).status_code == 404


def test_read_and_change_the_settings(org, as_coordinator):
    before = snapshot(org)
    body = as_coordinator.get(ORG + "/settings").json()
    assert body == {
        "public_requests": False,
        "public_intro": "",
        "reservation_days": 14,
        "substitute_value": "0.80",
        "fairness_weight": "1.00",
        "waiting_bonus": "0.10",
    }
    assert snapshot(org) == before
    response = as_coordinator.patch(
        ORG + "/settings", {"public_requests": True, "substitute_value": "0.6"}
    )
    assert response.status_code == 200
    assert (response.json()["public_requests"], response.json()["substitute_value"]) == (
        True,
        "0.60",
    )
    assert_audited(org, "aid.settings_changed")
    with scope(organization=org):
        assert AidSettings.objects.get(organization=org).reservation_days == 14


def test_a_substitute_value_above_one_is_refused(org, as_coordinator):
    before = snapshot(org)
    response = as_coordinator.patch(ORG + "/settings", {"substitute_value": 1.5})
    assert response.status_code == 422
    assert "substitute_value" in field_errors(response)
    assert snapshot(org) == before


def test_volunteers_may_not_use_it(org, volunteer):
    api = Api(api_token(org, volunteer))
    assert api.get(ORG + "/eligibility-rules").status_code == 403
    assert api.get(ORG + "/settings").status_code == 403
