"""Aid matrix: the eligibility rules pages and endpoints and the aid settings. build() adds
an active visit-frequency rule to change and switch off."""

from decimal import Decimal

from django_scopes import scope

import kindred.aid.api.eligibility  # noqa: F401  (registers the routes until api/__init__ does)
from kindred.aid.models import AidSettings, EligibilityRule
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


# What the writes change (Endpoint.effect).


def _cap_created(w, **more) -> bool:
    """A cap of 1 jacket per child in 180 days (the page's is named, and switched on)."""
    return EligibilityRule.objects.filter(
        kind=EligibilityRule.Kind.CATEGORY_CAP,
        category_id=w.goods["jacket"].category_id,
        max_count=1,
        period_days=180,
        scale=EligibilityRule.Scale.CHILD,
        **more,
    ).exists()


def _rule_off(w) -> bool:
    return EligibilityRule.objects.filter(pk=w.aid["rule"].pk, active=False).exists()


def _settings_saved(w) -> bool:
    return AidSettings.objects.filter(
        organization=w.org,
        public_requests=True,
        public_intro="Matrix intro",
        reservation_days=10,
        substitute_value=Decimal("0.7"),
        fairness_weight=Decimal("1.5"),
        waiting_bonus=Decimal("0.2"),
    ).exists()


PAGES: list = [
    Endpoint("page", "aid:eligibility", "GET", MANAGE),
    Endpoint("page", "aid:eligibility-new", "GET", MANAGE),
    Endpoint(
        "page",
        "aid:eligibility-new",
        "POST",
        MANAGE,
        data=_category_cap,
        effect=lambda w: _cap_created(w, name="Matrix jackets", active=True),
        audit="eligibility.rule_created",
    ),
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
        effect=lambda w: EligibilityRule.objects.filter(
            pk=w.aid["rule"].pk, max_count=3, period_days=30, active=True
        ).exists(),
        audit="eligibility.rule_changed",
    ),
    Endpoint(
        "page",
        "aid:eligibility-toggle",
        "POST",
        MANAGE,
        _rule,
        effect=_rule_off,
        audit="eligibility.rule_changed",
    ),
    Endpoint("page", "aid:settings", "GET", MANAGE),
    Endpoint(
        "page",
        "aid:settings",
        "POST",
        MANAGE,
        data=lambda w: SETTINGS_FORM,
        effect=_settings_saved,
        audit="aid.settings_changed",
    ),
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
        effect=_cap_created,
        audit="eligibility.rule_created",
    ),
    Endpoint(
        "api",
        RULES + "/{rule_id}",
        "PATCH",
        MANAGE,
        _rule,
        lambda w: {"active": False},
        effect=_rule_off,
        audit="eligibility.rule_changed",
    ),
    Endpoint("api", ORG_API_PREFIX + "/aid/settings", "GET", MANAGE),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/aid/settings",
        "PATCH",
        MANAGE,
        data=lambda w: {"substitute_value": "0.5", "public_requests": True},
        effect=lambda w: AidSettings.objects.filter(
            organization=w.org, substitute_value=Decimal("0.5"), public_requests=True
        ).exists(),
        audit="aid.settings_changed",
    ),
]
