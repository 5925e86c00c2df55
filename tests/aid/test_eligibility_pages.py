"""Eligibility rules pages and the aid settings page: the list with its plain-language
sentences, filters and empty state; the rule form showing only its kind's fields and
refusing a missing one on the field; switching rules off and on; the settings form's
validation; and who may open them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from kindred.aid.models import AidSettings, EligibilityRule
from kindred.core.models import AuditEntry
from kindred.goods.models import Category
from kindred.people.models import ConsentPurpose
from tests.conftest import item_type, snapshot

pytestmark = pytest.mark.django_db

Kind = EligibilityRule.Kind


def url(org, name, **kwargs) -> str:
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})


def clothing(org) -> Category:
    item_type(org, "toy")
    with scope(organization=org):
        return Category.objects.get(organization=org, code="children-clothing")


def rule(org, kind=Kind.VISIT_FREQUENCY, **values) -> EligibilityRule:
    values = {"max_count": 2, "period_days": 30, **values}
    with scope(organization=org):
        return EligibilityRule.objects.create(organization=org, kind=kind, **values)


def test_empty_list_explains_what_rules_are(org, coordinator, client_for):
    response = client_for(coordinator).get(url(org, "eligibility"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "No eligibility rules yet" in text
    assert url(org, "eligibility-new") + "?kind=category_cap" in text


def test_list_shows_each_rule_as_a_sentence_and_filters(org, coordinator, client_for):
    rule(org, name="Monthly visits")
    rule(
        org,
        Kind.CATEGORY_CAP,
        max_count=1,
        period_days=180,
        category=clothing(org),
        scale="child",
        active=False,
    )
    client = client_for(coordinator)
    text = client.get(url(org, "eligibility")).content.decode()
    assert "Monthly visits" in text
    assert "At most 2 handouts per household in 30 days." in text
    assert "At most 1 unit of Children&#x27;s clothing per child in 180 days." in text
    active = client.get(url(org, "eligibility"), {"show": "active"}).content.decode()
    assert "Monthly visits" in active and "per child" not in active
    inactive = client.get(url(org, "eligibility"), {"show": "inactive"}).content.decode()
    assert "Monthly visits" not in inactive and "per child" in inactive
    searched = client.get(url(org, "eligibility"), {"q": "CHILD"}).content.decode()
    assert "per child" in searched and "Monthly visits" not in searched
    by_kind = client.get(url(org, "eligibility"), {"kind": "visit_frequency"}).content.decode()
    assert "Monthly visits" in by_kind and "per child" not in by_kind
    nothing = client.get(url(org, "eligibility"), {"q": "zebra"}).content.decode()
    assert "No rule matches these filters." in nothing
    # htmx asks for the rows only.
    rows = client.get(url(org, "eligibility"), HTTP_HX_REQUEST="true").content.decode()
    assert "<table" in rows and "<html" not in rows


def test_the_list_reads_a_fixed_number_of_queries(org, coordinator, client_for):
    category = clothing(org)
    with scope(organization=org):
        purpose = ConsentPurpose.objects.create(organization=org, key="records", name="Records")
    client = client_for(coordinator)
    client.get(url(org, "eligibility"))  # the session's first request writes it

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(org, "eligibility")).status_code == 200
        return len(captured)

    rule(org)
    rule(org, Kind.SCALED_QUANTITY, category=category, scale="member")
    rule(org, Kind.REQUIRED_CONSENT, consent_purpose=purpose)
    few = page_queries()
    for _ in range(3):
        rule(org, Kind.CATEGORY_CAP, category=category, scale="child")
        rule(org, Kind.REQUIRED_CONSENT, consent_purpose=purpose)
    assert page_queries() == few


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        (Kind.VISIT_FREQUENCY, {"max_count", "period_days"}, {"category", "consent_purpose"}),
        (
            Kind.CATEGORY_CAP,
            {"max_count", "period_days", "category", "scale"},
            {"consent_purpose"},
        ),
        (Kind.SCALED_QUANTITY, {"max_count", "category", "scale"}, {"period_days"}),
        (Kind.REQUIRED_CONSENT, {"consent_purpose"}, {"max_count", "period_days", "scale"}),
    ],
)
def test_new_rule_form_shows_only_its_kinds_fields(
    org, coordinator, client_for, kind, shown, hidden
):
    response = client_for(coordinator).get(url(org, "eligibility-new"), {"kind": kind})
    assert response.status_code == 200
    text = response.content.decode()
    for field in shown:
        assert f'name="{field}"' in text
    for field in hidden:
        assert f'name="{field}"' not in text


def test_changing_the_kind_keeps_what_was_typed(org, coordinator, client_for):
    response = client_for(coordinator).get(
        url(org, "eligibility-new"),
        {"kind": "scaled_quantity", "name": "Blankets", "max_count": "1", "reloaded": "1"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert 'value="Blankets"' in text
    assert 'name="category"' in text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "visit_frequency", "period_days": "30"}, "max_count", "Enter how many"),
        ({"kind": "visit_frequency", "max_count": "0", "period_days": "30"}, "max_count", "1"),
        ({"kind": "category_cap", "max_count": "2", "period_days": "30"}, "category", "Choose a"),
        ({"kind": "scaled_quantity", "category": "x", "max_count": "1"}, "category", ""),
        ({"kind": "required_consent"}, "consent_purpose", "Choose a purpose."),
    ],
)
def test_rule_form_refuses_a_missing_field_on_the_field(
    org, coordinator, client_for, data, field, message
):
    before = snapshot(org)
    response = client_for(coordinator).post(url(org, "eligibility-new"), {"scale": "child", **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert snapshot(org) == before


def test_add_change_and_switch_a_rule(org, coordinator, client_for):
    client = client_for(coordinator)
    category = clothing(org)
    response = client.post(
        url(org, "eligibility-new"),
        {
            "kind": "category_cap",
            "name": "Jackets",
            "max_count": "1",
            "period_days": "180",
            "category": str(category.pk),
            "scale": "child",
            "active": "on",
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        saved = EligibilityRule.objects.get()
    assert (saved.kind, saved.max_count, saved.category, saved.scale) == (
        Kind.CATEGORY_CAP,
        1,
        category,
        "child",
    )
    page = client.get(url(org, "eligibility-edit", rule_id=saved.pk))
    assert page.status_code == 200
    assert 'value="180"' in page.content.decode()
    response = client.post(
        url(org, "eligibility-edit", rule_id=saved.pk),
        {
            "kind": "category_cap",
            "name": "Jackets",
            "max_count": "2",
            "period_days": "180",
            "category": str(category.pk),
            "scale": "member",
            "active": "on",
        },
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.max_count, saved.scale) == (2, "member")
    assert client.post(url(org, "eligibility-toggle", rule_id=saved.pk)).status_code == 302
    saved.refresh_from_db()
    assert saved.active is False
    client.post(url(org, "eligibility-toggle", rule_id=saved.pk))
    saved.refresh_from_db()
    assert saved.active is True
    with scope(organization=org):
        actions = list(
            AuditEntry.objects.filter(organization=org, action__startswith="eligibility.")
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["eligibility.rule_created", *["eligibility.rule_changed"] * 3]


def test_toggle_needs_post_and_another_orgs_rule_is_not_found(
    org, other_org, coordinator, client_for
):
    mine = rule(org)
    theirs = rule(other_org)
    client = client_for(coordinator)
    assert client.get(url(org, "eligibility-toggle", rule_id=mine.pk)).status_code == 405
    assert client.post(url(org, "eligibility-toggle", rule_id=theirs.pk)).status_code == 404
    assert client.get(url(org, "eligibility-edit", rule_id=theirs.pk)).status_code == 404


def test_consent_rule_form_offers_the_orgs_purposes(org, other_org, coordinator, client_for):
    with scope(organization=org):
        mine = ConsentPurpose.objects.create(organization=org, key="records", name="Records")
    with scope(organization=other_org):
        theirs = ConsentPurpose.objects.create(organization=other_org, key="x", name="Theirs")
    client = client_for(coordinator)
    text = client.get(url(org, "eligibility-new"), {"kind": "required_consent"}).content.decode()
    assert "Records" in text and "Theirs" not in text
    response = client.post(
        url(org, "eligibility-new"), {"kind": "required_consent", "consent_purpose": theirs.pk}
    )
    assert response.status_code == 400
    response = client.post(
        url(org, "eligibility-new"),
        {"kind": "required_consent", "consent_purpose": mine.pk, "active": "on"},
    )
    assert response.status_code == 302


def test_settings_page_shows_the_defaults_and_saves(org, coordinator, client_for):
    client = client_for(coordinator)
    before = snapshot(org)
    page = client.get(url(org, "settings"))
    assert page.status_code == 200
    assert 'value="14"' in page.content.decode()
    assert snapshot(org) == before  # reading saves nothing
    response = client.post(
        url(org, "settings"),
        {
            "public_requests": "on",
            "public_intro": "Ask us",
            "reservation_days": "10",
            "substitute_value": "0.75",
            "fairness_weight": "2",
            "waiting_bonus": "0.1",
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        saved = AidSettings.objects.get(organization=org)
    assert (saved.public_requests, saved.reservation_days, saved.substitute_value) == (
        True,
        10,
        Decimal("0.75"),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("substitute_value", "1.5"),
        ("fairness_weight", "-1"),
        ("waiting_bonus", "-0.1"),
        ("reservation_days", "0"),
    ],
)
def test_settings_page_refuses_values_out_of_range(org, coordinator, client_for, field, value):
    data = {
        "reservation_days": "14",
        "substitute_value": "0.8",
        "fairness_weight": "1",
        "waiting_bonus": "0.1",
        field: value,
    }
    before = snapshot(org)
    response = client_for(coordinator).post(url(org, "settings"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot(org) == before


@pytest.mark.parametrize("name", ["eligibility", "eligibility-new", "settings"])
def test_volunteers_and_referrers_may_not_open_them(org, volunteer, referrer, client_for, name):
    for user in (volunteer, referrer):
        assert client_for(user).get(url(org, name)).status_code == 403


def test_another_organisations_member_gets_not_found(org, outsider, client_for):
    assert client_for(outsider).get(url(org, "eligibility")).status_code == 404
    assert client_for(outsider).get(url(org, "settings")).status_code == 404
