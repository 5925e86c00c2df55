"""Aid matrix: the eligibility rules pages and endpoints and the aid settings. build() adds
an active visit-frequency rule to change and switch off."""

from django_scopes import scope

import kindred.aid.api.eligibility  # noqa: F401  (registers the routes until api/__init__ does)
from kindred.aid.models import EligibilityRule
from kindred.core.roles import Action
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

MANAGE = Action.MANAGE_ELIGIBILITY
RULES = ORG_API_PREFIX + "/aid/eligibility-rules"


def build(world, owner) -> None:
    org = world.org
    with scope(organization=org):
        world.aid["rule"] = EligibilityRule.objects.create(
            organization=org,
            kind=EligibilityRule.Kind.VISIT_FREQUENCY,
            name="Matrix visits",
            max_count=2,
            period_days=30,
        )


def _rule(w) -> dict:
    return {"rule_id": w.aid["rule"].pk}


def _category_cap(w) -> dict:
    return {
        "kind": "category_cap",
        "name": "Matrix jackets",
        "max_count": 1,
        "period_days": 180,
        "category": w.goods["jacket"].category_id,
        "scale": "child",
        "active": "on",
    }


SETTINGS_FORM = {
    "public_requests": "on",
    "public_intro": "Matrix intro",
    "reservation_days": "10",
    "substitute_value": "0.7",
    "fairness_weight": "1.5",
    "waiting_bonus": "0.2",
}


PAGES: list = [
    Endpoint("page", "aid:eligibility", "GET", MANAGE),
    Endpoint("page", "aid:eligibility-new", "GET", MANAGE),
    Endpoint("page", "aid:eligibility-new", "POST", MANAGE, data=_category_cap),
    Endpoint("page", "aid:eligibility-edit", "GET", MANAGE, _rule),
    Endpoint(
        "page",
        "aid:eligibility-edit",
        "POST",
        MANAGE,
        _rule,
        lambda w: {
            "kind": "visit_frequency",
            "max_count": "3",
            "period_days": "30",
            "active": "on",
        },
    ),
    Endpoint("page", "aid:eligibility-toggle", "POST", MANAGE, _rule),
    Endpoint("page", "aid:settings", "GET", MANAGE),
    Endpoint("page", "aid:settings", "POST", MANAGE, data=lambda w: SETTINGS_FORM),
]

API: list = [
    Endpoint("api", RULES, "GET", MANAGE),
    Endpoint(
        "api",
        RULES,
        "POST",
        MANAGE,
        data=lambda w: {
            "kind": "category_cap",
            "max_count": 1,
            "period_days": 180,
            "category_id": w.goods["jacket"].category_id,
            "scale": "child",
        },
    ),
    Endpoint("api", RULES + "/{rule_id}", "PATCH", MANAGE, _rule, lambda w: {"active": False}),
    Endpoint("api", ORG_API_PREFIX + "/aid/settings", "GET", MANAGE),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/aid/settings",
        "PATCH",
        MANAGE,
        data=lambda w: {"substitute_value": "0.5", "public_requests": True},
    ),
]
