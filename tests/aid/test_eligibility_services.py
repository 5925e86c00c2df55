"""Eligibility: each rule kind passing and failing on real handout and reservation rows,
sub-categories, who counts as a child, consent in force, exclude_request, override with a
reason (recorded) and without (refused, nothing recorded), translated explanations, the
rule services' validation per kind, the services that must ask the rules (approving a
request, a walk-in handout) refusing an ineligible household with nothing changed, and the
aid settings service."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django_scopes import scope

from kindred.aid.models import (
    AidSettings,
    EligibilityOverride,
    EligibilityRule,
    Handout,
    HandoutLine,
    HelpRequest,
    NeedLine,
    Reservation,
    ReservationLine,
)
from kindred.aid.services import eligibility as el
from kindred.aid.services import handouts as handout_services
from kindred.aid.services import requests as request_services
from kindred.aid.services import settings as aid_settings
from kindred.aid.services.common import NotEligible, number_for
from kindred.core.models import AuditEntry
from kindred.core.services import Invalid
from kindred.goods.models import Category, ItemType, Movement, StockBalance
from kindred.people.models import Consent, ConsentPurpose, HouseholdMember, Person
from tests.aid.builders import cap, family, help_request
from tests.conftest import audit_count, item_type, make_location, snapshot, stock

Kind = EligibilityRule.Kind
Scale = EligibilityRule.Scale


# Builders ----------------------------------------------------------------------------------


def rule(org, kind, **values) -> EligibilityRule:
    with scope(organization=org):
        return EligibilityRule.objects.create(organization=org, kind=kind, **values)


def category(org, code) -> Category:
    item_type(org, "toy")  # the default catalogue
    with scope(organization=org):
        return Category.objects.get(organization=org, code=code)


def handout(org, site, household, lines, *, days_ago=0, request=None) -> Handout:
    """A handout `days_ago` days ago of [(item type code or ItemType, units)]."""
    location = make_location(org, site, "Shelf H")
    types = [code if isinstance(code, ItemType) else item_type(org, code) for code, _ in lines]
    with scope(organization=org):
        row = Handout.objects.create(
            organization=org,
            number=number_for(org, Handout),
            household=household,
            request=request,
            site=site,
            kind=Handout.Kind.WALK_IN,
            created_at=timezone.now() - timedelta(days=days_ago),
        )
        for kind, (_, quantity) in zip(types, lines, strict=True):
            HandoutLine.objects.create(
                organization=org,
                handout=row,
                location=location,
                item_type=kind,
                size="",
                grade="good",
                quantity=quantity,
            )
    return row


def reservation(org, site, request, quantity, *, status=Reservation.Status.ACTIVE) -> Reservation:
    """`quantity` units of the request's first need line reserved (rows only: no ledger)."""
    location = make_location(org, site, "Shelf R")
    with scope(organization=org):
        need = NeedLine.objects.filter(request=request).first()
        row = Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=request,
            household=request.household,
            site=site,
            status=status,
            expires_at=timezone.now() + timedelta(days=7),
        )
        ReservationLine.objects.create(
            organization=org,
            reservation=row,
            need=need,
            location=location,
            item_type=need.item_type,
            size="110",
            grade="good",
            quantity=quantity,
        )
    return row


def check(org, household, lines, **extra):
    asked = [(item_type(org, code), units) for code, units in lines]
    with scope(organization=org):
        return el.evaluate(org=org, household=household, lines=asked, **extra)


# Visit frequency ---------------------------------------------------------------------------


def test_visit_frequency_passes_below_the_limit(org, site):
    household = family(org, "Petrov", adults=2)
    rule(org, Kind.VISIT_FREQUENCY, max_count=2, period_days=30)
    handout(org, site, household, [("toy", 1)], days_ago=3)
    handout(org, site, household, [("toy", 1)], days_ago=40)  # before the period
    assert check(org, household, [("toy", 1)]) == []


def test_visit_frequency_fails_at_the_limit_and_names_the_numbers(org, site):
    household = family(org, "Petrov", adults=2)
    visits = rule(org, Kind.VISIT_FREQUENCY, max_count=2, period_days=30)
    handout(org, site, household, [("toy", 1)], days_ago=3)
    handout(org, site, household, [("toy", 1)], days_ago=10)
    failures = check(org, household, [("toy", 1)])
    assert [f.rule for f in failures] == [visits]
    assert failures[0].message == (
        "At most 2 handouts per household in 30 days: "
        "this household has had 2 handouts in that time."
    )
    # Not a visit itself (approving a request): the household is not over the limit yet.
    assert check(org, household, [("toy", 1)], counting_visit=False) == []


def test_other_households_handouts_do_not_count(org, site):
    household, neighbour = family(org, "Petrov"), family(org, "Ivanov")
    rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30)
    handout(org, site, neighbour, [("toy", 1)], days_ago=1)
    assert check(org, household, [("toy", 1)]) == []


def test_inactive_rules_are_not_checked(org, site):
    household = family(org)
    rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30, active=False)
    handout(org, site, household, [("toy", 1)], days_ago=1)
    assert check(org, household, [("toy", 1)]) == []


# Category cap ------------------------------------------------------------------------------


def test_category_cap_passes_within_the_cap_per_child(org, site):
    household = family(org, "Petrov", adults=2, children=[2016, 2019])
    clothing = category(org, "children-clothing")
    rule(org, Kind.CATEGORY_CAP, max_count=1, period_days=180, category=clothing, scale="child")
    handout(org, site, household, [("child-winter-jacket", 1)], days_ago=20)
    # 2 children x 1 = 2: one had, one asked for.
    assert check(org, household, [("child-winter-jacket", 1), ("toy", 5)]) == []
    # Asking for nothing of the category passes even when the cap is used up.
    handout(org, site, household, [("child-winter-jacket", 1)], days_ago=10)
    assert check(org, household, [("toy", 5)]) == []


def test_category_cap_counts_handed_out_reserved_and_asked(org, site):
    household = family(org, "Petrov", adults=2, children=[2016, 2019])
    clothing = category(org, "children-clothing")
    cap = rule(
        org, Kind.CATEGORY_CAP, max_count=1, period_days=180, category=clothing, scale="child"
    )
    handout(org, site, household, [("child-winter-jacket", 1)], days_ago=20)
    handout(org, site, household, [("child-winter-jacket", 5)], days_ago=200)  # too old
    earlier = help_request(org, household, [("child-winter-jacket", ["110"], 1, 3)])
    reservation(org, site, earlier, 1)
    done = help_request(org, household, [("child-winter-jacket", ["110"], 3, 3)])
    reservation(org, site, done, 3, status=Reservation.Status.HANDED_OUT)  # not active
    failures = check(org, household, [("child-winter-jacket", 1)])
    assert [f.rule for f in failures] == [cap]
    assert failures[0].message == (
        "At most 1 unit of Children's clothing per child in 180 days: "
        "this household has 2 children and has had 2, 1 more asked for."
    )


def test_category_cap_includes_sub_categories(org, site):
    household = family(org, "Petrov", adults=1)
    clothing = category(org, "children-clothing")
    with scope(organization=org):
        winter = Category.objects.create(organization=org, parent=clothing, name="Winter wear")
        deeper = Category.objects.create(organization=org, parent=winter, name="Snow")
        boots = ItemType.objects.create(organization=org, category=deeper, name="Snow boots")
    rule(org, Kind.CATEGORY_CAP, max_count=2, period_days=90, category=clothing)
    handout(org, site, household, [(boots, 2)], days_ago=5)
    with scope(organization=org):
        failures = el.evaluate(org=org, household=household, lines=[(boots, 1)])
    assert len(failures) == 1
    assert "this household has had 2, 1 more asked for." in failures[0].message


def test_a_child_is_a_member_under_18_by_birth_date_else_by_relation(org, site):
    household = family(org, "Petrov", adults=1)
    today = timezone.localdate()
    with scope(organization=org):
        for relation, born in [
            ("child", date(today.year - 25, 1, 1)),  # registered as a child, now an adult
            ("other_adult", date(today.year - 16, 1, 1)),  # a nephew of 16
            ("child", None),  # no birth date: the relation decides
        ]:
            person = Person.objects.create(organization=org, given_name="X", birth_date=born)
            HouseholdMember.objects.create(
                organization=org,
                household=household,
                person=person,
                relation=relation,
                joined_on=today,
            )
        # A child who left the household does not count.
        gone = Person.objects.create(organization=org, given_name="Y", birth_date=date(2018, 1, 1))
        HouseholdMember.objects.create(
            organization=org,
            household=household,
            person=gone,
            relation="child",
            joined_on=date(2019, 1, 1),
            left_on=date(2024, 1, 1),
        )
    clothing = category(org, "children-clothing")
    rule(org, Kind.SCALED_QUANTITY, max_count=1, category=clothing, scale="child")
    assert check(org, household, [("child-winter-jacket", 2)]) == []
    failures = check(org, household, [("child-winter-jacket", 3)])
    assert "this household has 2 children, 3 asked for." in failures[0].message


# Scaled quantity ---------------------------------------------------------------------------


def test_scaled_quantity_per_member(org):
    household = family(org, "Petrov", adults=2, children=[2016, 2019])  # 4 members
    bedding = category(org, "bedding-textiles")
    blankets = rule(org, Kind.SCALED_QUANTITY, max_count=1, category=bedding, scale="member")
    assert check(org, household, [("blanket", 4)]) == []
    failures = check(org, household, [("blanket", 3), ("blanket", 2)])
    assert [f.rule for f in failures] == [blankets]
    assert failures[0].message == (
        "At most 1 unit of Bedding and home textiles per household member in one request: "
        "this household has 4 members, 5 asked for."
    )


def test_scaled_quantity_per_household_ignores_past_handouts(org, site):
    household = family(org)
    bedding = category(org, "bedding-textiles")
    rule(org, Kind.SCALED_QUANTITY, max_count=2, category=bedding, scale="household")
    handout(org, site, household, [("blanket", 9)], days_ago=1)
    assert check(org, household, [("blanket", 2)]) == []
    [failure] = check(org, household, [("blanket", 3)])
    assert failure.message.endswith(": 3 units asked for.")


# Required consent --------------------------------------------------------------------------


def purpose(org, key="help-records") -> ConsentPurpose:
    with scope(organization=org):
        return ConsentPurpose.objects.get_or_create(
            organization=org, key=key, defaults={"name": "Help records"}
        )[0]


def consent(org, person, purpose, *, withdrawn=False) -> Consent:
    now = timezone.now()
    with scope(organization=org):
        return Consent.objects.create(
            organization=org,
            person=person,
            purpose=purpose,
            basis=Consent.Basis.CONSENT,
            given_at=now - timedelta(days=1),
            withdrawn_at=now if withdrawn else None,
        )


def head_of(org, household) -> Person:
    with scope(organization=org):
        return HouseholdMember.objects.get(household=household, relation="head").person


def test_required_consent_passes_with_a_basis_in_force(org):
    household = family(org)
    records = purpose(org)
    rule(org, Kind.REQUIRED_CONSENT, consent_purpose=records)
    consent(org, head_of(org, household), records, withdrawn=True)
    consent(org, head_of(org, household), records)
    assert check(org, household, [("toy", 1)]) == []


def test_required_consent_fails_when_withdrawn_or_missing(org):
    household = family(org, "Petrov")
    records = purpose(org)
    needed = rule(org, Kind.REQUIRED_CONSENT, consent_purpose=records)
    consent(org, head_of(org, household), records, withdrawn=True)
    # Another purpose's consent does not help.
    consent(org, head_of(org, household), purpose(org, "newsletter"))
    failures = check(org, household, [("toy", 1)])
    assert [f.rule for f in failures] == [needed]
    assert failures[0].message == (
        "The applicant has a lawful basis in force for “Help records”: Maria Petrov has none."
    )


def test_required_consent_asks_the_requests_applicant(org):
    household = family(org, "Petrov", adults=2)
    records = purpose(org)
    rule(org, Kind.REQUIRED_CONSENT, consent_purpose=records)
    request = help_request(org, household, [("toy", [], 1, 1)])
    with scope(organization=org):
        partner = HouseholdMember.objects.get(household=household, relation="partner").person
        HelpRequest.objects.filter(pk=request.pk).update(applicant=partner)
        request.refresh_from_db()
    consent(org, partner, records)
    assert check(org, household, [("toy", 1)], exclude_request=request) == []
    assert len(check(org, household, [("toy", 1)])) == 1  # the head has none


# exclude_request ---------------------------------------------------------------------------


def test_exclude_request_does_not_count_its_own_reservation_twice(org, site):
    household = family(org, "Petrov", children=[2016])
    clothing = category(org, "children-clothing")
    rule(org, Kind.CATEGORY_CAP, max_count=2, period_days=180, category=clothing)
    request = help_request(org, household, [("child-winter-jacket", ["110"], 2, 3)])
    reservation(org, site, request, 2)
    # Handing out the reserved 2: they are what is asked for, not also already reserved.
    assert check(org, household, [("child-winter-jacket", 2)], exclude_request=request) == []
    [failure] = check(org, household, [("child-winter-jacket", 2)])
    assert "has had 2, 2 more asked for." in failure.message


# require, overrides and explanations -------------------------------------------------------


def failing_setup(org, site):
    household = family(org, "Petrov")
    rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30)
    bedding = category(org, "bedding-textiles")
    rule(org, Kind.SCALED_QUANTITY, max_count=1, category=bedding)
    handout(org, site, household, [("toy", 1)], days_ago=2)
    request = help_request(org, household, [("blanket", [], 3, 2)])
    return household, request, [(item_type(org, "blanket"), 3)]


def test_require_without_a_reason_refuses_and_records_nothing(org, site, coordinator):
    household, request, lines = failing_setup(org, site)
    before = audit_count(org)
    with scope(organization=org), pytest.raises(NotEligible) as raised:
        el.require(org=org, household=household, lines=lines, actor=coordinator, request=request)
    assert raised.value.status == 409
    assert [f["kind"] for f in raised.value.failures] == [
        Kind.SCALED_QUANTITY,
        Kind.VISIT_FREQUENCY,
    ]
    assert all(f["passed"] is False and f["message"] for f in raised.value.failures)
    assert "At most 1 handout per household in 30 days" in raised.value.message
    with scope(organization=org):
        assert EligibilityOverride.objects.count() == 0
    assert audit_count(org) == before
    # Whitespace is no reason either.
    with scope(organization=org), pytest.raises(NotEligible):
        el.require(
            org=org, household=household, lines=lines, actor=coordinator, override_reason="  "
        )


def test_require_with_a_reason_records_each_override_and_an_audit_entry(org, site, coordinator):
    household, request, lines = failing_setup(org, site)
    with scope(organization=org):
        failures = el.require(
            org=org,
            household=household,
            lines=lines,
            actor=coordinator,
            request=request,
            override_reason="Family lost everything in a fire",
        )
        overrides = list(EligibilityOverride.objects.order_by("pk"))
        entry = AuditEntry.objects.get(organization=org, action="eligibility.overridden")
    assert len(failures) == 2
    assert [o.rule for o in overrides] == [f.rule for f in failures]
    assert {o.reason for o in overrides} == {"Family lost everything in a fire"}
    assert [o.message for o in overrides] == [f.message for f in failures]
    assert {(o.request_id, o.household_id, o.created_by_id) for o in overrides} == {
        (request.pk, household.pk, coordinator.pk)
    }
    assert entry.actor == coordinator
    assert entry.object_id == str(request.pk)
    assert entry.changes["reason"] == "Family lost everything in a fire"
    assert entry.changes["rules"] == [f.rule.pk for f in failures]


def test_require_when_eligible_records_nothing(org, coordinator):
    household = family(org)
    rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30)
    before = audit_count(org)
    with scope(organization=org):
        assert (
            el.require(
                org=org,
                household=household,
                lines=[(item_type(org, "toy"), 1)],
                actor=coordinator,
                override_reason="not needed",
            )
            == []
        )
        assert EligibilityOverride.objects.count() == 0
    assert audit_count(org) == before


def test_explain_gives_the_stored_shape(org, site):
    household, _request, lines = failing_setup(org, site)
    with scope(organization=org):
        failures = el.evaluate(org=org, household=household, lines=lines)
    explained = el.explain(failures)
    assert explained[0] == {
        "rule": failures[0].rule.pk,
        "kind": failures[0].rule.kind,
        "passed": False,
        "message": failures[0].message,
    }


def test_explanation_is_translated(org, site):
    """The failed rule is explained in the reader's language, numbers included."""
    household = family(org)
    rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30)
    handout(org, site, household, [("toy", 1)], days_ago=2)
    with translation.override("en"):
        [english] = check(org, household, [("toy", 1)])
    assert "At most 1 handout" in english.message
    for language in ("sv", "da", "fi", "bg", "uk"):
        with translation.override(language):
            [failure] = check(org, household, [("toy", 1)])
        assert failure.message != english.message, language
        assert "At most" not in failure.message, language
        assert "30" in failure.message, language


# The services that must ask the rules ------------------------------------------------------
#
# Approving a request and a walk-in handout call `require` directly: an ineligible household
# is refused with the translated explanation and nothing is written. Each rule kind used
# here fails whether or not the operation counts as a visit.

JACKETS = [("child-winter-jacket", ["110"], 2, 3)]  # 2 units of Children's clothing


def ineligible(org, site, kind, household) -> EligibilityRule:
    """A rule `household` breaks when it asks for 2 jackets."""
    if kind == Kind.VISIT_FREQUENCY:
        handout(org, site, household, [("toy", 1)], days_ago=2)
        handout(org, site, household, [("toy", 1)], days_ago=5)
        return rule(org, Kind.VISIT_FREQUENCY, max_count=1, period_days=30)
    return cap(org, "child-winter-jacket", 1)


def refused_message(callback, the_rule) -> str:
    """Run `callback` in English and in Swedish: both refuse with NotEligible naming the
    rule; the Swedish explanation is the rule's Swedish sentence. Returns the Swedish one."""
    messages = {}
    for language in ("en", "sv"):
        with translation.override(language), pytest.raises(NotEligible) as refused:
            callback()
        assert refused.value.status == 409
        assert [f["rule"] for f in refused.value.failures] == [the_rule.pk]
        with translation.override(language), scope(organization=the_rule.organization):
            assert refused.value.message.startswith(el.describe(the_rule))
        messages[language] = refused.value.message
    assert messages["en"].startswith("At most 1 ")
    assert messages["sv"] != messages["en"] and "At most" not in messages["sv"]
    return messages["sv"]


@pytest.mark.parametrize("kind", [Kind.VISIT_FREQUENCY, Kind.CATEGORY_CAP])
def test_approving_an_ineligible_households_request_is_refused_and_changes_nothing(
    org, site, coordinator, kind
):
    household = family(org, "Petrov", children=[2016])
    request = help_request(org, household, JACKETS, status=HelpRequest.Status.IN_REVIEW)
    broken = ineligible(org, site, kind, household)
    before, audits = snapshot(org), audit_count(org)

    def approve():
        with scope(organization=org):
            request_services.approve(request=request, actor=coordinator)

    refused_message(approve, broken)
    with scope(organization=org):
        request.refresh_from_db()
        assert not EligibilityOverride.objects.filter(organization=org).exists()
    assert request.status == HelpRequest.Status.IN_REVIEW
    assert request.decided_at is None and request.eligibility == []
    assert audit_count(org) == audits
    assert snapshot(org) == before


@pytest.mark.parametrize("kind", [Kind.VISIT_FREQUENCY, Kind.CATEGORY_CAP])
def test_a_walk_in_for_an_ineligible_household_is_refused_and_the_ledger_is_unchanged(
    org, site, coordinator, kind
):
    shelf = make_location(org, site, "Shelf W")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 4}})
    household = family(org, "Petrov", children=[2016])
    broken = ineligible(org, site, kind, household)
    jacket = item_type(org, "child-winter-jacket")

    def ledger():
        with scope(organization=org):
            return (
                list(StockBalance.objects.filter(organization=org).order_by("pk").values()),
                Movement.objects.filter(organization=org).count(),
                Handout.objects.filter(organization=org).count(),
            )

    before, ledger_before, audits = snapshot(org), ledger(), audit_count(org)

    def walk_in():
        with scope(organization=org):
            handout_services.hand_out_walk_in(
                org=org,
                site=site,
                household=household,
                lines=[{"location": shelf, "item_type": jacket, "size": "110", "quantity": 2}],
                actor=coordinator,
            )

    refused_message(walk_in, broken)
    assert ledger() == ledger_before
    with scope(organization=org):
        assert not EligibilityOverride.objects.filter(organization=org).exists()
    assert audit_count(org) == audits
    assert snapshot(org) == before


# Rule services -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("nonsense", {}, "kind"),
        (Kind.VISIT_FREQUENCY, {"period_days": 30}, "max_count"),
        (Kind.VISIT_FREQUENCY, {"max_count": 0, "period_days": 30}, "max_count"),
        (Kind.VISIT_FREQUENCY, {"max_count": 2}, "period_days"),
        (Kind.VISIT_FREQUENCY, {"max_count": 2, "period_days": 0}, "period_days"),
        (Kind.VISIT_FREQUENCY, {"max_count": "two", "period_days": 30}, "max_count"),
        (Kind.CATEGORY_CAP, {"max_count": 2, "period_days": 30, "scale": "child"}, "category"),
        (Kind.CATEGORY_CAP, {"max_count": 2, "period_days": 30, "category": 0}, "category"),
        (Kind.CATEGORY_CAP, {"max_count": -1, "period_days": 30}, "max_count"),
        (Kind.SCALED_QUANTITY, {"max_count": 1, "scale": "pet"}, "category"),
        (Kind.SCALED_QUANTITY, {"max_count": 1, "category": "CAT", "scale": "pet"}, "scale"),
        (Kind.REQUIRED_CONSENT, {"max_count": 1}, "consent_purpose"),
        (Kind.REQUIRED_CONSENT, {"consent_purpose": 999999}, "consent_purpose"),
    ],
)
def test_create_rule_needs_the_fields_of_its_kind(org, admin, kind, values, field):
    clothing = category(org, "children-clothing")
    values = {k: clothing if v == "CAT" else v for k, v in values.items()}
    before = audit_count(org)
    with scope(organization=org), pytest.raises(Invalid) as raised:
        el.create_rule(org=org, values={"kind": kind, **values}, actor=admin)
    assert raised.value.field == field
    assert raised.value.status == 422
    with scope(organization=org):
        assert EligibilityRule.objects.count() == 0
    assert audit_count(org) == before


def test_create_rule_keeps_only_its_kinds_fields_and_is_audited(org, other_org, admin):
    clothing = category(org, "children-clothing")
    with scope(organization=org):
        saved = el.create_rule(
            org=org,
            values={
                "kind": Kind.VISIT_FREQUENCY,
                "name": " Monthly ",
                "max_count": "2",
                "period_days": 30,
                "category": clothing,
                "scale": "child",
            },
            actor=admin,
        )
        entry = AuditEntry.objects.get(organization=org, action="eligibility.rule_created")
    assert (saved.name, saved.max_count, saved.period_days) == ("Monthly", 2, 30)
    assert (saved.category, saved.scale, saved.active) == (None, Scale.HOUSEHOLD, True)
    assert entry.changes["rule"] == "At most 2 handouts per household in 30 days"
    # Another organisation's category is refused.
    with scope(organization=other_org), pytest.raises(Invalid) as raised:
        el.create_rule(
            org=other_org,
            values={"kind": Kind.SCALED_QUANTITY, "max_count": 1, "category": clothing.pk},
            actor=admin,
        )
    assert raised.value.field == "category"


def test_update_rule_and_switching_it_off(org, admin):
    clothing = category(org, "children-clothing")
    with scope(organization=org):
        saved = el.create_rule(
            org=org,
            values={"kind": Kind.SCALED_QUANTITY, "max_count": 1, "category": clothing.pk},
            actor=admin,
        )
        changed = el.update_rule(
            org=org, rule=saved, values={"max_count": 3, "scale": "member"}, actor=admin
        )
        assert (changed.max_count, changed.scale, changed.category) == (3, "member", clothing)
        entry = AuditEntry.objects.get(organization=org, action="eligibility.rule_changed")
        assert entry.changes["max_count"] == [1, 3]
        # Changing the kind asks for that kind's fields.
        with pytest.raises(Invalid) as raised:
            el.update_rule(org=org, rule=changed, values={"kind": Kind.CATEGORY_CAP}, actor=admin)
        assert raised.value.field == "period_days"
        off = el.set_rule_active(org=org, rule=changed, active=False, actor=admin)
        assert off.active is False
        assert EligibilityRule.objects.get(pk=saved.pk).active is False
        # Nothing changed: no audit entry.
        count = AuditEntry.objects.filter(organization=org).count()
        el.set_rule_active(org=org, rule=off, active=False, actor=admin)
        assert AuditEntry.objects.filter(organization=org).count() == count


def test_describe_each_kind(org):
    clothing = category(org, "children-clothing")
    records = purpose(org)
    with scope(organization=org):
        sentences = [
            el.describe(EligibilityRule(kind=Kind.VISIT_FREQUENCY, max_count=1, period_days=1)),
            el.describe(
                EligibilityRule(
                    kind=Kind.CATEGORY_CAP,
                    max_count=2,
                    period_days=180,
                    category=clothing,
                    scale="child",
                )
            ),
            el.describe(
                EligibilityRule(
                    kind=Kind.SCALED_QUANTITY, max_count=1, category=clothing, scale="member"
                )
            ),
            el.describe(EligibilityRule(kind=Kind.REQUIRED_CONSENT, consent_purpose=records)),
        ]
    assert sentences == [
        "At most 1 handout per household in 1 day",
        "At most 2 units of Children's clothing per child in 180 days",
        "At most 1 unit of Children's clothing per household member in one request",
        "The applicant has a lawful basis in force for “Help records”",
    ]


# Aid settings ------------------------------------------------------------------------------


def test_get_settings_gives_the_defaults_without_saving(org):
    with scope(organization=org):
        current = aid_settings.get_settings(org)
        assert current.pk is None
        assert current.reservation_days == 14
        assert current.substitute_value == Decimal("0.80")
        assert AidSettings.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("substitute_value", "1.5"),
        ("substitute_value", "-0.1"),
        ("substitute_value", "0.333"),
        ("substitute_value", "much"),
        ("fairness_weight", "-1"),
        ("waiting_bonus", "-0.5"),
        ("waiting_bonus", "100"),
        ("reservation_days", 0),
        ("reservation_days", "a week"),
        ("public_intro", "x" * 5001),
    ],
)
def test_update_settings_refuses_values_out_of_range(org, admin, field, value):
    before = audit_count(org)
    with scope(organization=org), pytest.raises(Invalid) as raised:
        aid_settings.update_settings(
            org=org, values={"reservation_days": 7, field: value}, actor=admin
        )
    assert raised.value.field == field
    with scope(organization=org):
        assert AidSettings.objects.count() == 0
    assert audit_count(org) == before


def test_update_settings_saves_and_audits_what_changed(org, admin):
    with scope(organization=org):
        saved = aid_settings.update_settings(
            org=org,
            values={
                "public_requests": True,
                "public_intro": " Ask us ",
                "substitute_value": Decimal("0.5"),
                "waiting_bonus": "0.20",
            },
            actor=admin,
        )
        assert saved.pk is not None
        row = AidSettings.objects.get(organization=org)
        assert (row.public_requests, row.public_intro) == (True, "Ask us")
        assert (row.substitute_value, row.waiting_bonus) == (Decimal("0.50"), Decimal("0.20"))
        assert (row.reservation_days, row.fairness_weight) == (14, Decimal("1.00"))
        entry = AuditEntry.objects.get(organization=org, action="aid.settings_changed")
        assert set(entry.changes) == {
            "public_requests",
            "public_intro",
            "substitute_value",
            "waiting_bonus",
        }
        # The same values again: nothing to record.
        aid_settings.update_settings(org=org, values={"substitute_value": "0.50"}, actor=admin)
        assert AuditEntry.objects.filter(action="aid.settings_changed").count() == 1
        assert aid_settings.get_settings(org).pk == row.pk
